// `pnpm bench` (bench/memory-store): the embedded MemoryVectorStore against the physical limit
// (a WASM SIMD scan of the same rows, compiled from the committed kernel, in this process) and
// against what users pick today (LangChain.js MemoryVectorStore). Systems are interleaved query by
// query; ratios are medians of per-round ratios; the whole comparison runs RUNS times.
// Defaults: 100,000 × 1536, 100 tenants, top-10, cosine. BENCH_MEMORY_ROWS / _DIMS / _RUNS change
// them; BENCH_MEMORY_FULL=1 adds the other metrics, dimensions and the scaling table.
import { MemoryVectorStore as LangChainMemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { createMemoryVectorStore, type DistanceMetric, parseFilter } from '@scoped-rag/core';
import { createScoringKernel } from '../../packages/core/src/kernels/scores.js';

const ROWS = Number(process.env.BENCH_MEMORY_ROWS ?? 100_000);
const DIMS = Number(process.env.BENCH_MEMORY_DIMS ?? 1536);
const RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 3);
const FULL = process.env.BENCH_MEMORY_FULL === '1';
const TENANTS = 100;
const TOP_K = 10;

const gc = (globalThis as { gc?: () => void }).gc;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
};
let seed = 7;
const random = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647 - 0.5;
};

interface Dataset {
  vectors: Float32Array[];
  tenantOf: (i: number) => number;
  keep: (i: number) => boolean;
}

function dataset(rows: number, dims: number, tenants: number): Dataset {
  return {
    vectors: Array.from({ length: rows }, () => Float32Array.from({ length: dims }, random)),
    tenantOf: (i) => i % tenants,
    // Within a tenant, the filter keeps about half of the rows.
    keep: (i) => Math.floor(i / tenants) % 2 === 0,
  };
}

// The physical limit: one contiguous block of the rows to score, the SIMD kernel over all of them,
// then a top-k over the scores (checking the filter for rows that could enter it).
function baselineScan(
  rows: Float32Array[],
  dims: number,
  metric: DistanceMetric,
  keep: (row: number) => boolean,
) {
  const kernel = createScoringKernel(rows.length, dims);
  if (!kernel) throw new Error('WebAssembly SIMD is not available: no baseline');
  const data = new Float32Array(kernel.memory.buffer, 0, rows.length * dims);
  rows.forEach((row, i) => {
    data.set(row, i * dims);
  });
  const norms = rows.map((row) => 1 / Math.sqrt(row.reduce((s, x) => s + x * x, 0)));
  const queryAt = rows.length * dims * 4;
  const scoresAt = queryAt + dims * 4;
  return (query: Float32Array) => {
    new Float32Array(kernel.memory.buffer, queryAt, dims).set(query);
    if (metric === 'euclidean') kernel.sqdist(0, queryAt, scoresAt, rows.length, dims);
    else kernel.dot(0, queryAt, scoresAt, rows.length, dims);
    const scores = new Float32Array(kernel.memory.buffer, scoresAt, rows.length);
    const best: number[] = [];
    let floor = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < rows.length; i++) {
      const raw = scores[i]!;
      const key = metric === 'euclidean' ? -raw : metric === 'cosine' ? raw * norms[i]! : raw;
      if (key < floor || !keep(i)) continue;
      best.push(key);
      if (best.length > TOP_K) {
        best.sort((a, b) => b - a);
        best.length = TOP_K;
        floor = best[TOP_K - 1]!;
      }
    }
    return best;
  };
}

const noEmbeddings: EmbeddingsInterface = {
  embedQuery: async () => {
    throw new Error('not used');
  },
  embedDocuments: async () => {
    throw new Error('not used');
  },
};

// Resident memory: WebAssembly memories are not in the heap figures, so count what the process
// holds, with garbage collected first (run with --expose-gc).
function heldBytes(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().rss;
}

