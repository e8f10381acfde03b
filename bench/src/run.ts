// `pnpm bench`: the embedded store against a naive baseline, and the cost of scoping.
// Sizes are modest so it finishes in about a minute; set BENCH_ROWS / BENCH_DIMS to change them.
import {
  createIdentity,
  createMemoryVectorStore,
  createScopedVectorStore,
  orgPolicy,
  parseFilter,
} from '@scoped-rag/core';
import { compare, table } from './measure.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const DIMS = Number(process.env.BENCH_DIMS ?? 384);
const TENANTS = 100;
const TOP_K = 10;

// Deterministic pseudo-random numbers (mulberry32), so runs are comparable.
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = random(42);
const vector = () => Array.from({ length: DIMS }, () => next() * 2 - 1);

console.log(
  `scoped-rag bench — ${ROWS.toLocaleString()} rows × ${DIMS} dims, ${TENANTS} tenants, top-${TOP_K}, node ${process.version}`,
);
console.log(
  'Ratios are medians of per-round ratios, systems interleaved round by round (lower is better).',
);

const rows = Array.from({ length: ROWS }, (_, i) => ({
  id: `doc-${i}`,
  values: vector(),
  metadata: {
    tenant: `t${i % TENANTS}`,
    lang: Math.floor(i / TENANTS) % 2 === 0 ? 'en' : 'de',
    year: 2000 + (i % 25),
  },
}));
const queries = Array.from({ length: 32 }, vector);
let q = 0;
const nextQuery = () => queries[q++ % queries.length]!;

// Baseline: what apps hand-roll — objects of number[] scored one by one, then a full sort.
function naiveSearch(query: number[], filter?: (m: Record<string, unknown>) => boolean) {
  let qq = 0;
  for (const x of query) qq += x * x;
  const scored: { id: string; score: number }[] = [];
  for (const row of rows) {
    if (filter && !filter(row.metadata)) continue;
    let dot = 0;
    let vv = 0;
    for (let i = 0; i < query.length; i++) {
      dot += query[i]! * row.values[i]!;
      vv += row.values[i]! * row.values[i]!;
    }
    scored.push({ id: row.id, score: dot / Math.sqrt(qq * vv) });
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, TOP_K);
}

// 1. Upsert throughput: the same Float32Array records copied into one Float32Array (baseline)
// or upserted into a fresh store (validation, norms, ids, metadata included).
{
  const records = rows.map((row) => ({
    id: row.id,
    values: Float32Array.from(row.values),
    metadata: row.metadata,
  }));
  const results = await compare(
    [
      {
        name: 'copy into a Float32Array (baseline)',
        run: () => {
          const out = new Float32Array(ROWS * DIMS);
          for (const [i, record] of records.entries()) out.set(record.values, i * DIMS);
          return out;
        },
      },
      {
        name: 'MemoryVectorStore.upsert',
        run: async () => {
          const store = createMemoryVectorStore({ dimensions: DIMS });
          for (let i = 0; i < records.length; i += 10_000) {
            await store.upsert({ namespace: 'n', records: records.slice(i, i + 10_000) });
          }
          return store;
        },
      },
    ],
    { rounds: 7, repeat: 1, warmup: 1 },
  );
  console.log(table(`Upsert ${ROWS.toLocaleString()} vectors`, results));
}

// 2. Query over all rows of one namespace, and within one tenant's 1% with a filter keeping half.
const store = createMemoryVectorStore({ dimensions: DIMS });
const plainStore = createMemoryVectorStore({ dimensions: DIMS, simd: false });
for (let i = 0; i < rows.length; i += 10_000) {
  await plainStore.upsert({
    namespace: 'all',
    records: rows.slice(i, i + 10_000).map((row) => ({
      id: row.id,
      values: Float32Array.from(row.values),
      metadata: row.metadata,
    })),
  });
}
for (let i = 0; i < rows.length; i += 10_000) {
  await store.upsert({
    namespace: 'all',
    records: rows.slice(i, i + 10_000).map((row) => ({
      id: row.id,
      values: Float32Array.from(row.values),
      metadata: row.metadata,
    })),
  });
}
{
  const results = await compare([
    {
      name: 'naive JS: number[] objects + full sort (baseline)',
      run: () => naiveSearch(nextQuery()),
    },
    {
      name: 'MemoryVectorStore.query, all rows, TypeScript loops (simd: false)',
      run: () =>
        plainStore.query({
          namespace: 'all',
          vector: Float32Array.from(nextQuery()),
          topK: TOP_K,
          includeValues: false,
        }),
    },
    {
      name: 'MemoryVectorStore.query, all rows, WASM SIMD kernel',
      run: () =>
        store.query({
          namespace: 'all',
          vector: Float32Array.from(nextQuery()),
          topK: TOP_K,
          includeValues: false,
        }),
    },
  ]);
  console.log(table(`Query across ${ROWS.toLocaleString()} rows`, results));
}

