import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScopedRagError } from './errors.js';
import { parseFilter } from './filter.js';
import { createMemoryVectorStore } from './memory-vector-store.js';
import type { DistanceMetric, VectorMatch, VectorRecord } from './vector-store.js';

const vec = (...values: number[]) => Float32Array.from(values);

function bruteForce(metric: DistanceMetric, records: VectorRecord[], query: Float32Array) {
  const score = (v: Float32Array) => {
    let dotp = 0;
    let qq = 0;
    let vv = 0;
    let dist = 0;
    for (let i = 0; i < v.length; i++) {
      dotp += query[i]! * v[i]!;
      qq += query[i]! ** 2;
      vv += v[i]! ** 2;
      dist += (query[i]! - v[i]!) ** 2;
    }
    return metric === 'cosine' ? dotp / Math.sqrt(qq * vv) : metric === 'dotproduct' ? dotp : dist;
  };
  return records
    .map((r) => ({ id: r.id, score: score(r.values) }))
    .sort((a, b) => (metric === 'euclidean' ? a.score - b.score : b.score - a.score));
}

async function rejects(promise: Promise<unknown>, code: string, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(
    ScopedRagError.hasCode(error, code as never),
    `expected ${code}, got ${String(error)}`,
  ).toBe(true);
  if (message) expect((error as Error).message).toMatch(message);
}

