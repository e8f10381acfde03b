// describeVectorStoreConformance: the whole VectorStore contract plus the cross-tenant attack
// suite, run inside an adapter author's own vitest run with one call.
import {
  compileFilter,
  createIdentity,
  createMemoryAuditSink,
  createScopedVectorStore,
  type DistanceMetric,
  type Identity,
  type IsolationOptions,
  orgPolicy,
  parseFilter,
  ScopedRagError,
  type ScopedVectorStore,
  type ScopedVectors,
  tenantKey,
  type VectorMatch,
  type VectorRecord,
  type VectorStore,
} from '@scoped-rag/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  filterArb,
  hostileFilterArb,
  hostileIdArb,
  hostileMetadataArb,
  invalidRecordIdArb,
  metadataArb,
  recordIdArb,
  vectorArb,
} from './arbitraries.js';
import {
  ERASE_ROLE,
  filterLabel,
  type ModelRecord,
  TenantModel,
  WRITE_PERMISSION,
} from './model.js';

export type MakeVectorStore = (config: {
  dimensions: number;
  metric: DistanceMetric;
}) => VectorStore | Promise<VectorStore>;

export interface VectorStoreConformanceOptions {
  /** Metrics the adapter supports. Default: all three. */
  metrics?: readonly DistanceMetric[];
  /** The adapter returns the exact top-k (no approximate index). Default true. */
  exactSearch?: boolean;
  /** fast-check runs of the cross-tenant model, per isolation mode. Default 200. */
  attackRuns?: number;
  /** Operations per run. Default 250 (so 2 × 200 × 250 = 100,000 operations by default). */
  operationsPerRun?: number;
  /**
   * fast-check runs of each misbehaving-backend test (6 tests, up to ~70 operations a run).
   * Default 150; lower it for backends whose operations are slow.
   */
  leakRuns?: number;
  /** Fixed fast-check seed, for reproducing a failure. */
  seed?: number;
  /** Per-test timeout in ms. Default 240,000. */
  timeout?: number;
}

const DIMS = 8;
const SCORE_TOLERANCE = 1e-4;

async function outcome<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function codeOf(error: unknown): string {
  return ScopedRagError.isInstance(error) ? error.code : `non-ScopedRagError: ${String(error)}`;
}

function modelScore(metric: DistanceMetric, a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  let dist = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
    dist += (a[i]! - b[i]!) ** 2;
  }
  if (metric === 'cosine') return dot / Math.sqrt(aa * bb);
  return metric === 'dotproduct' ? dot : dist;
}

const better = (metric: DistanceMetric, a: number, b: number) =>
  metric === 'euclidean' ? a < b - SCORE_TOLERANCE : a > b + SCORE_TOLERANCE;

/**
 * Follows a cursor until the last page, checking each page holds at most `limit` items; fails if
 * pagination never ends. Returns every item in order.
 */
async function allPages(
  page: (
    cursor: string | undefined,
  ) => Promise<{ items: readonly string[]; cursor?: string | undefined }>,
  limit: number,
  where = 'pagination',
): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const result = await page(cursor);
    expect(result.items.length, `${where}: page larger than limit`).toBeLessThanOrEqual(limit);
    seen.push(...result.items);
    cursor = result.cursor;
    if (cursor === undefined) return seen;
  }
  throw new Error(`${where}: pagination never ended`);
}

// ---------------------------------------------------------------------------------------------
// Operations of the cross-tenant model.

type UpsertOp = {
  type: 'upsert';
  actor: number;
  records: {
    id: string;
    values: number[];
    metadata: Record<string, unknown>;
    visibility?: 'private' | 'org';
  }[];
};
type Op =
  | UpsertOp
  | { type: 'query'; actor: number; vector: number[]; topK: number; filter: unknown }
  | { type: 'fetch'; actor: number; ids: unknown[] }
  | { type: 'deleteIds'; actor: number; ids: string[] }
  | { type: 'deleteFilter'; actor: number; filter: unknown }
  | { type: 'deleteAll'; actor: number }
  | { type: 'list'; actor: number; prefix?: string; limit: number }
  | { type: 'eraseUser' | 'eraseTenant' | 'eraseMember'; actor: number };

const actorsArb: fc.Arbitrary<Identity[]> = fc
  .record({
    users: fc.uniqueArray(hostileIdArb, { minLength: 2, maxLength: 4 }),
    orgs: fc.uniqueArray(hostileIdArb, { minLength: 1, maxLength: 3 }),
  })
  .chain(({ users, orgs }) =>
    fc.array(
      fc.record({
        userId: fc.constantFrom(...users),
        orgId: fc.option(fc.constantFrom(...orgs), { freq: 3 }),
        admin: fc.boolean(),
        writer: fc.boolean(),
      }),
      { minLength: 3, maxLength: 6 },
    ),
  )
  .map((actors) =>
    actors.map(({ userId, orgId, admin, writer }) =>
      createIdentity({
        userId,
        orgId,
        orgRole: orgId === null ? null : admin ? ERASE_ROLE : 'org:member',
        orgPermissions: orgId !== null && writer ? [WRITE_PERMISSION] : [],
      }),
    ),
  );