// 3. Scoped: one tenant (namespace per tenant) vs the naive filter over the whole set.
const policy = orgPolicy();
const scoped = createScopedVectorStore({
  store: createMemoryVectorStore({ dimensions: DIMS }),
  policy,
});
const tenantHandles = Array.from({ length: TENANTS }, (_, t) =>
  scoped.forIdentity(
    createIdentity({ userId: `user_${t}`, orgId: `org_${t}`, orgRole: 'org:admin' }),
  ),
);
for (let t = 0; t < TENANTS; t++) {
  const mine = rows.filter((_, i) => i % TENANTS === t);
  for (let i = 0; i < mine.length; i += 1_000) {
    await tenantHandles[t]!.upsert(
      mine.slice(i, i + 1_000).map((row) => ({
        id: row.id,
        values: row.values,
        metadata: { lang: row.metadata.lang, year: row.metadata.year },
      })),
    );
  }
}
// The same tenants in one shared namespace: the store partitions records by tenant key.
const sharedScoped = createScopedVectorStore({
  store: createMemoryVectorStore({ dimensions: DIMS }),
  policy: orgPolicy({ isolation: { mode: 'shared', namespace: 'all' } }),
});
const sharedHandles = tenantHandles.map((handle) =>
  sharedScoped.forScope(
    sharedScoped.policy.scopeFor(
      createIdentity({
        userId: handle.scope.userId,
        orgId: handle.scope.tenant.id,
        orgRole: 'org:admin',
      }),
    ),
  ),
);
for (let t = 0; t < TENANTS; t++) {
  const mine = rows.filter((_, i) => i % TENANTS === t);
  for (let i = 0; i < mine.length; i += 1_000) {
    await sharedHandles[t]!.upsert(
      mine.slice(i, i + 1_000).map((row) => ({
        id: row.id,
        values: row.values,
        metadata: { lang: row.metadata.lang, year: row.metadata.year },
      })),
    );
  }
}
const sharedTarget = sharedHandles[7]!;
{
  const target = tenantHandles[7]!;
  const rawFilter = parseFilter({ tenant: 't7', lang: 'en' });
  const results = await compare(
    [
      {
        name: 'naive JS: filter all rows by tenant + lang, then score (baseline)',
        run: () => naiveSearch(nextQuery(), (m) => m.tenant === 't7' && m.lang === 'en'),
      },
      {
        name: 'MemoryVectorStore.query, shared namespace + filter',
        run: () =>
          store.query({
            namespace: 'all',
            vector: Float32Array.from(nextQuery()),
            topK: TOP_K,
            filter: rawFilter,
            includeValues: false,
          }),
      },
      {
        name: 'ScopedVectorStore.query, namespace per tenant + filter',
        run: () => target.query({ vector: nextQuery(), topK: TOP_K, filter: { lang: 'en' } }),
      },
      {
        name: 'ScopedVectorStore.query, shared namespace (tenant partitions) + filter',
        run: () => sharedTarget.query({ vector: nextQuery(), topK: TOP_K, filter: { lang: 'en' } }),
      },
    ],
    { rounds: 21, repeat: 20 },
  );
  console.log(table(`Query within one tenant (1% of rows, filter keeps half)`, results));
}

// 4. The cost of the scoping layer itself: validation, composition, re-check, mapping.
{
  const ns = policy.namespaceFor(tenantHandles[7]!.scope);
  const composed = parseFilter({
    $and: [{ _sr_tenant: tenantHandles[7]!.scope.tenantKey }, { lang: 'en' }],
  });
  const inner = createMemoryVectorStore({ dimensions: DIMS });
  const innerScoped = createScopedVectorStore({ store: inner, policy });
  const handle = innerScoped.forScope(tenantHandles[7]!.scope);
  const mine = rows.filter((_, i) => i % TENANTS === 7);
  await handle.upsert(
    mine.map((row) => ({ id: row.id, values: row.values, metadata: { lang: row.metadata.lang } })),
  );
  const results = await compare(
    [
      {
        name: 'raw VectorStore.query on the tenant namespace (baseline)',
        run: () =>
          inner.query({
            namespace: ns,
            vector: Float32Array.from(nextQuery()),
            topK: TOP_K,
            filter: composed,
            includeValues: false,
          }),
      },
      {
        name: 'ScopedVectorStore.query (same rows, same filter)',
        run: () => handle.query({ vector: nextQuery(), topK: TOP_K, filter: { lang: 'en' } }),
      },
    ],
    { rounds: 21, repeat: 50 },
  );
  console.log(
    table('Overhead of scoping (validation, policy filter, re-check of every match)', results),
  );
}
