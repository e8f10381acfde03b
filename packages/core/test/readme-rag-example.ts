import {
  createIdentity,
  createLocalEmbedder,
  createMemoryDocumentStore,
  createMemoryVectorStore,
  createRag,
  createRecursiveChunker,
  orgPolicy,
} from '@scoped-rag/core';

const rag = createRag({
  policy: orgPolicy(),
  vectors: createMemoryVectorStore({ dimensions: 256 }),
  documents: createMemoryDocumentStore(),
  embedder: createLocalEmbedder({ dimensions: 256 }),
  chunker: createRecursiveChunker({ chunkSize: 60, chunkOverlap: 0 }),
});

// In an app: `await rag.forRequest(request)`, with a resolver such as @scoped-rag/clerk's.
const acme = rag.forIdentity(createIdentity({ userId: 'user_alice', orgId: 'org_acme' }));
const globex = rag.forIdentity(createIdentity({ userId: 'user_bob', orgId: 'org_globex' }));

const handbook = 'Refunds are paid within five days.\n\nShipping is free over 50 euros.';
const first = await acme.ingest({ id: 'handbook', text: handbook, title: 'Handbook' });
console.log(first.status, first.document.chunkCount); // created 2
const again = await acme.ingest({ id: 'handbook', text: handbook, title: 'Handbook' });
console.log(again.status, again.embedded); // unchanged 0: same content hash, no work

const { chunks, shortfall } = await acme.retrieve('when are refunds paid?', { topK: 3 });
console.log(chunks[0]?.text, chunks[0]?.document.title); // Refunds are paid within five days. Handbook
console.log(shortfall?.reason, shortfall?.returned); // exhausted 2: fewer chunks exist than topK

console.log((await globex.retrieve('refunds')).chunks.length); // 0: another tenant sees nothing

console.log(await acme.deleteDocument('handbook')); // { deleted: true, vectors: 2, chunks: 2, verified: true }

export { chunks };