function opArb(actorCount: number): fc.Arbitrary<Op> {
  const actor = fc.nat({ max: actorCount - 1 });
  const queryFilter = fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: filterArb },
    { weight: 1, arbitrary: hostileFilterArb() },
  );
  const upsertRecord = fc.record(
    {
      id: recordIdArb,
      values: vectorArb(DIMS),
      metadata: fc.oneof(
        { weight: 12, arbitrary: metadataArb },
        { weight: 1, arbitrary: hostileMetadataArb() },
      ),
      visibility: fc.constantFrom<'private' | 'org'>('private', 'org'),
    },
    { requiredKeys: ['id', 'values', 'metadata'] },
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant('upsert' as const),
        actor,
        records: fc.array(upsertRecord, { minLength: 1, maxLength: 4 }),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant('query' as const),
        actor,
        vector: vectorArb(DIMS),
        topK: fc.integer({ min: 1, max: 8 }),
        filter: queryFilter,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant('fetch' as const),
        actor,
        ids: fc.array(
          fc.oneof(
            { weight: 20, arbitrary: recordIdArb as fc.Arbitrary<unknown> },
            { weight: 1, arbitrary: invalidRecordIdArb },
          ),
          { maxLength: 5 },
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('deleteIds' as const),
        actor,
        ids: fc.array(recordIdArb, { minLength: 1, maxLength: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('deleteFilter' as const),
        actor,
        filter: fc.oneof(
          { weight: 5, arbitrary: filterArb },
          { weight: 1, arbitrary: hostileFilterArb() },
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('deleteAll' as const), actor }) },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constantFrom('eraseUser' as const, 'eraseTenant' as const, 'eraseMember' as const),
        actor,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          type: fc.constant('list' as const),
          actor,
          prefix: fc.constantFrom('doc', 'doc-1', 'o_', 'u_', '#', 'x#', '_'),
          limit: fc.integer({ min: 1, max: 5 }),
        },
        { requiredKeys: ['type', 'actor', 'limit'] },
      ),
    },
  );
}

function describeOp(op: Op, actors: Identity[]): string {
  const who = actors[op.actor]!;
  return `${op.type} by ${JSON.stringify(who.userId)}@${JSON.stringify(who.orgId)} ${filterLabel({ ...op, actor: undefined })}`;
}

function sameRecord(
  actual: { metadata: unknown; owner: string; visibility: string },
  expected: ModelRecord,
  where: string,
) {
  expect(actual.metadata, `${where}: metadata`).toEqual(expected.metadata);
  expect(actual.owner, `${where}: owner`).toBe(expected.owner);
  expect(actual.visibility, `${where}: visibility`).toBe(expected.visibility);
}