async function headline(
  metric: DistanceMetric,
  dims: number,
  rows: number,
  withLangChain: boolean,
  tenants = TENANTS,
) {
  const data = dataset(rows, dims, tenants);
  const rawBytes = rows * dims * 4;
  const lines: string[] = [];
  const records = data.vectors.map((values, i) => ({
    id: `doc-${i}`,
    values,
    metadata: { _sr_tenant: `t${data.tenantOf(i)}`, keep: data.keep(i) },
  }));
  const build = async () => {
    const built = createMemoryVectorStore({ dimensions: dims, metric });
    for (let i = 0; i < rows; i += 10_000)
      await built.upsert({ namespace: 'all', records: records.slice(i, i + 10_000) });
    return built;
  };

  // Memory first, before other builds leave freed pages for this one to reuse.
  const beforeStore = heldBytes();
  const store = await build();
  const held = heldBytes() - beforeStore;
  lines.push(
    `| memory held | ${(rawBytes / 2 ** 20).toFixed(0)} MiB raw | ${(held / 2 ** 20).toFixed(0)} MiB | ${(held / rawBytes).toFixed(2)}× | target ≤ 1.2× |`,
  );

  // Upsert: the store against copying the same Float32Arrays into one fresh Float32Array.
  const copyTimes: number[] = [];
  const upsertTimes: number[] = [];
  for (let round = 0; round < 3; round++) {
    let start = performance.now();
    // Into freshly mapped memory, as the store's own: a plain Float32Array of this size may reuse
    // pages an earlier round freed, which skips the first-touch page faults the store pays.
    const pages = Math.ceil((rows * dims * 4) / 65_536);
    const copy = new Float32Array(
      new WebAssembly.Memory({ initial: pages }).buffer,
      0,
      rows * dims,
    );
    for (const [i, record] of records.entries()) copy.set(record.values, i * dims);
    copyTimes.push(performance.now() - start);
    start = performance.now();
    await build();
    upsertTimes.push(performance.now() - start);
  }
  lines.push(
    `| upsert ${rows.toLocaleString()} | ${median(copyTimes).toFixed(0)} ms (copy) | ${median(upsertTimes).toFixed(0)} ms | ${(median(upsertTimes) / median(copyTimes)).toFixed(2)}× | ${rows <= 100_000 ? 'target ≤ 2×' : 'no target (it is set for 100,000 vectors)'} |`,
  );

  let langchain: LangChainMemoryVectorStore | undefined;
  if (withLangChain) {
    const beforeLangChain = heldBytes();
    langchain = new LangChainMemoryVectorStore(noEmbeddings);
    await langchain.addVectors(
      data.vectors.map((v) => Array.from(v)),
      data.vectors.map(
        (_, i) =>
          new Document({
            pageContent: '',
            metadata: { tenant: data.tenantOf(i), keep: data.keep(i) },
          }),
      ),
    );
    const langchainHeld = heldBytes() - beforeLangChain;
    lines.push(
      `| LangChain memory held | | ${(langchainHeld / 2 ** 20).toFixed(0)} MiB | ${(langchainHeld / rawBytes).toFixed(2)}× | |`,
    );
  }

  const queries = Array.from({ length: 16 }, () => Float32Array.from({ length: dims }, random));
  const tenantRows = data.vectors.flatMap((_, i) => (data.tenantOf(i) === 7 ? [i] : []));
  const tenantFilter = parseFilter({ _sr_tenant: 't7', keep: true });
  const scenarios = [
    {
      name: `all ${rows.toLocaleString()} rows`,
      baseline: baselineScan(data.vectors, dims, metric, () => true),
      ours: (q: Float32Array) =>
        store.query({ namespace: 'all', vector: q, topK: TOP_K, includeValues: false }),
      langchain: (q: Float32Array) =>
        langchain!.similaritySearchVectorWithScore(Array.from(q), TOP_K),
    },
    {
      name: `one tenant (${tenantRows.length.toLocaleString()} rows, filter keeps half)`,
      baseline: baselineScan(
        tenantRows.map((i) => data.vectors[i]!),
        dims,
        metric,
        (row) => data.keep(tenantRows[row]!),
      ),
      ours: (q: Float32Array) =>
        store.query({
          namespace: 'all',
          vector: q,
          topK: TOP_K,
          filter: tenantFilter,
          includeValues: false,
        }),
      langchain: (q: Float32Array) =>
        langchain!.similaritySearchVectorWithScore(
          Array.from(q),
          TOP_K,
          (doc: Document) => doc.metadata.tenant === 7 && doc.metadata.keep === true,
        ),
    },
  ];
  const timed = async (run: () => unknown) => {
    const t = performance.now();
    await run();
    return performance.now() - t;
  };
  for (const scenario of scenarios) {
    const ratios: number[] = [];
    const langRatios: number[] = [];
    const baseTimes: number[] = [];
    // Ours against the baseline, alternating which runs first; then LangChain in rounds of its own
    // (its scans churn the caches and the heap), each against a baseline measured just before.
    for (let round = 0; round < 21; round++) {
      const q = queries[round % queries.length]!;
      let base: number;
      let ours: number;
      if (round % 2 === 0) {
        base = await timed(() => scenario.baseline(q));
        ours = await timed(() => scenario.ours(q));
      } else {
        ours = await timed(() => scenario.ours(q));
        base = await timed(() => scenario.baseline(q));
      }
      baseTimes.push(base);
      ratios.push(ours / base);
    }
    if (langchain) {
      for (let round = 0; round < 5; round++) {
        const q = queries[round % queries.length]!;
        const base = await timed(() => scenario.baseline(q));
        langRatios.push((await timed(() => scenario.langchain(q))) / base);
      }
    }
    const us = (ms: number) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`);
    lines.push(
      `| query, ${scenario.name} | ${us(median(baseTimes))} (WASM SIMD scan) | ${median(ratios).toFixed(2)}× | ${langchain ? `${median(langRatios).toFixed(1)}× (LangChain)` : ''} | target ≤ 1.5× |`,
    );
  }
  return lines;
}

console.log(
  `\nMemoryVectorStore vs the physical limit and LangChain — ${ROWS.toLocaleString()} × ${DIMS}, ${TENANTS} tenants, top-${TOP_K}, node ${process.version}${gc ? '' : ' (no --expose-gc: memory figures are rough)'}`,
);
for (let run = 1; run <= RUNS; run++) {
  console.log(
    `\nrun ${run}, cosine\n| what | baseline | ours | ratio / LangChain | target |\n|---|---:|---:|---:|---|`,
  );
  for (const line of await headline('cosine', DIMS, ROWS, true)) console.log(line);
}
if (FULL) {
  for (const metric of ['dotproduct', 'euclidean'] as const) {
    console.log(
      `\n${metric}\n| what | baseline | ours | ratio | target |\n|---|---:|---:|---:|---|`,
    );
    for (const line of await headline(metric, DIMS, ROWS, false)) console.log(line);
  }
  for (const dims of [384, 768, 3072]) {
    console.log(
      `\ncosine, ${dims} dims\n| what | baseline | ours | ratio | target |\n|---|---:|---:|---:|---|`,
    );
    for (const line of await headline('cosine', dims, Math.min(ROWS, 50_000), false))
      console.log(line);
  }
  // Tenants of 1,000 rows each: the one-tenant query should cost the same whatever the total.
  for (const rows of [10_000, 100_000, 1_000_000]) {
    console.log(
      `\nscaling: ${rows.toLocaleString()} rows × 384, ${rows / 1_000} tenants of 1,000 rows\n| what | baseline | ours | ratio | target |\n|---|---:|---:|---:|---|`,
    );
    for (const line of await headline('cosine', 384, rows, false, rows / 1_000)) console.log(line);
  }
}
