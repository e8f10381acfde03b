// What the pgvector store adds beyond the conformance kit: row-level security that binds even the
// table's owner, core's scores for every metric, exact round trips, typed errors, partial-upsert
// reports, the table's DDL and drizzle definition, and HNSW search.
import {
  createMemoryVectorStore,
  type DistanceMetric,
  type Metadata,
  parseFilter,
  ScopedRagError,
} from '@scoped-rag/core';
import { and, eq, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPgVectorStore,
  type PgVectorStore,
  pgVectorTable,
  pgVectorTableSQL,
  RLS_SETTINGS,
} from '../src/index.js';
import { describeDatabases } from './databases.js';

const DIMS = 4;
const vec = (...values: number[]) =>
  Float32Array.from([...values, ...Array(DIMS - values.length).fill(0)]);

async function failure(promise: Promise<unknown>): Promise<ScopedRagError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!ScopedRagError.isInstance(error))
    throw new Error(`expected a ScopedRagError, got ${String(error)}`);
  return error;
}

function rowsText(result: unknown): string {
  const rows = (result as { rows: Record<string, unknown>[] }).rows;
  return rows.map((row) => Object.values(row).join(' ')).join('\n');
}

describeDatabases('PgVectorStore', (database, kind) => {
  let store: PgVectorStore;
  let tables = 0;
  const makeStore = async (options: { metric?: DistanceMetric; dimensions?: number } = {}) => {
    tables += 1;
    const made = createPgVectorStore({
      db: database().db,
      dimensions: options.dimensions ?? DIMS,
      metric: options.metric ?? 'cosine',
      table: `store_${tables}`,
    });
    await made.ensureTable();
    return made;
  };
  beforeAll(async () => {
    store = await makeStore();
  });

  describe('row-level security', () => {
    it('a non-superuser that sets no namespace sees no rows through raw SQL, while the store works', async () => {
      const { query } = database();
      await store.upsert({
        namespace: 'tenant-a',
        records: [{ id: 'a1', values: vec(1), metadata: { secret: 'a' } }],
      });
      await store.upsert({
        namespace: 'tenant-b',
        records: [{ id: 'b1', values: vec(0, 1), metadata: { secret: 'b' } }],
      });
      await store.upsert({
        namespace: '',
        records: [{ id: 'e1', values: vec(1, 1), metadata: {} }],
      });
      const [role] = await query("SELECT current_setting('is_superuser') AS superuser");
      expect(role).toEqual({ superuser: 'off' });
      // This connection ran the store's transactions: its settings now read '' (not NULL), which
      // is also the name of the empty namespace. The "scoped" flag keeps that from matching.
      expect(await query(`SELECT namespace, id FROM ${store.table}`)).toEqual([]);
      expect(
        await query(`SELECT count(*)::int AS n FROM ${store.table} WHERE namespace = ''`),
      ).toEqual([{ n: 0 }]);
      expect(
        (await store.fetch({ namespace: 'tenant-a', ids: ['a1'] })).map((r) => r.metadata),
      ).toEqual([{ secret: 'a' }]);
      expect((await store.fetch({ namespace: '', ids: ['e1'] })).map((r) => r.id)).toEqual(['e1']);
    });

    it('a transaction bound to one namespace sees and writes only that namespace', async () => {
      const { query } = database();
      await query('BEGIN');
      try {
        await query(`SELECT set_config($1, 'tenant-a', true), set_config($2, 'on', true)`, [
          RLS_SETTINGS.namespace,
          RLS_SETTINGS.scoped,
        ]);
        // A query that forgot its namespace filter still sees only its own namespace.
        expect(await query(`SELECT namespace, id FROM ${store.table} ORDER BY id`)).toEqual([
          { namespace: 'tenant-a', id: 'a1' },
        ]);
        await expect(
          query(
            `INSERT INTO ${store.table} (namespace, id, embedding) VALUES ('tenant-b', 'planted', '[1,0,0,0]')`,
          ),
        ).rejects.toThrow(/row-level security/);
      } finally {
        await query('ROLLBACK');
      }
      expect(await store.fetch({ namespace: 'tenant-b', ids: ['planted'] })).toEqual([]);
    });

    it('lifecycle work across namespaces sees every namespace', async () => {
      expect((await store.listNamespaces({ limit: 10 })).namespaces).toEqual([
        '',
        'tenant-a',
        'tenant-b',
      ]);
    });

    it('binds the table owner too (FORCE ROW LEVEL SECURITY), as the DDL says', async () => {
      const [row] = await database().query(
        `SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced, pg_get_userbyid(relowner) = current_user AS owned
         FROM pg_class WHERE oid = $1::regclass`,
        [store.table],
      );
      expect(row).toEqual({ enabled: true, forced: true, owned: true });
    });
  });

  it('scores every metric as core does, best first', async () => {
    for (const metric of ['cosine', 'dotproduct', 'euclidean'] as const) {
      const pg = await makeStore({ metric });
      const memory = createMemoryVectorStore({ dimensions: DIMS, metric });
      const component = fc.double({ min: -10, max: 10, noNaN: true });
      const records = fc
        .sample(fc.array(component, { minLength: DIMS, maxLength: DIMS }), { numRuns: 40, seed: 3 })
        .map((values, i) => ({
          id: `r${i}`,
          values: Float32Array.from(values.map((v, j) => (j === 0 ? v + 20 : v))),
          metadata: { i },
        }));
      await pg.upsert({ namespace: 'n', records });
      await memory.upsert({ namespace: 'n', records });
      // Same ranking up to float32 rounding: rank by rank, the scores agree, and the id pgvector
      // puts at a rank has (in exact arithmetic) the score core puts there.
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
      for (const query of [vec(1, 2, 3, 4), vec(-3, 0.5, 0, 7), vec(25)]) {
        const request = { namespace: 'n', vector: query, topK: 10, includeValues: false };
        const got = await pg.query(request);
        const all = await memory.query({ ...request, topK: records.length });
        const exactScore = new Map(all.map((m) => [m.id, m.score]));
        expect(got).toHaveLength(10);
        got.forEach((match, i) => {
          expect(
            close(match.score, all[i]!.score),
            `${metric} rank ${i}: ${match.score} vs ${all[i]!.score}`,
          ).toBe(true);
          expect(
            close(exactScore.get(match.id)!, all[i]!.score),
            `${metric} rank ${i}: ${match.id}`,
          ).toBe(true);
          expect(match.metadata).toEqual(records.find((r) => r.id === match.id)!.metadata);
        });
      }
    }
  });

  it('returns vectors and metadata exactly as written, strings PostgreSQL refuses included', async () => {
    const values = Float32Array.from([-0, 1e-45, 3.4028234663852886e38, 0.1]);
    const metadata: Metadata = {
      'nul\u0000key': 'a\u0000b',
      lone: '\ud800',
      mark: '\uffff"x"',
      list: ['\udc00', 'ok'],
      big: 1e300,
      tiny: 5e-324,
      flag: false,
      quote: "'); drop table x; --",
    };
    await store.upsert({ namespace: 'exact', records: [{ id: 'r', values, metadata }] });
    const [record] = await store.fetch({ namespace: 'exact', ids: ['r'] });
    expect(Object.is(record!.values[0], -0)).toBe(true);
    expect(Array.from(record!.values)).toEqual(Array.from(values));
    expect(record!.metadata).toEqual(metadata);
    for (const filter of [
      { 'nul\u0000key': 'a\u0000b' },
      { list: '\udc00' },
      { mark: { $in: ['\uffff"x"'] } },
      { lone: { $exists: true } },
    ]) {
      const matches = await store.query({
        namespace: 'exact',
        vector: vec(1),
        topK: 1,
        filter: parseFilter(filter),
        includeValues: false,
      });
      expect(
        matches.map((m) => m.id),
        JSON.stringify(filter),
      ).toEqual(['r']);
    }
  });

  it('takes the last of several records with one id in an upsert, as core does', async () => {
    await store.upsert({
      namespace: 'dup',
      records: [
        { id: 'd', values: vec(1), metadata: { v: 1 } },
        { id: 'e', values: vec(1), metadata: {} },
        { id: 'd', values: vec(0, 1), metadata: { v: 2 } },
      ],
    });
    const [record] = await store.fetch({ namespace: 'dup', ids: ['d'] });
    expect(record?.metadata).toEqual({ v: 2 });
    expect(Array.from(record!.values)).toEqual(Array.from(vec(0, 1)));
  });

  it('refuses bad input with typed errors that say what to fix, writing nothing', async () => {
    const cases: [Promise<unknown>, RegExp][] = [
      [
        store.upsert({
          namespace: 'bad',
          records: [
            { id: 'ok', values: vec(1), metadata: {} },
            { id: 'x', values: vec(0), metadata: {} },
          ],
        }),
        /zero/,
      ],
      [
        store.upsert({
          namespace: 'bad',
          records: [
            { id: 'ok', values: vec(1), metadata: {} },
            { id: 'x', values: new Float32Array(5), metadata: {} },
          ],
        }),
        /5 dimensions; this store holds 4/,
      ],
      [
        store.upsert({
          namespace: 'bad',
          records: [{ id: 'x', values: vec(1, Number.NaN), metadata: {} }],
        }),
        /non-finite value at index 1/,
      ],
      [
        store.upsert({
          namespace: 'bad',
          records: [{ id: 'd\u00f3c', values: vec(1), metadata: {} }],
        }),
        /printable ASCII/,
      ],
      [
        store.upsert({
          namespace: 'bad',
          records: [{ id: 'x', values: vec(1), metadata: { n: null } as never }],
        }),
        /null is not supported/,
      ],
      [
        store.upsert({
          namespace: 'bad',
          records: [{ id: 'x', values: vec(1), metadata: { big: 'x'.repeat(41 * 1024) } }],
        }),
        /limit is 40960 bytes/,
      ],
      [store.upsert({ namespace: 'a\u0000', records: [] }), /NUL/],
      [
        store.query({ namespace: 'bad', vector: vec(1), topK: 0, includeValues: false }),
        /topK must be an integer from 1/,
      ],
      [store.query({ namespace: 'bad', vector: vec(0), topK: 1, includeValues: false }), /zero/],
      [store.list({ namespace: 'bad', limit: 1_001 }), /limit must be an integer from 1 to 1000/],
      [store.list({ namespace: 'bad', limit: 1, cursor: '\u0000' }), /cursor/],
      [store.fetch({ namespace: 'bad', ids: [42 as never] }), /array of strings/],
    ];
    for (const [promise, message] of cases) {
      const error = await failure(promise);
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toMatch(message);
    }
    expect((await store.list({ namespace: 'bad', limit: 10 })).ids).toEqual([]);
  });

  it('reports the ids an interrupted upsert wrote and those it did not, exactly', async () => {
    const target = await makeStore();
    const { query } = database();
    // A trigger that fails the statement holding "r0700": the second of three statements of 500.
    await query(`CREATE FUNCTION refuse_r0700() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id = 'r0700' THEN RAISE EXCEPTION 'disk full (simulated)' USING ERRCODE = '53100'; END IF; RETURN NEW; END $$`);
    await query(
      `CREATE TRIGGER refuse BEFORE INSERT ON ${target.table} FOR EACH ROW EXECUTE FUNCTION refuse_r0700()`,
    );
    const ids = Array.from({ length: 1_200 }, (_, i) => `r${String(i).padStart(4, '0')}`);
    const error = await failure(
      target.upsert({
        namespace: 'p',
        records: ids.map((id) => ({ id, values: vec(1), metadata: {} })),
      }),
    );
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toMatch(/after 500 of 1200 records were written: .*disk full/);
    expect(error.details.writtenIds).toEqual(ids.slice(0, 500));
    expect(error.details.failedIds).toEqual(ids.slice(500));
    const listed = await target.list({ namespace: 'p', limit: 1_000 });
    expect(listed.ids).toEqual(ids.slice(0, 500));
  });

  it('says how to create a missing table, and refuses a table of another dimension', async () => {
    const missing = createPgVectorStore({
      db: database().db,
      dimensions: DIMS,
      table: 'never_created',
    });
    const error = await failure(missing.fetch({ namespace: 'n', ids: ['x'] }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toMatch(/does not exist\. Create it with store\.ensureTable\(\)/);
    const other = createPgVectorStore({
      db: database().db,
      dimensions: DIMS + 1,
      table: 'store_1',
    });
    const mismatch = await failure(other.ensureTable());
    expect(mismatch.code).toBe('INVALID_INPUT');
    expect(mismatch.message).toMatch(/embedding vector\(4\), but this store holds vector\(5\)/);
  });

  it('stops before writing once the signal has fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(
      store.upsert({
        namespace: 'aborted',
        records: [{ id: 'x', values: vec(1), metadata: {} }],
        signal: controller.signal,
      }),
    );
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(await store.fetch({ namespace: 'aborted', ids: ['x'] })).toEqual([]);
  });

  it('pages namespaces by prefix and cursor in byte order, unicode included', async () => {
    const names = ['ns-a', 'ns-b', 'ns-\u00e9', 'ns-\u{1F600}', 'nt'];
    for (const namespace of names)
      await store.upsert({ namespace, records: [{ id: 'r', values: vec(1), metadata: {} }] });
    const first = await store.listNamespaces({ prefix: 'ns-', limit: 2 });
    expect(first).toEqual({ namespaces: ['ns-a', 'ns-b'], cursor: 'ns-b' });
    const rest = await store.listNamespaces({ prefix: 'ns-', limit: 5, cursor: first.cursor! });
    expect(rest).toEqual({ namespaces: ['ns-\u00e9', 'ns-\u{1F600}'] });
    await store.deleteNamespace({ namespace: 'ns-b' });
    expect((await store.listNamespaces({ prefix: 'ns-', limit: 5 })).namespaces).toEqual([
      'ns-a',
      'ns-\u00e9',
      'ns-\u{1F600}',
    ]);
  });

  it('pgVectorTableSQL is idempotent and is what ensureTable creates', async () => {
    const { query } = database();
    const ddl = pgVectorTableSQL({
      dimensions: 3,
      table: 'from_sql',
      metric: 'euclidean',
      hnsw: { m: 8, efConstruction: 32 },
    });
    for (let round = 0; round < 2; round++) {
      for (const statement of ddl.split('--> statement-breakpoint'))
        await query(statement.trim().replace(/;$/, ''));
    }
    const sqlStore = createPgVectorStore({
      db: database().db,
      dimensions: 3,
      table: 'from_sql',
      metric: 'euclidean',
      hnsw: true,
    });
    await sqlStore.ensureTable();
    const indexes = await query(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'from_sql' ORDER BY indexname",
    );
    expect(indexes.map((row) => String(row.indexdef))).toEqual([
      expect.stringMatching(
        /USING hnsw \(embedding vector_l2_ops\) WITH \(m='8', ef_construction='32'\)/,
      ),
      expect.stringMatching(/PRIMARY KEY|UNIQUE INDEX from_sql_pkey/),
    ]);
    const policies = await query("SELECT policyname FROM pg_policies WHERE tablename = 'from_sql'");
    expect(policies).toEqual([{ policyname: 'from_sql_namespace' }]);
  });

  it('the drizzle table definition reads and writes the same table, under the same policy', async () => {
    const vectors = pgVectorTable({ dimensions: DIMS, table: 'store_1' });
    const { db } = database();
    const rows = await db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config(${RLS_SETTINGS.namespace}, 'tenant-a', true), set_config(${RLS_SETTINGS.scoped}, 'on', true)`,
      );
      await tx.insert(vectors).values({
        namespace: 'tenant-a',
        id: 'via-drizzle',
        embedding: [0, 0, 1, 0],
        metadata: { via: 'drizzle' },
      });
      return tx
        .select({ id: vectors.id, namespace: vectors.namespace })
        .from(vectors)
        .where(and(eq(vectors.id, 'via-drizzle')));
    });
    expect(rows).toEqual([{ id: 'via-drizzle', namespace: 'tenant-a' }]);
    const [record] = await store.fetch({ namespace: 'tenant-a', ids: ['via-drizzle'] });
    expect(record?.metadata).toEqual({ via: 'drizzle' });
    // Outside a namespace-bound transaction, drizzle queries see nothing either.
    expect(await db.select().from(vectors)).toEqual([]);
  });

  describe('HNSW', () => {
    it('searches the index, filtered queries included, with near-exact recall on a small set', async () => {
      const dimensions = 16;
      const exact = await makeStore({ dimensions });
      tables += 1;
      // On a table this small the planner prefers scanning the namespace and sorting: steer it off
      // those plans, and keep the plan of every nearest-neighbour query to check it used the index.
      const plans: string[] = [];
      const approximate = createPgVectorStore({
        db: {
          transaction: (run) =>
            database().db.transaction(async (tx) => {
              await tx.execute(
                sql`select set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)`,
              );
              return run({
                execute: async (query) => {
                  const text = new PgDialect().sqlToQuery(query.getSQL()).sql;
                  if (text.startsWith('with nearest')) {
                    const plan = await tx.execute(sql`explain ${query.getSQL()}`);
                    plans.push(rowsText(plan));
                  }
                  return tx.execute(query.getSQL());
                },
              });
            }),
        },
        dimensions,
        table: `store_${tables}`,
        hnsw: { m: 8, efConstruction: 32 },
      });
      await approximate.ensureTable();
      // Uniform random vectors from a seeded generator (mulberry32): reproducible, no duplicates.
      let seed = 11;
      const random = () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const records = Array.from({ length: 300 }, (_, i) => ({
        id: `v${String(i).padStart(3, '0')}`,
        values: Float32Array.from({ length: dimensions }, () => random() * 2 - 1),
        metadata: { even: i % 2 === 0, bucket: i % 10 },
      }));
      await exact.upsert({ namespace: 'h', records });
      await approximate.upsert({ namespace: 'h', records });
      await database().query(`ANALYZE ${approximate.table}`);
      let found = 0;
      let wanted = 0;
      for (const [i, query] of records.slice(0, 10).entries()) {
        const filter = i % 2 === 0 ? parseFilter({ bucket: 3 }) : undefined;
        const request = {
          namespace: 'h',
          vector: query.values,
          topK: 10,
          includeValues: false,
          ...(filter ? { filter } : {}),
        };
        const got = await approximate.query(request);
        const want = await exact.query(request);
        expect(got).toHaveLength(10);
        if (filter) expect(got.every((m) => m.metadata.bucket === 3)).toBe(true);
        expect(got.map((m) => m.score)).toEqual([...got.map((m) => m.score)].sort((a, b) => b - a));
        const expected = new Set(want.map((m) => m.id));
        found += got.filter((m) => expected.has(m.id)).length;
        wanted += expected.size;
      }
      expect(found / wanted).toBeGreaterThanOrEqual(0.9);
      expect(plans).toHaveLength(10);
      for (const plan of plans) expect(plan).toMatch(/Index Scan using store_\d+_embedding_hnsw/);
    });
  });

  it(`runs every operation in a transaction that names its namespace (${kind})`, async () => {
    // A database that records, after each statement the store runs, the settings in force.
    const seen: string[] = [];
    const probe = createPgVectorStore({
      db: {
        transaction: (run) =>
          database().db.transaction((tx) =>
            run({
              execute: async (query) => {
                const result = await tx.execute(query as never);
                const settings = (await tx.execute(
                  sql`select current_setting(${RLS_SETTINGS.namespace}, true) as ns, current_setting(${RLS_SETTINGS.scoped}, true) as scoped, current_setting(${RLS_SETTINGS.lifecycle}, true) as lifecycle`,
                )) as unknown as {
                  rows: { ns: string | null; scoped: string | null; lifecycle: string | null }[];
                };
                const s = settings.rows[0]!;
                seen.push(
                  s.lifecycle === 'on' ? 'lifecycle' : s.scoped === 'on' ? `ns:${s.ns}` : 'unset',
                );
                return result;
              },
            }),
          ),
      },
      dimensions: DIMS,
      table: 'store_1',
    });
    await probe.upsert({
      namespace: 'tenant-a',
      records: [{ id: 'p', values: vec(1), metadata: {} }],
    });
    await probe.query({ namespace: 'tenant-a', vector: vec(1), topK: 1, includeValues: false });
    await probe.fetch({ namespace: 'tenant-a', ids: ['p'] });
    await probe.list({ namespace: 'tenant-a', limit: 1 });
    await probe.delete({ namespace: 'tenant-a', ids: ['p'] });
    await probe.deleteNamespace({ namespace: 'nobody' });
    await probe.listNamespaces({ limit: 1 });
    // The first statement of each transaction makes the setting; every later one runs under it.
    expect(seen).toEqual([
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:tenant-a',
      'ns:nobody',
      'ns:nobody',
      'lifecycle',
      'lifecycle',
    ]);
  });
});