describe('MemoryVectorStore', () => {
  it.each(['cosine', 'dotproduct', 'euclidean'] as const)(
    'finds exactly the brute-force top-k under %s, with the SIMD kernel and the TypeScript loops',
    async (metric) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 7, maxLength: 7 }), {
            minLength: 1,
            maxLength: 60,
          }),
          fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 7, maxLength: 7 }),
          fc.integer({ min: 1, max: 20 }),
          async (rows, q, topK) => {
            for (const simd of [true, false]) {
              const store = createMemoryVectorStore({
                dimensions: 7,
                metric,
                simd,
                simdMinRows: 1,
              });
              const usable = rows.filter((r) => metric !== 'cosine' || r.some((x) => x !== 0));
              const records = usable.map((r, i) => ({
                id: `r${i}`,
                values: Float32Array.from(r),
                metadata: {},
              }));
              const query = Float32Array.from(q.some((x) => x !== 0) ? q : [1, ...q.slice(1)]);
              if (records.length > 0) await store.upsert({ namespace: 'ns', records });
              const got = await store.query({
                namespace: 'ns',
                vector: query,
                topK,
                includeValues: false,
              });
              const want = bruteForce(metric, records, query).slice(0, topK);
              expect(got.map((m) => m.score)).toHaveLength(want.length);
              got.forEach((m, i) => {
                expect(m.score).toBeCloseTo(want[i]!.score, 3);
              });
            }
          },
        ),
        { numRuns: 200 },
      );
    },
  );

  it('answers exactly the same with and without tenant partitions, as records move between them', async () => {
    const opArb = fc.oneof(
      fc.record({
        type: fc.constant('upsert' as const),
        id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
        tenant: fc.option(fc.constantFrom('t1', 't2', ''), { nil: undefined }),
        values: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 3, maxLength: 3 }),
      }),
      fc.record({
        type: fc.constant('delete' as const),
        id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 30 }),
        fc.constantFrom<string | undefined>('t1', 't2', '', undefined),
        async (ops, onlyTenant) => {
          const partitioned = createMemoryVectorStore({
            dimensions: 3,
            metric: 'dotproduct',
            partitionBy: 'tenant',
          });
          const flat = createMemoryVectorStore({
            dimensions: 3,
            metric: 'dotproduct',
            partitionBy: null,
          });
          for (const op of ops) {
            for (const store of [partitioned, flat]) {
              if (op.type === 'delete') await store.delete({ namespace: 'n', ids: [op.id] });
              else {
                const metadata = op.tenant === undefined ? {} : { tenant: op.tenant };
                await store.upsert({
                  namespace: 'n',
                  records: [{ id: op.id, values: Float32Array.from(op.values), metadata }],
                });
              }
            }
          }
          const filter = onlyTenant === undefined ? undefined : parseFilter({ tenant: onlyTenant });
          const query = {
            namespace: 'n',
            vector: vec(1, 2, 3),
            topK: 10,
            includeValues: true,
            ...(filter ? { filter } : {}),
          };
          const [a, b] = await Promise.all([partitioned.query(query), flat.query(query)]);
          expect(a.map((m) => [m.id, m.score, m.metadata]).sort()).toEqual(
            b.map((m) => [m.id, m.score, m.metadata]).sort(),
          );
          const ids = ['a', 'b', 'c', 'd', 'e'];
          expect(
            [...(await partitioned.fetch({ namespace: 'n', ids }))].sort((x, y) =>
              x.id.localeCompare(y.id),
            ),
          ).toEqual(
            [...(await flat.fetch({ namespace: 'n', ids }))].sort((x, y) =>
              x.id.localeCompare(y.id),
            ),
          );
          expect(await partitioned.list({ namespace: 'n', limit: 10 })).toEqual(
            await flat.list({ namespace: 'n', limit: 10 }),
          );
          expect(await partitioned.listNamespaces({ limit: 10 })).toEqual(
            await flat.listNamespaces({ limit: 10 }),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each(['cosine', 'dotproduct', 'euclidean'] as const)(
    'scores the same with the SIMD kernel and the TypeScript loops (%s)',
    async (metric) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.array(fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }), {
              minLength: 13,
              maxLength: 13,
            }),
            { minLength: 1, maxLength: 40 },
          ),
          fc.array(fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }), {
            minLength: 13,
            maxLength: 13,
          }),
          async (rows, q) => {
            const usable = rows.filter((r) => r.some((x) => Math.abs(x) > 1e-3));
            const query = Float32Array.from(
              q.some((x) => Math.abs(x) > 1e-3) ? q : [1, ...q.slice(1)],
            );
            const results = [];
            for (const simd of [true, false]) {
              const store = createMemoryVectorStore({
                dimensions: 13,
                metric,
                simd,
                simdMinRows: 1,
              });
              if (usable.length > 0) {
                await store.upsert({
                  namespace: 'n',
                  records: usable.map((r, i) => ({
                    id: `r${i}`,
                    values: Float32Array.from(r),
                    metadata: { odd: i % 2 === 1, rare: i % 11 === 3 },
                  })),
                });
              }
              // Half the rows pass (score all, then filter), or few (filter, then score those).
              for (const filter of [{ odd: false }, { rare: true }]) {
                results.push(
                  await store.query({
                    namespace: 'n',
                    vector: query,
                    topK: 5,
                    filter: parseFilter(filter),
                    includeValues: false,
                  }),
                );
              }
            }
            const [simdHalf, simdFew, plainHalf, plainFew] = results as VectorMatch[][];
            for (const [simd, plain] of [
              [simdHalf!, plainHalf!],
              [simdFew!, plainFew!],
            ] as const) {
              expect(simd.length).toBe(plain.length);
              for (const [i, match] of simd.entries())
                expect(match.score).toBeCloseTo(plain[i]!.score, 4);
            }
          },
        ),
        { numRuns: 200 },
      );
    },
  );

  it('keeps every row across in-place growth of the SIMD kernel memory', async () => {
    const simd = createMemoryVectorStore({ dimensions: 16, metric: 'dotproduct', simdMinRows: 1 });
    const plain = createMemoryVectorStore({ dimensions: 16, metric: 'dotproduct', simd: false });
    for (let batch = 0; batch < 40; batch++) {
      const records = Array.from({ length: 97 }, (_, i) => ({
        id: `r${batch}-${i}`,
        values: Float32Array.from(
          { length: 16 },
          (_, d) => (((batch * 97 + i) * (d + 1)) % 13) - 6,
        ),
        metadata: { batch },
      }));
      await simd.upsert({ namespace: 'n', records });
      await plain.upsert({ namespace: 'n', records });
    }
    const query = Float32Array.from({ length: 16 }, (_, d) => d - 8);
    const [a, b] = await Promise.all(
      [simd, plain].map((store) =>
        store.query({ namespace: 'n', vector: query, topK: 50, includeValues: true }),
      ),
    );
    expect(a!.map((m) => [m.id, m.score])).toEqual(b!.map((m) => [m.id, m.score]));
    const fetched = await simd.fetch({ namespace: 'n', ids: ['r0-0', 'r39-96'] });
    expect(fetched.map((r) => Array.from(r.values))).toEqual(
      (await plain.fetch({ namespace: 'n', ids: ['r0-0', 'r39-96'] })).map((r) =>
        Array.from(r.values),
      ),
    );
  });

  it('keeps values exactly as written (cosine normalises scores, not storage)', async () => {
    const store = createMemoryVectorStore({ dimensions: 3 });
    await store.upsert({
      namespace: 'n',
      records: [{ id: 'a', values: vec(3, 0, 4), metadata: { k: 'v' } }],
    });
    const [record] = await store.fetch({ namespace: 'n', ids: ['a', 'missing'] });
    expect(Array.from(record!.values)).toEqual([3, 0, 4]);
    expect(record!.metadata).toEqual({ k: 'v' });
    const [match] = await store.query({
      namespace: 'n',
      vector: vec(3, 0, 4),
      topK: 1,
      includeValues: true,
    });
    expect(match!.score).toBeCloseTo(1, 6);
    expect(Array.from(match!.values!)).toEqual([3, 0, 4]);
  });

  it('isolates namespaces and treats an unknown one as empty', async () => {
    const store = createMemoryVectorStore({ dimensions: 2 });
    await store.upsert({ namespace: 'a', records: [{ id: 'x', values: vec(1, 0), metadata: {} }] });
    expect(
      await store.query({ namespace: 'b', vector: vec(1, 0), topK: 5, includeValues: false }),
    ).toEqual([]);
    expect(await store.fetch({ namespace: 'b', ids: ['x'] })).toEqual([]);
    expect(await store.list({ namespace: 'b', limit: 10 })).toEqual({ ids: [] });
  });

  it('applies filters before ranking', async () => {
    const store = createMemoryVectorStore({ dimensions: 2 });
    await store.upsert({
      namespace: 'n',
      records: [
        { id: 'near', values: vec(1, 0), metadata: { lang: 'en' } },
        { id: 'far', values: vec(0, 1), metadata: { lang: 'de' } },
      ],
    });
    const matches = await store.query({
      namespace: 'n',
      vector: vec(1, 0),
      topK: 5,
      filter: parseFilter({ lang: 'de' }),
      includeValues: false,
    });
    expect(matches.map((m) => m.id)).toEqual(['far']);
  });

  it('overwrites by id, deletes with tombstones and compacts without losing records', async () => {
    const store = createMemoryVectorStore({ dimensions: 4, metric: 'dotproduct' });
    const records = Array.from({ length: 500 }, (_, i) => ({
      id: `id-${String(i).padStart(3, '0')}`,
      values: vec(i, 1, 0, 0),
      metadata: { i },
    }));
    await store.upsert({ namespace: 'n', records });
    await store.upsert({
      namespace: 'n',
      records: [{ id: 'id-000', values: vec(1000, 0, 0, 0), metadata: { i: -1 } }],
    });
    await store.delete({
      namespace: 'n',
      ids: records.filter((_, i) => i % 3 !== 0 && i !== 0).map((r) => r.id),
    });
    const survivors = records.filter((_, i) => i % 3 === 0).map((r) => r.id);
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ namespace: 'n', limit: 37, ...(cursor ? { cursor } : {}) });
      listed.push(...page.ids);
      cursor = page.cursor;
    } while (cursor);
    expect(listed).toEqual(survivors);
    const top = await store.query({
      namespace: 'n',
      vector: vec(1, 0, 0, 0),
      topK: 2,
      includeValues: false,
    });
    expect(top.map((m) => m.id)).toEqual(['id-000', 'id-498']);
    expect(top[0]!.metadata).toEqual({ i: -1 });
    const fetched = await store.fetch({ namespace: 'n', ids: survivors });
    expect(fetched.map((r) => r.id)).toEqual(survivors);
    for (const r of fetched) {
      const i = Number(r.id.slice(3));
      if (i !== 0) expect(r.values[0]).toBe(i);
    }
  });

  it('lists ids by prefix in lexicographic order', async () => {
    const store = createMemoryVectorStore({ dimensions: 1, metric: 'euclidean' });
    await store.upsert({
      namespace: 'n',
      records: ['doc#2', 'doc#10', 'other', 'doc#1'].map((id) => ({
        id,
        values: vec(1),
        metadata: {},
      })),
    });
    expect((await store.list({ namespace: 'n', prefix: 'doc#', limit: 10 })).ids).toEqual([
      'doc#1',
      'doc#10',
      'doc#2',
    ]);
  });

  it('deleteNamespace removes everything in it and nothing else', async () => {
    const store = createMemoryVectorStore({ dimensions: 1, metric: 'dotproduct' });
    await store.upsert({ namespace: 'a', records: [{ id: 'x', values: vec(1), metadata: {} }] });
    await store.upsert({ namespace: 'b', records: [{ id: 'x', values: vec(1), metadata: {} }] });
    await store.deleteNamespace({ namespace: 'a' });
    expect(await store.fetch({ namespace: 'a', ids: ['x'] })).toEqual([]);
    expect(await store.fetch({ namespace: 'b', ids: ['x'] })).toHaveLength(1);
  });

  it.each(['cosine', 'dotproduct', 'euclidean'] as const)(
    'refuses vectors whose %s scores could overflow float32, and scores the largest allowed ones finitely',
    async (metric) => {
      for (const simd of [true, false]) {
        const store = createMemoryVectorStore({ dimensions: 4, metric, simd, simdMinRows: 1 });
        const huge = vec(1e30, -1e30, 0, 0);
        await rejects(
          store.upsert({ namespace: 'n', records: [{ id: 'big', values: huge, metadata: {} }] }),
          'INVALID_INPUT',
          /overflow float32/,
        );
        await rejects(
          store.query({ namespace: 'n', vector: huge, topK: 1, includeValues: false }),
          'INVALID_INPUT',
          /overflow float32/,
        );
        // Just inside the limit: |v|² ≈ MAX_SQUARED_NORM for the row and the (opposite) query.
        const edge = 9.2e18 / Math.SQRT2;
        await store.upsert({
          namespace: 'n',
          records: [
            { id: 'edge', values: vec(edge, edge, 0, 0), metadata: { keep: true } },
            { id: 'unit', values: vec(0, 0, 1, 0), metadata: { keep: false } },
          ],
        });
        for (const filter of [undefined, parseFilter({ keep: true })]) {
          const matches = await store.query({
            namespace: 'n',
            vector: vec(-edge, -edge, 0, 0),
            topK: 2,
            includeValues: false,
            ...(filter ? { filter } : {}),
          });
          expect(matches.some((m) => m.id === 'edge')).toBe(true);
          for (const match of matches) expect(Number.isFinite(match.score)).toBe(true);
        }
      }
    },
  );

  it('refuses near-zero vectors under cosine, where scores would become Infinity or NaN', async () => {
    const store = createMemoryVectorStore({ dimensions: 3 });
    const tiny = vec(1e-40, 1e-40, 1e-40);
    await rejects(
      store.upsert({ namespace: 'n', records: [{ id: 'poison', values: tiny, metadata: {} }] }),
      'INVALID_INPUT',
      /near-zero/,
    );
    await rejects(
      store.query({ namespace: 'n', vector: tiny, topK: 1, includeValues: false }),
      'INVALID_INPUT',
      /near-zero/,
    );
    // Small but normal vectors rank by direction as usual.
    await store.upsert({
      namespace: 'n',
      records: [
        { id: 'small', values: vec(1e-15, 0, 0), metadata: {} },
        { id: 'other', values: vec(0, 1, 0), metadata: {} },
      ],
    });
    const matches = await store.query({
      namespace: 'n',
      vector: vec(1, 0, 0),
      topK: 2,
      includeValues: false,
    });
    expect(matches.map((m) => [m.id, Math.round(m.score * 1e6) / 1e6])).toEqual([
      ['small', 1],
      ['other', 0],
    ]);
  });

  it('refuses bad input with INVALID_INPUT and writes nothing', async () => {
    const store = createMemoryVectorStore({ dimensions: 2 });
    const good = { id: 'good', values: vec(1, 0), metadata: {} };
    await rejects(
      store.upsert({
        namespace: 'n',
        records: [good, { id: 'bad', values: vec(1, 0, 0), metadata: {} }],
      }),
      'INVALID_INPUT',
      /2-dimensional/,
    );
    await rejects(
      store.upsert({
        namespace: 'n',
        records: [good, { id: 'nan', values: vec(Number.NaN, 0), metadata: {} }],
      }),
      'INVALID_INPUT',
      /non-finite/,
    );
    await rejects(
      store.upsert({
        namespace: 'n',
        records: [good, { id: 'zero', values: vec(0, 0), metadata: {} }],
      }),
      'INVALID_INPUT',
      /zero \(or near-zero/,
    );
    await rejects(
      store.upsert({
        namespace: 'n',
        records: [good, { id: '', values: vec(1, 0), metadata: {} }],
      }),
      'INVALID_INPUT',
    );
    expect(await store.fetch({ namespace: 'n', ids: ['good'] })).toEqual([]);
    await rejects(
      store.query({ namespace: 'n', vector: vec(1, 0), topK: 0, includeValues: false }),
      'INVALID_INPUT',
      /topK/,
    );
    await rejects(
      store.query({ namespace: 'n', vector: vec(1, 0), topK: 10_001, includeValues: false }),
      'INVALID_INPUT',
      /topK/,
    );
    await rejects(store.list({ namespace: 'n', limit: 0 }), 'INVALID_INPUT', /limit/);
    expect(() => createMemoryVectorStore({ dimensions: 0 })).toThrowError(/dimensions/);
    expect(() =>
      createMemoryVectorStore({ dimensions: 3, metric: 'manhattan' as never }),
    ).toThrowError(/metric/);
  });
});