/** Runs one operation against the store and the model, and checks the store against the model. */
async function step(
  op: Op,
  actors: Identity[],
  scoped: ScopedVectorStore,
  handles: ScopedVectors[],
  model: TenantModel,
  metric: DistanceMetric,
  exact: boolean,
  maxMetadataBytes: number,
): Promise<void> {
  const actor = actors[op.actor]!;
  const handle = handles[op.actor]!;
  const records = model.records(actor);
  const where = describeOp(op, actors);

  const expectError = (result: { ok: boolean; error?: unknown }, codes: ReadonlySet<string>) => {
    expect(result.ok, `${where}: expected one of ${[...codes].join(', ')}`).toBe(false);
    expect([...codes], `${where}: wrong error ${codeOf(result.error)}`).toContain(
      codeOf(result.error),
    );
  };

  switch (op.type) {
    case 'upsert': {
      const result = await outcome(handle.upsert(op.records));
      const errors = model.upsertErrors(actor, op.records, maxMetadataBytes);
      const tombstoned =
        model.erasedUsers.has(actor.userId) || model.erasedTenants.has(model.tenantOf(actor).key);
      if (errors.size === 0 && tombstoned) errors.add('FORBIDDEN');
      if (errors.size === 0) {
        const blocked = op.records.some((r) => {
          const existing = records.get(r.id);
          return existing !== undefined && !model.modifiable(actor, existing);
        });
        if (blocked) errors.add('SCOPE_VIOLATION');
      }
      if (errors.size > 0) return expectError(result, errors);
      expect(result, where).toEqual({ ok: true, value: { upsertedCount: op.records.length } });
      const { isPersonal } = model.tenantOf(actor);
      for (const r of op.records) {
        records.set(r.id, {
          owner: actor.userId,
          visibility: r.visibility ?? (isPersonal ? 'private' : 'org'),
          metadata: r.metadata as ModelRecord['metadata'],
          values: r.values,
        });
      }
      return;
    }
    case 'query': {
      const result = await outcome(
        handle.query({ vector: op.vector, topK: op.topK, filter: op.filter as never }),
      );
      const parsed = model.filterOutcome(op.filter);
      if ('error' in parsed) return expectError(result, new Set([parsed.error]));
      if (!result.ok)
        throw new Error(`${where}: unexpected ${codeOf(result.error)}: ${String(result.error)}`);
      const candidates = new Map(model.matching(actor, parsed.expression));
      const matches = result.value.matches;
      expect(matches.length, `${where}: result count`).toBe(Math.min(op.topK, candidates.size));
      expect(new Set(matches.map((m) => m.id)).size, `${where}: duplicate ids`).toBe(
        matches.length,
      );
      for (const [i, match] of matches.entries()) {
        const expected = candidates.get(match.id);
        expect(
          expected,
          `${where}: returned ${JSON.stringify(match.id)}, which this caller must not see or which fails the filter`,
        ).toBeDefined();
        sameRecord(match, expected!, where);
        expect(match.score).toBeCloseTo(modelScore(metric, op.vector, expected!.values), 3);
        if (i > 0)
          expect(
            better(metric, match.score, matches[i - 1]!.score),
            `${where}: not sorted best-first`,
          ).toBe(false);
      }
      if (exact && matches.length > 0) {
        const worst = matches[matches.length - 1]!.score;
        const returned = new Set(matches.map((m) => m.id));
        for (const [id, record] of candidates) {
          if (returned.has(id)) continue;
          const score = modelScore(metric, op.vector, record.values);
          expect(
            better(metric, score, worst),
            `${where}: ${JSON.stringify(id)} (score ${score}) beats the worst returned (${worst})`,
          ).toBe(false);
        }
      }
      return;
    }
    case 'fetch': {
      const result = await outcome(handle.fetch(op.ids as string[]));
      const valid = op.ids.every((id) => typeof id === 'string' && /^[\x20-\x7e]{1,512}$/.test(id));
      if (!valid) return expectError(result, new Set(['INVALID_INPUT']));
      if (!result.ok)
        throw new Error(`${where}: unexpected ${codeOf(result.error)}: ${String(result.error)}`);
      const expectedIds = [...new Set(op.ids as string[])].filter((id) => {
        const record = records.get(id);
        return record !== undefined && model.visible(actor, record);
      });
      expect(result.value.records.map((r) => r.id).sort(), where).toEqual(expectedIds.sort());
      for (const record of result.value.records) {
        const expected = records.get(record.id)!;
        sameRecord(record, expected, where);
        expect(Array.from(record.values), `${where}: values`).toEqual(expected.values);
      }
      return;
    }
    case 'deleteIds': {
      const result = await outcome(handle.delete({ ids: op.ids }));
      const targets = [...new Set(op.ids)].filter((id) => {
        const record = records.get(id);
        return record !== undefined && model.visible(actor, record);
      });
      if (targets.some((id) => !model.modifiable(actor, records.get(id)!))) {
        return expectError(result, new Set(['FORBIDDEN']));
      }
      expect(result, where).toEqual({
        ok: true,
        value: { deletedCount: targets.length, skippedCount: 0 },
      });
      for (const id of targets) records.delete(id);
      return;
    }
    case 'deleteFilter': {
      const result = await outcome(handle.delete({ filter: op.filter as never }));
      const parsed = model.filterOutcome(op.filter);
      if ('error' in parsed) return expectError(result, new Set([parsed.error]));
      const matching = model.matching(actor, parsed.expression);
      const targets = matching.filter(([, record]) => model.modifiable(actor, record));
      expect(result, where).toEqual({
        ok: true,
        value: { deletedCount: targets.length, skippedCount: matching.length - targets.length },
      });
      for (const [id] of targets) records.delete(id);
      return;
    }
    case 'deleteAll': {
      const result = await outcome(handle.deleteAll());
      const { isPersonal } = model.tenantOf(actor);
      if (!isPersonal && actor.orgRole !== ERASE_ROLE)
        return expectError(result, new Set(['FORBIDDEN']));
      expect(result, where).toEqual({ ok: true, value: { deletedCount: records.size } });
      records.clear();
      return;
    }
    case 'eraseUser':
    case 'eraseTenant':
    case 'eraseMember': {
      const { tenant } = model.tenantOf(actor);
      const erasesTenant =
        op.type === 'eraseTenant' || (op.type === 'eraseUser' && tenant.kind === 'user');
      let result: { deletedCount: number; verified: true };
      if (op.type === 'eraseTenant') result = await scoped.eraseTenant(tenant);
      else if (op.type === 'eraseUser') result = await scoped.eraseUser(actor.userId);
      else if (actor.orgId === null)
        return; // no organization to leave
      else result = await scoped.eraseMember(actor.userId, actor.orgId);
      const personalKey = tenantKey({ kind: 'user', id: actor.userId });
      if (op.type === 'eraseTenant') model.erasedTenants.add(model.tenantOf(actor).key);
      if (op.type === 'eraseUser') {
        model.erasedUsers.add(actor.userId);
        model.erasedTenants.add(personalKey);
      }
      let expected = 0;
      for (const [key, tenantRecords] of model.tenants) {
        const wholeTenant =
          (erasesTenant && key === model.tenantOf(actor).key) ||
          (op.type === 'eraseUser' && key === personalKey);
        const privateOnly =
          (op.type === 'eraseUser' && key.startsWith('o_')) ||
          (op.type === 'eraseMember' && key === model.tenantOf(actor).key);
        for (const [id, record] of tenantRecords) {
          const erased =
            wholeTenant ||
            (privateOnly && record.owner === actor.userId && record.visibility === 'private');
          if (erased) {
            tenantRecords.delete(id);
            expected++;
          }
        }
      }
      expect(result.deletedCount, where).toBe(expected);
      expect(result.verified).toBe(true);
      return;
    }
    case 'list': {
      const prefix = op.prefix ?? '';
      const expected = model
        .visibleRecords(actor)
        .map(([id]) => id)
        .filter((id) => id.startsWith(prefix))
        .sort();
      const seen = await allPages(
        async (cursor) => {
          const result = await handle.list({
            limit: op.limit,
            ...(op.prefix ? { prefix: op.prefix } : {}),
            ...(cursor ? { cursor } : {}),
          });
          return { items: result.ids, cursor: result.cursor };
        },
        op.limit,
        where,
      );
      expect(seen, where).toEqual(expected);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Backends that misbehave, to prove the scoped store's re-check catches them.

type Leak = 'ignores filters' | 'answers from every namespace' | 'fetches from every namespace';

interface LeakyStore extends VectorStore {
  /** How many answers so far carried records the correct backend would not have returned. */
  readonly leaks: number;
}

function leakyStore(inner: VectorStore, leak: Leak): LeakyStore {
  const known = new Map<string, Set<string>>();
  const higherBetter = inner.capabilities.metric !== 'euclidean';
  // The part after a tenant prefix (`o_acme#doc-1` → `doc-1`), so other tenants' twins answer.
  const logicalOf = (id: string) => id.slice(id.indexOf('#') + 1);
  let leaks = 0;
  return {
    ...inner,
    get leaks() {
      return leaks;
    },
    upsert: async (request) => {
      const ids = known.get(request.namespace) ?? new Set<string>();
      for (const record of request.records) ids.add(record.id);
      known.set(request.namespace, ids);
      return inner.upsert(request);
    },
    query: async (request) => {
      const honest = await inner.query(request);
      if (leak === 'fetches from every namespace') return honest;
      const { filter: _ignored, ...unfiltered } = request;
      let answer: VectorMatch[];
      if (leak === 'ignores filters') answer = [...(await inner.query(unfiltered))];
      else {
        answer = [];
        for (const namespace of known.keys())
          answer.push(...(await inner.query({ ...unfiltered, namespace })));
        answer.sort((a, b) => (higherBetter ? b.score - a.score : a.score - b.score));
        answer = answer.slice(0, request.topK);
      }
      // A leak: the answer holds a record that no honest answer to this request could hold (from
      // another namespace, or failing the filter). Compared by id and content, as adapters return
      // fresh objects; ties at the top-k boundary may pick other permitted records and are fine.
      const permitted = await inner.query({
        ...request,
        topK: inner.capabilities.maxTopK,
        includeValues: false,
      });
      const permittedById = new Map(permitted.map((m) => [m.id, JSON.stringify(m.metadata)]));
      if (answer.some((m) => permittedById.get(m.id) !== JSON.stringify(m.metadata))) leaks++;
      return answer;
    },
    fetch: async (request) => {
      const found: VectorRecord[] = [...(await inner.fetch(request))];
      if (leak !== 'fetches from every namespace') return found;
      const wanted = new Set(request.ids.map(logicalOf));
      let extra = 0;
      for (const [namespace, ids] of known) {
        if (namespace === request.namespace && !namespace.endsWith('-shared')) continue;
        const twins = [...ids].filter(
          (id) => wanted.has(logicalOf(id)) && !request.ids.includes(id),
        );
        const sameIdElsewhere =
          namespace === request.namespace ? [] : [...ids].filter((id) => request.ids.includes(id));
        const taken = [...twins, ...sameIdElsewhere];
        if (taken.length === 0) continue;
        const records = await inner.fetch({ ...request, namespace, ids: taken });
        extra += records.length;
        found.push(...records);
      }
      if (extra > 0) leaks++;
      return found;
    },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * Registers the conformance suite for a VectorStore adapter. `makeStore` is called once per
 * metric (and once per isolation mode of the attack suite); each test writes into namespaces of
 * its own, so a store may be shared or real.
 */
export function describeVectorStoreConformance(
  name: string,
  makeStore: MakeVectorStore,
  options: VectorStoreConformanceOptions = {},
): void {
  const metrics = options.metrics ?? (['cosine', 'dotproduct', 'euclidean'] as const);
  const exact = options.exactSearch ?? true;
  const attackRuns = options.attackRuns ?? 200;
  const operationsPerRun = options.operationsPerRun ?? 250;
  const leakRuns = options.leakRuns ?? 150;
  const timeout = options.timeout ?? 240_000;
  const seedOption = options.seed === undefined ? {} : { seed: options.seed };
  // Names no earlier test or run used, so a shared or persistent store starts each one empty.
  let nameCounter = 0;
  const freshName = (prefix: string) =>
    `${prefix}${Date.now().toString(36)}-${(nameCounter++).toString(36)}`;
  const freshNamespace = () => freshName('conformance-');

  describe(`${name}: VectorStore contract`, () => {
    for (const metric of metrics) {
      describe(`metric ${metric}`, () => {
        let store: VectorStore;
        beforeAll(async () => {
          store = await makeStore({ dimensions: DIMS, metric });
        }, timeout);
        const vec = (...values: number[]) =>
          Float32Array.from([...values, ...Array(DIMS - values.length).fill(0)]);

        it('declares its specification version and sane capabilities', () => {
          expect(store.specificationVersion).toBe('v1');
          expect(typeof store.provider).toBe('string');
          const caps = store.capabilities;
          expect(caps.dimensions).toBe(DIMS);
          expect(caps.metric).toBe(metric);
          for (const key of [
            'maxUpsertBatch',
            'maxIdsPerRequest',
            'maxTopK',
            'maxIdLength',
            'maxMetadataBytes',
            'maxNamespaceLength',
          ] as const) {
            expect(Number.isInteger(caps[key]) && caps[key] > 0, key).toBe(true);
          }
          expect(caps.maxIdLength).toBeGreaterThanOrEqual(64);
          expect(caps.maxNamespaceLength).toBeGreaterThanOrEqual(64);
        });

        it('returns upserted records exactly as written, and only ids that exist', async () => {
          const namespace = freshNamespace();
          const metadata = {
            title: 'Q3 plan',
            pages: 12,
            ratio: 0.25,
            draft: false,
            tags: ['a', 'b'],
          };
          await store.upsert({
            namespace,
            records: [{ id: 'doc-1', values: vec(1, 2, 3), metadata }],
          });
          const fetched = await store.fetch({ namespace, ids: ['doc-1', 'missing'] });
          expect(fetched.map((r) => r.id)).toEqual(['doc-1']);
          expect(Array.from(fetched[0]!.values)).toEqual(Array.from(vec(1, 2, 3)));
          expect(fetched[0]!.metadata).toEqual(metadata);
        });

        it('replaces whole records on upsert (metadata is not merged)', async () => {
          const namespace = freshNamespace();
          await store.upsert({
            namespace,
            records: [{ id: 'r', values: vec(1), metadata: { a: 'x', b: 'y' } }],
          });
          await store.upsert({
            namespace,
            records: [{ id: 'r', values: vec(0, 1), metadata: { a: 'z' } }],
          });
          const [record] = await store.fetch({ namespace, ids: ['r'] });
          expect(record!.metadata).toEqual({ a: 'z' });
          expect(Array.from(record!.values)).toEqual(Array.from(vec(0, 1)));
        });

        it('keeps namespaces isolated; an unknown namespace is empty', async () => {
          const a = freshNamespace();
          const b = freshNamespace();
          await store.upsert({
            namespace: a,
            records: [{ id: 'same', values: vec(1), metadata: { ns: 'a' } }],
          });
          await store.upsert({
            namespace: b,
            records: [{ id: 'same', values: vec(0, 1), metadata: { ns: 'b' } }],
          });
          expect((await store.fetch({ namespace: a, ids: ['same'] }))[0]!.metadata).toEqual({
            ns: 'a',
          });
          const fromB = await store.query({
            namespace: b,
            vector: vec(1),
            topK: 10,
            includeValues: false,
          });
          expect(fromB.map((m) => m.metadata)).toEqual([{ ns: 'b' }]);
          const empty = freshNamespace();
          expect(await store.fetch({ namespace: empty, ids: ['same'] })).toEqual([]);
          expect(
            await store.query({ namespace: empty, vector: vec(1), topK: 3, includeValues: false }),
          ).toEqual([]);
          expect((await store.list({ namespace: empty, limit: 10 })).ids).toEqual([]);
          await store.delete({ namespace: empty, ids: ['same'] });
          await store.deleteNamespace({ namespace: empty });
        });

        it('keeps namespaces apart that differ only in "-" versus "_"', async () => {
          const base = freshNamespace();
          const dashed = `${base}-x-y`;
          const underscored = `${base}-x_y`;
          await store.upsert({
            namespace: dashed,
            records: [{ id: 'r', values: vec(1), metadata: { ns: 'dashed' } }],
          });
          await store.upsert({
            namespace: underscored,
            records: [{ id: 'r', values: vec(1), metadata: { ns: 'underscored' } }],
          });
          expect((await store.fetch({ namespace: dashed, ids: ['r'] }))[0]?.metadata).toEqual({
            ns: 'dashed',
          });
          expect((await store.fetch({ namespace: underscored, ids: ['r'] }))[0]?.metadata).toEqual({
            ns: 'underscored',
          });
          await store.deleteNamespace({ namespace: underscored });
          expect(await store.fetch({ namespace: dashed, ids: ['r'] })).toHaveLength(1);
        });

        it('treats ids as exact, case-sensitive strings, whatever characters they hold', async () => {
          const namespace = freshNamespace();
          const ids = [
            'Doc-1',
            'doc-1',
            'DOC-1',
            'a/b',
            'a?b',
            'a&b',
            '%23',
            '#',
            'a b',
            'a+b',
            ' ',
            'x'.repeat(store.capabilities.maxIdLength),
          ];
          await store.upsert({
            namespace,
            records: ids.map((id, i) => ({ id, values: vec(1, i), metadata: { i } })),
          });
          const fetched = await store.fetch({ namespace, ids });
          expect(fetched.map((r) => [r.id, r.metadata.i]).sort()).toEqual(
            ids.map((id, i) => [id, i]).sort(),
          );
          const listed = await allPages(async (cursor) => {
            const page = await store.list({ namespace, limit: 5, ...(cursor ? { cursor } : {}) });
            return { items: page.ids, cursor: page.cursor };
          }, 5);
          expect(listed).toEqual([...ids].sort());
          await store.delete({ namespace, ids: ['doc-1'] });
          expect(
            (await store.fetch({ namespace, ids: ['Doc-1', 'doc-1', 'DOC-1'] }))
              .map((r) => r.id)
              .sort(),
          ).toEqual(['DOC-1', 'Doc-1']);
        });

        it('ranks best first, honours topK and includeValues', async () => {
          const namespace = freshNamespace();
          const records = [vec(1, 0), vec(1, 1), vec(0, 1), vec(-1, 0), vec(2, 0.5)].map(
            (values, i) => ({
              id: `r${i}`,
              values,
              metadata: { i },
            }),
          );
          await store.upsert({ namespace, records });
          const query = vec(1, 0.2);
          const matches = await store.query({
            namespace,
            vector: query,
            topK: 3,
            includeValues: true,
          });
          const expected = records
            .map((r) => ({
              id: r.id,
              score: modelScore(metric, Array.from(query), Array.from(r.values)),
            }))
            .sort((a, b) => (metric === 'euclidean' ? a.score - b.score : b.score - a.score));
          expect(matches).toHaveLength(3);
          matches.forEach((m, i) => {
            expect(m.score).toBeCloseTo(expected[i]!.score, 4);
            if (exact) expect(m.id).toBe(expected[i]!.id);
            expect(Array.from(m.values!)).toEqual(
              Array.from(records.find((r) => r.id === m.id)!.values),
            );
            expect(m.metadata).toEqual(records.find((r) => r.id === m.id)!.metadata);
          });
          const noValues = await store.query({
            namespace,
            vector: query,
            topK: 1,
            includeValues: false,
          });
          expect(noValues[0]!.values).toBeUndefined();
        });

        it(
          'evaluates every filter exactly like the reference evaluator (no silent zero results)',
          async () => {
            const namespace = freshNamespace();
            const dataset = fc.sample(metadataArb, { numRuns: 40, seed: 7 }).map((metadata, i) => ({
              id: `m${String(i).padStart(2, '0')}`,
              values: vec(1, i / 40),
              metadata,
            }));
            await store.upsert({ namespace, records: dataset });
            await fc.assert(
              fc.asyncProperty(filterArb, async (filter) => {
                const expression = parseFilter(filter);
                const test = compileFilter(expression);
                const expected = dataset
                  .filter((r) => test(r.metadata))
                  .map((r) => r.id)
                  .sort();
                const matches = await store.query({
                  namespace,
                  vector: vec(1),
                  topK: dataset.length,
                  filter: expression,
                  includeValues: false,
                });
                expect(matches.map((m) => m.id).sort(), filterLabel(filter)).toEqual(expected);
              }),
              { numRuns: 300, ...seedOption },
            );
          },
          timeout,
        );

        it('deletes by id (ignoring unknown ids) and by namespace', async () => {
          const namespace = freshNamespace();
          await store.upsert({
            namespace,
            records: ['a', 'b', 'c'].map((id) => ({ id, values: vec(1), metadata: {} })),
          });
          await store.delete({ namespace, ids: ['a', 'nope'] });
          expect(
            (await store.fetch({ namespace, ids: ['a', 'b', 'c'] })).map((r) => r.id).sort(),
          ).toEqual(['b', 'c']);
          await store.deleteNamespace({ namespace });
          expect(await store.fetch({ namespace, ids: ['b', 'c'] })).toEqual([]);
          expect((await store.list({ namespace, limit: 10 })).ids).toEqual([]);
        });

        it('lists ids in lexicographic order by prefix, and pagination visits each id once', async () => {
          const namespace = freshNamespace();
          const ids = Array.from({ length: 23 }, (_, i) => `t#${String(i).padStart(2, '0')}`);
          await store.upsert({
            namespace,
            records: [...ids, 'other', 't', 'u#1'].map((id) => ({
              id,
              values: vec(1),
              metadata: {},
            })),
          });
          const seen = await allPages(async (cursor) => {
            const page = await store.list({
              namespace,
              prefix: 't#',
              limit: 5,
              ...(cursor ? { cursor } : {}),
            });
            return { items: page.ids, cursor: page.cursor };
          }, 5);
          expect(seen).toEqual(ids);
        });

        it('lists non-empty namespaces by prefix, in order, page by page', async () => {
          const base = freshNamespace();
          const names = Array.from({ length: 7 }, (_, i) => `${base}-ns${i}`);
          for (const namespace of names) {
            await store.upsert({ namespace, records: [{ id: 'r', values: vec(1), metadata: {} }] });
          }
          const seen = await allPages(async (cursor) => {
            const page = await store.listNamespaces({
              prefix: `${base}-`,
              limit: 3,
              ...(cursor ? { cursor } : {}),
            });
            return { items: page.namespaces, cursor: page.cursor };
          }, 3);
          expect(seen).toEqual(names);
          await store.deleteNamespace({ namespace: names[3]! });
          const after = await store.listNamespaces({ prefix: `${base}-`, limit: 100 });
          expect(after.namespaces).toEqual(names.filter((_, i) => i !== 3));
        });

        it('refuses a vector of the wrong dimension with a typed error and writes nothing', async () => {
          const namespace = freshNamespace();
          const error = await store
            .upsert({
              namespace,
              records: [
                { id: 'ok', values: vec(1), metadata: {} },
                { id: 'bad', values: new Float32Array(DIMS + 1).fill(1), metadata: {} },
              ],
            })
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(codeOf(error)).toBe('INVALID_INPUT');
          expect(await store.fetch({ namespace, ids: ['ok', 'bad'] })).toEqual([]);
          const queryError = await store
            .query({
              namespace,
              vector: new Float32Array(DIMS - 1).fill(1),
              topK: 1,
              includeValues: false,
            })
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(codeOf(queryError)).toBe('INVALID_INPUT');
        });
      });
    }
  });

  describe(`${name}: cross-tenant attacks through ScopedVectorStore`, () => {
    const metric = metrics[0]!;
    let store: VectorStore;
    beforeAll(async () => {
      store = await makeStore({ dimensions: DIMS, metric });
    }, timeout);

    const isolations: { label: string; isolation: (run: string) => IsolationOptions }[] = [
      {
        label: 'namespace per tenant',
        isolation: (run) => ({ mode: 'namespace', prefix: `${run}-` }),
      },
      {
        label: 'shared namespace',
        isolation: (run) => ({ mode: 'shared', namespace: `${run}-shared` }),
      },
    ];

    for (const { label, isolation } of isolations) {
      it(
        `${label}: ${attackRuns} × ${operationsPerRun} interleaved operations of many tenants never leak, clobber or lose a record`,
        async () => {
          let operations = 0;
          await fc.assert(
            fc.asyncProperty(
              actorsArb.chain((actors) =>
                fc.tuple(
                  fc.constant(actors),
                  fc.array(opArb(actors.length), {
                    minLength: operationsPerRun,
                    maxLength: operationsPerRun,
                  }),
                ),
              ),
              async ([actors, ops]) => {
                const run = freshName('r');
                const policy = orgPolicy({
                  writePermission: WRITE_PERMISSION,
                  eraseRole: ERASE_ROLE,
                  isolation: isolation(run),
                });
                const scoped = createScopedVectorStore({ store, policy });
                const handles = actors.map((actor) => scoped.forIdentity(actor));
                const model = new TenantModel(policy);
                for (const op of ops) {
                  await step(
                    op,
                    actors,
                    scoped,
                    handles,
                    model,
                    metric,
                    exact,
                    store.capabilities.maxMetadataBytes,
                  );
                  operations++;
                }
                // Final sweep: every actor lists exactly what the model says it may see.
                for (const [i] of actors.entries()) {
                  await step(
                    { type: 'list', actor: i, limit: 1_000 },
                    actors,
                    scoped,
                    handles,
                    model,
                    metric,
                    exact,
                    store.capabilities.maxMetadataBytes,
                  );
                }
              },
            ),
            { numRuns: attackRuns, endOnFailure: true, ...seedOption },
          );
          expect(operations).toBeGreaterThanOrEqual(attackRuns * operationsPerRun);
        },
        timeout,
      );
    }

    const leakKinds: Leak[] = [
      'ignores filters',
      'answers from every namespace',
      'fetches from every namespace',
    ];
    for (const leak of leakKinds) {
      for (const { label, isolation } of isolations) {
        it(
          `${label}: a backend that ${leak} is caught: the call fails with SCOPE_BREACH, the audit sink hears it, nothing leaks`,
          async () => {
            let caught = 0;
            await fc.assert(
              fc.asyncProperty(
                actorsArb.chain((actors) =>
                  fc.tuple(
                    fc.constant(actors),
                    fc.array(
                      fc.record({
                        actor: fc.nat({ max: actors.length - 1 }),
                        id: recordIdArb,
                        values: vectorArb(DIMS),
                        visibility: fc.constantFrom<'private' | 'org'>('private', 'org'),
                      }),
                      { minLength: 4, maxLength: 16 },
                    ),
                    fc.array(
                      fc.record({
                        actor: fc.nat({ max: actors.length - 1 }),
                        vector: vectorArb(DIMS),
                        ids: fc.array(recordIdArb, { maxLength: 4 }),
                      }),
                      { minLength: 1, maxLength: 6 },
                    ),
                  ),
                ),
                async ([actors, writes, reads]) => {
                  const run = freshName('l');
                  const policy = orgPolicy({ isolation: isolation(run) });
                  const leaky = leakyStore(store, leak);
                  const audit = createMemoryAuditSink();
                  const scoped = createScopedVectorStore({ store: leaky, policy, audit });
                  const model = new TenantModel(policy);
                  // A call during which the backend leaked must fail with SCOPE_BREACH and be audited;
                  // any other call must return only what the model allows.
                  const checked = async <T>(run: () => Promise<T>): Promise<T | undefined> => {
                    const leaksBefore = leaky.leaks;
                    const breachesBefore = audit.events.filter((e) => e.action === 'breach').length;
                    const result = await outcome(run());
                    const leaked = leaky.leaks > leaksBefore;
                    if (leaked) {
                      expect(result.ok, 'the backend leaked but the call succeeded').toBe(false);
                      expect(codeOf((result as { error: unknown }).error)).toBe('SCOPE_BREACH');
                      expect(audit.events.filter((e) => e.action === 'breach').length).toBe(
                        breachesBefore + 1,
                      );
                      caught++;
                      return undefined;
                    }
                    if (!result.ok) throw result.error;
                    return result.value;
                  };
                  for (const write of writes) {
                    const actor = actors[write.actor]!;
                    const visibility = actor.orgId === null ? 'private' : write.visibility;
                    const existing = model.records(actor).get(write.id);
                    if (existing && !model.modifiable(actor, existing)) continue;
                    const done = await checked(() =>
                      scoped
                        .forIdentity(actor)
                        .upsert([{ id: write.id, values: write.values, visibility }]),
                    );
                    if (done)
                      model.records(actor).set(write.id, {
                        owner: actor.userId,
                        visibility,
                        metadata: {},
                        values: write.values,
                      });
                  }
                  for (const read of reads) {
                    const actor = actors[read.actor]!;
                    const handle = scoped.forIdentity(actor);
                    const allowed = new Map(model.visibleRecords(actor));
                    const query = await checked(() =>
                      handle.query({ vector: read.vector, topK: 10 }),
                    );
                    for (const match of query?.matches ?? [])
                      expect(allowed.has(match.id), `query leaked ${match.id}`).toBe(true);
                    const fetched = await checked(() => handle.fetch(read.ids));
                    for (const record of fetched?.records ?? []) {
                      expect(allowed.has(record.id), `fetch leaked ${record.id}`).toBe(true);
                      expect(Array.from(record.values)).toEqual(allowed.get(record.id)!.values);
                    }
                  }
                },
              ),
              { numRuns: leakRuns, ...seedOption },
            );
            // The misbehaving backend really did misbehave in some runs (so this test can fail).
            expect(caught).toBeGreaterThan(0);
          },
          timeout,
        );
      }
    }
  });
}
