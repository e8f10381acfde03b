// Upsert throughput through the real SDK to a local Pinecone server (separate process) with 20 ms
// injected latency, against the latency bound: requests / concurrency × latency.
import { fork } from 'node:child_process';
import { createPineconeVectorStore } from '@scoped-rag/pinecone';

const ROWS = Number(process.env.BENCH_PINECONE_ROWS ?? 20_000);
const DIMS = Number(process.env.BENCH_PINECONE_DIMS ?? 1536);
const LATENCY_MS = Number(process.env.BENCH_PINECONE_LATENCY_MS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_PINECONE_CONCURRENCY ?? 8);

const child = fork(new URL('./pinecone-server-child.ts', import.meta.url), [], {
  execArgv: ['--import', 'tsx', '--conditions=@scoped-rag/source'],
  env: { ...process.env, DIMS: String(DIMS), LATENCY_MS: String(LATENCY_MS) },
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
const host = await new Promise<string>((resolve) => {
  child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).host));
});
const stats = () =>
  new Promise<{ upserts: number; records: number }>((resolve) => {
    child.once('message', (message) => resolve(message as { upserts: number; records: number }));
    child.send('stats');
  });

let seed = 1;
const random = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647 - 0.5;
};
const records = Array.from({ length: ROWS }, (_, i) => ({
  id: `doc-${i}`,
  values: Float32Array.from({ length: DIMS }, random),
  metadata: { n: i },
}));

const store = createPineconeVectorStore({
  apiKey: 'bench',
  host,
  dimensions: DIMS,
  concurrency: CONCURRENCY,
});
await store.upsert({ namespace: 'warmup', records: records.slice(0, 200) });
await stats();
const started = performance.now();
await store.upsert({ namespace: 'bench', records });
const elapsed = performance.now() - started;
const { upserts, records: sent } = await stats();
const bound = Math.ceil(upserts / CONCURRENCY) * LATENCY_MS;
// The client's own floor: serializing each request body (the SDK sends JSON) on this one thread.
const perRequest = Math.ceil(sent / upserts);
const sample = records.slice(0, perRequest);
const serializeStart = performance.now();
for (let i = 0; i < 10; i++) {
  JSON.stringify({
    vectors: sample.map((r) => ({ id: r.id, values: Array.from(r.values), metadata: r.metadata })),
    namespace: 'bench',
  });
}
const serializeFloor = ((performance.now() - serializeStart) / 10) * upserts;
console.log(
  `\nPinecone upsert through the real SDK, local server in another process, ${LATENCY_MS} ms latency per request`,
);
console.log(
  '| rows × dims | requests | concurrency | elapsed | latency bound | vs latency bound | JSON serialization floor | vs that floor |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
console.log(
  `| ${ROWS.toLocaleString()} × ${DIMS} | ${upserts} (${perRequest} records each) | ${CONCURRENCY} | ${(elapsed / 1000).toFixed(2)} s | ${(bound / 1000).toFixed(2)} s | ${((bound / elapsed) * 100).toFixed(0)}% | ${(serializeFloor / 1000).toFixed(2)} s | ${((serializeFloor / elapsed) * 100).toFixed(0)}% |`,
);
child.send('close');
