// The conformance suite run on both embedders of core: the local one, and the OpenAI one against a
// local server that answers OpenAI's /v1/embeddings with the local embedder's vectors.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalEmbedder, createOpenAIEmbedder } from '@scoped-rag/core';
import { afterAll, beforeAll } from 'vitest';
import { describeEmbedderConformance } from '../src/index.js';

describeEmbedderConformance('createLocalEmbedder', () => createLocalEmbedder(), {
  deterministic: true,
});
describeEmbedderConformance(
  'createLocalEmbedder (64 dimensions, words only)',
  () => createLocalEmbedder({ dimensions: 64, ngrams: { words: 1, chars: 0 } }),
  { deterministic: true },
);

const local = createLocalEmbedder({ dimensions: 256 });
const server = createServer((request, response) => {
  let raw = '';
  request.on('data', (chunk) => {
    raw += chunk;
  });
  request.on('end', async () => {
    const { input } = JSON.parse(raw) as { input: string[] };
    if (input.some((text) => text === '')) {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { message: "'$.input' is invalid.", type: 'invalid_request_error' },
        }),
      );
      return;
    }
    const vectors = await local.embed(input);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        object: 'list',
        data: vectors.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding: Array.from(vector),
        })),
        model: 'local-256',
      }),
    );
  });
});
let baseURL = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describeEmbedderConformance(
  'createOpenAIEmbedder (local server)',
  () =>
    createOpenAIEmbedder({
      apiKey: 'sk-local',
      baseURL,
      model: 'local-256',
      dimensions: 256,
      sendDimensions: false,
      maxBatchSize: 8,
      retry: false,
    }),
  { deterministic: true },
);
