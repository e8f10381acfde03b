// The local Pinecone server in its own process (its own core), with injected latency.
import { startPineconeServer } from '@scoped-rag/testing/pinecone-server';

const server = await startPineconeServer({
  dimensions: Number(process.env.DIMS ?? 1536),
  faults: { latencyMs: Number(process.env.LATENCY_MS ?? 20) },
});
console.log(JSON.stringify({ host: server.host }));
process.on('message', async (message) => {
  if (message === 'stats') {
    const upserts = server.requests.filter((r) => r.operation === 'upsert');
    process.send?.({
      upserts: upserts.length,
      records: upserts.reduce(
        (n, r) => n + ((r.body as { vectors?: unknown[] }).vectors?.length ?? 0),
        0,
      ),
    });
    server.clearRequests();
  }
  if (message === 'close') {
    await server.close();
    process.exit(0);
  }
});
