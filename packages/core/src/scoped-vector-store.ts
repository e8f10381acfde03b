// ScopedVectorStore: the only vector API app code holds. Every call runs inside a Scope; reads
// are filtered by the policy and re-checked after the backend answers; writes are stamped and
// can never touch another tenant's records.
import { z } from 'zod';
import type { AuditAction, AuditSink } from './audit.js';
import {
  BackendUnavailableError,
  ForbiddenError,
  InvalidFilterError,
  InvalidInputError,
  ScopeBreachError,
  ScopedRagError,
  ScopeViolationError,
} from './errors.js';
import {
  andFilters,
  compileFilter,
  type Filter,
  type FilterExpression,
  filterFields,
  filterToJSON,
  MATCH_ALL,
  parseFilter,
} from './filter.js';
import type { Identity } from './identity.js';
import { type Metadata, type MetadataValue, metadataByteSize, parseMetadata } from './metadata.js';
import { type ScopePolicy, SHARED_ID_SEPARATOR, type Visibility } from './policy.js';
import { assertScope, type Scope } from './scope.js';
import { parseTenantKey, type Tenant, tenantKey } from './tenant.js';
import {
  MAX_SQUARED_NORM,
  MIN_SQUARED_NORM,
  type VectorRecord,
  type VectorStore,
  type VectorStoreCapabilities,
} from './vector-store.js';

export interface ScopedVectorStoreLimits {
  /** Most records one `upsert` call takes. Default 1,000. */
  maxBatch: number;
  /** Most ids one `fetch` or `delete` call takes. Default 1,000. */
  maxIds: number;
  /** Largest `topK`. Default: the store's (10,000 for the built-ins). */
  maxTopK: number;
  /** Longest record id. Default 512 characters (less the tenant prefix in shared isolation). */
  maxIdLength: number;
  /** Largest page of `list`. Default 1,000. */
  maxListLimit: number;
}

export interface ScopedVectorStoreOptions {
  /**
   * The shape of your metadata (a zod object, e.g. `z.strictObject({ lang: z.enum(['en', 'de']) })`).
   * Writes must match it, and filters may name only its fields with values of their types, so a
   * misspelt key or a `"2024"` for a number is an error instead of a silent zero-result query.
   */
  metadataSchema?: z.ZodObject;
  store: VectorStore;
  policy: ScopePolicy;
  /** Hears every operation, and every breach the re-check catches. */
  audit?: AuditSink;
  limits?: Partial<ScopedVectorStoreLimits>;
  /**
   * After `eraseTenant` / `eraseUser`, how long this store refuses writes into the erased tenant
   * and by the erased user, in ms: session tokens issued before the deletion stay valid for a
   * while (Clerk's: about a minute). Default 10 minutes. In-process: see the lifecycle docs for
   * several instances.
   */
  tombstoneMs?: number;
}

export type VectorValues = readonly number[] | Float32Array | Float64Array;

export interface UpsertInput {
  /** 1–512 printable ASCII characters, unique within the tenant. */
  readonly id: string;
  readonly values: VectorValues;
  /** Strings, finite numbers, booleans, lists of strings. Keys reserved by the policy are refused. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Default: the policy's (org-visible in an organization, private in a personal workspace). */
  readonly visibility?: Visibility;
}

export interface ScopedRecord {
  readonly id: string;
  readonly values: Float32Array;
  /** The caller's metadata, without the policy's reserved keys. */
  readonly metadata: Metadata;
  readonly owner: string;
  readonly visibility: Visibility;
}

export interface ScopedMatch {
  readonly id: string;
  readonly score: number;
  readonly metadata: Metadata;
  readonly owner: string;
  readonly visibility: Visibility;
  readonly values?: Float32Array;
}

export interface QueryInput {
  readonly vector: VectorValues;
  /** 1 to `maxTopK`. */
  readonly topK: number;
  /** Pinecone filter language; ANDed with the policy's filter, so it can only narrow. */
  readonly filter?: Filter;
  readonly includeValues?: boolean;
  readonly signal?: AbortSignal;
}

export type DeleteInput =
  | { readonly ids: readonly string[]; readonly signal?: AbortSignal }
  | { readonly filter: Filter; readonly signal?: AbortSignal };

export interface DeleteResult {
  readonly deletedCount: number;
  /** Records matching a filter delete that the caller may see but not change (kept). */
  readonly skippedCount: number;
}

export interface ListInput {
  readonly prefix?: string;
  /** 1 to `maxListLimit`, default 100. A page may hold fewer ids than the limit. */
  readonly limit?: number;
  readonly cursor?: string;
  readonly signal?: AbortSignal;
}

export interface OperationOptions {
  readonly signal?: AbortSignal;
}

/** The vector operations of one scope. */
export interface ScopedVectors {
  readonly scope: Scope;
  upsert(
    records: readonly UpsertInput[],
    options?: OperationOptions,
  ): Promise<{ upsertedCount: number }>;
  query(input: QueryInput): Promise<{ matches: ScopedMatch[] }>;
  fetch(ids: readonly string[], options?: OperationOptions): Promise<{ records: ScopedRecord[] }>;
  delete(input: DeleteInput): Promise<DeleteResult>;
  /** Erases every record of the tenant (the policy decides who may), then verifies none is left. */
  deleteAll(options?: OperationOptions): Promise<{ deletedCount: number }>;
  list(input?: ListInput): Promise<{ ids: string[]; cursor?: string }>;
}

export interface ErasureReceipt {
  /** Records deleted from the vector store. */
  readonly deletedCount: number;
  /** Tenants whose records were examined. */
  readonly tenantsScanned: number;
  /** A follow-up read found nothing left behind. An incomplete erasure throws instead. */
  readonly verified: true;
}

export interface LifecycleOptions {
  /** Who asks, for the audit trail (e.g. `clerk:webhook:msg_123`). Default `system`. */
  readonly actor?: string;
  /**
   * For `eraseUser` / `eraseMember`: erase only private records written at or before this time (ms
   * since the epoch), e.g. the webhook event's time, so a late retry spares what the user wrote
   * after re-joining. Default: now.
   */
  readonly before?: number;
  readonly signal?: AbortSignal;
}

export interface ScopedVectorStore {
  readonly policy: ScopePolicy;
  /** The backend's limits (dimensions, metric, largest topK…), for code built on this store. */
  readonly capabilities: VectorStoreCapabilities;
  /** The handle for a scope made by this store's policy. */
  forScope(scope: Scope): ScopedVectors;
  /** Shorthand for `forScope(policy.scopeFor(identity))`. */
  forIdentity(identity: Identity): ScopedVectors;
  /**
   * Lifecycle: erases every record of a tenant (an organization or a personal workspace was
   * deleted). Bypasses the policy's erase permission, so call it only from a verified lifecycle
   * source such as a Clerk webhook, never with ids taken from a user request. Idempotent.
   */
  eraseTenant(tenant: Tenant, options?: LifecycleOptions): Promise<ErasureReceipt>;
  /**
   * Lifecycle: erases a deleted user's personal tenant and their private records in every
   * organization. Their org-visible records stay with the organization. Idempotent.
   */
  eraseUser(userId: string, options?: LifecycleOptions): Promise<ErasureReceipt>;
  /**
   * Lifecycle: erases a user's private records in one organization (their membership ended, so
   * nobody could read them any more). Their org-visible records stay. Idempotent.
   */
  eraseMember(userId: string, orgId: string, options?: LifecycleOptions): Promise<ErasureReceipt>;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toBackendError(error: unknown, operation: string, provider: string): Error {
  if (ScopedRagError.isInstance(error)) return error;
  return new BackendUnavailableError(
    `The ${provider} vector store failed during ${operation}: ${(error as Error)?.message ?? String(error)}`,
    { cause: error, details: { operation, provider } },
  );
}

// Filters must name fields of the metadata schema, compared with values of their types: the
// silent zero-result query of a misspelt key or a mistyped value becomes an InvalidFilterError.
function checkFilterAgainstSchema(expression: FilterExpression, schema: z.ZodObject): void {
  if (expression.kind !== 'field') {
    for (const child of expression.children) checkFilterAgainstSchema(child, schema);
    return;
  }
  const { field } = expression;
  const fieldSchema = Object.hasOwn(schema.shape, field)
    ? (schema.shape[field] as z.ZodType)
    : undefined;
  if (!fieldSchema) {
    const known = Object.keys(schema.shape).join(', ');
    throw new InvalidFilterError(
      `The filter names "${field}", which is not a field of the metadata schema (known: ${known}).`,
      {
        details: { field },
      },
    );
  }
  if (expression.op === '$exists') return;
  const values: readonly unknown[] = Array.isArray(expression.value)
    ? expression.value
    : [expression.value];
  for (const value of values) {
    // A list field matches single elements, so a value fits if the field takes it or a list of it.
    if (!fieldSchema.safeParse(value).success && !fieldSchema.safeParse([value]).success) {
      throw new InvalidFilterError(
        `The filter compares "${field}" with ${JSON.stringify(value)}, which the metadata schema does not allow for that field (a type mismatch matches nothing).`,
        { details: { field } },
      );
    }
  }
}

// Per raw store and namespace, the tail of the queue of writes in progress.
const writeQueues = new WeakMap<VectorStore, Map<string, Promise<unknown>>>();

async function runExclusive<T>(
  store: VectorStore,
  namespace: string,
  run: () => Promise<T>,
): Promise<T> {
  let queues = writeQueues.get(store);
  if (!queues) {
    queues = new Map();
    writeQueues.set(store, queues);
  }
  const previous = queues.get(namespace) ?? Promise.resolve();
  const current = previous.then(run, run);
  const tail = current.then(
    () => undefined,
    () => undefined,
  );
  queues.set(namespace, tail);
  try {
    return await current;
  } finally {
    if (queues.get(namespace) === tail) queues.delete(namespace);
  }
}

const limitSchema = z.number().int().positive();
const optionsSchema = z.object({
  store: z.looseObject({
    specificationVersion: z.literal('v1', {
      error: 'store must implement VectorStore specification v1 (specificationVersion: "v1")',
    }),
    provider: z.string(),
    capabilities: z.looseObject({
      dimensions: limitSchema,
      metric: z.enum(['cosine', 'dotproduct', 'euclidean']),
      maxUpsertBatch: limitSchema,
      maxIdsPerRequest: limitSchema,
      maxTopK: limitSchema,
      maxIdLength: limitSchema,
      maxMetadataBytes: limitSchema,
      maxNamespaceLength: limitSchema,
    }),
  }),
  policy: z.looseObject({ name: z.string(), scopeFor: z.function() }),
  audit: z.looseObject({ specificationVersion: z.literal('v1'), record: z.function() }).optional(),
  tombstoneMs: z.number().nonnegative().finite().optional(),
  metadataSchema: z
    .instanceof(z.ZodObject, { message: 'metadataSchema must be a zod object schema' })
    .optional(),
  limits: z
    .strictObject({
      maxBatch: limitSchema,
      maxIds: limitSchema,
      maxTopK: limitSchema,
      maxIdLength: limitSchema,
      maxListLimit: limitSchema,
    })
    .partial()
    .optional(),
});

export function createScopedVectorStore(options: ScopedVectorStoreOptions): ScopedVectorStore {
  const checked = optionsSchema.safeParse(options);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new InvalidInputError(
      `Invalid createScopedVectorStore options at ${issue.path.join('.') || 'options'}: ${issue.message}.`,
      { cause: checked.error },
    );
  }
  const { store, policy, audit, metadataSchema } = options;
  const caps = store.capabilities;
  const shared = policy.isolation.mode === 'shared';
  const keys = policy.reservedKeys;
  const limits: ScopedVectorStoreLimits = {
    maxBatch: 1_000,
    maxIds: 1_000,
    maxIdLength: 512,
    maxListLimit: 1_000,
    ...options.limits,
    // Never promise more than the backend takes.
    maxTopK: Math.min(options.limits?.maxTopK ?? caps.maxTopK, caps.maxTopK),
  };
  const dims = caps.dimensions;
  const tombstoneMs = options.tombstoneMs ?? 10 * 60_000;
  // Erased tenant keys and user ids → when their tombstone ends.
  const erasedTenants = new Map<string, number>();
  const erasedUsers = new Map<string, number>();
  const isTombstoned = (tombstones: Map<string, number>, key: string) => {
    const until = tombstones.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    tombstones.delete(key);
    return false;
  };

  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toBackendError(error, operation, store.provider);
    }
  }

  // The raw operations on one tenant's records, with the re-checks every caller needs. `actor`
  // names who acts in audit events: the scope's user, or the lifecycle source for erasure.
  function openTenant(
    tenantKey: string,
    actor: { readonly userId: string; readonly policy: string },
  ) {
    const namespace = policy.namespaceFor({ tenantKey });
    const idPrefix = shared ? tenantKey + SHARED_ID_SEPARATOR : '';
    const toPhysical = (id: string) => idPrefix + id;
    const toLogical = (id: string) => id.slice(idPrefix.length);
    // Writes to one namespace run one at a time in this process, so the ownership check before an
    // overwrite cannot be raced by another write of the same id (see docs: across processes the
    // check is best effort unless the backend has conditional writes).
    const exclusive = <T>(run: () => Promise<T>): Promise<T> => runExclusive(store, namespace, run);

    async function record(
      action: AuditAction,
      ids: readonly string[],
      extra: { filter?: Filter; reason?: string } = {},
    ) {
      if (!audit) return;
      try {
        await audit.record({
          action,
          at: new Date().toISOString(),
          tenantKey: tenantKey,
          userId: actor.userId,
          policy: actor.policy,
          namespace,
          ids,
          ...extra,
        });
      } catch (error) {
        // The operation itself already happened: say so, rather than let it look like it failed.
        throw new BackendUnavailableError(
          `The ${action} completed (${ids.length} record(s)) but the audit sink failed to record it: ${(error as Error)?.message ?? String(error)}. Fix the audit sink; the operation is not rolled back.`,
          { cause: error, details: { action, ids, completed: true } },
        );
      }
    }

    async function breach(reason: string, ids: readonly string[]): Promise<never> {
      const error = new ScopeBreachError(
        `The ${store.provider} vector store returned ${ids.length} record(s) outside the scope of tenant ${tenantKey} (${reason}). Nothing was returned. The adapter is not honouring namespaces or filters; report it to the adapter's maintainers.`,
        // Ids stay out of the error (it may reach a client); the audit sink gets them.
        {
          details: {
            provider: store.provider,
            tenantKey: tenantKey,
            count: ids.length,
            reason,
          },
        },
      );
      try {
        await record('breach', ids, { reason });
      } catch (auditError) {
        throw new ScopeBreachError(error.message, { cause: auditError, details: error.details });
      }
      throw error;
    }

    // Fetches physical ids in store-sized chunks; checks the backend returned only ids we asked for.
    async function fetchPhysical(
      physicalIds: readonly string[],
      signal?: AbortSignal,
    ): Promise<VectorRecord[]> {
      const out: VectorRecord[] = [];
      for (const chunk of chunks(physicalIds, caps.maxIdsPerRequest)) {
        const records = await call('fetch', () =>
          store.fetch({ namespace, ids: chunk, ...(signal ? { signal } : {}) }),
        );
        const asked = new Set(chunk);
        const stray = records.filter((r) => !asked.has(r.id) || !r.id.startsWith(idPrefix));
        if (stray.length > 0)
          await breach(
            'fetch returned ids that were not requested',
            stray.map((r) => r.id),
          );
        const foreign = records.filter((r) => r.metadata[keys.tenant] !== tenantKey);
        if (foreign.length > 0)
          await breach(
            "fetch returned another tenant's records",
            foreign.map((r) => r.id),
          );
        out.push(...records);
      }
      return out;
    }

    async function deletePhysical(
      physicalIds: readonly string[],
      signal?: AbortSignal,
    ): Promise<void> {
      const done: string[] = [];
      for (const chunk of chunks(physicalIds, caps.maxIdsPerRequest)) {
        try {
          await store.delete({ namespace, ids: chunk, ...(signal ? { signal } : {}) });
        } catch (error) {
          throw new BackendUnavailableError(
            `Deleting failed after ${done.length} of ${physicalIds.length} records; retry the delete (it is idempotent).`,
            {
              cause: error,
              details: {
                deletedIds: done.map(toLogical),
                remainingIds: physicalIds.slice(done.length).map(toLogical),
              },
            },
          );
        }
        done.push(...chunk);
      }
    }

    // Every physical id of this tenant, page by page (namespace mode: the whole namespace).
    async function allPhysicalIds(signal?: AbortSignal): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await call('list', () =>
          store.list({
            namespace,
            limit: Math.min(1_000, caps.maxIdsPerRequest),
            ...(idPrefix ? { prefix: idPrefix } : {}),
            ...(cursor !== undefined ? { cursor } : {}),
            ...(signal ? { signal } : {}),
          }),
        );
        const stray = page.ids.filter((id) => !id.startsWith(idPrefix));
        if (stray.length > 0) await breach('list returned ids outside the tenant prefix', stray);
        ids.push(...page.ids);
        cursor = page.cursor;
      } while (cursor !== undefined);
      return ids;
    }

    // Erases every record of the tenant: reads them all first (fetching re-checks tenant stamps,
    // so a backend that put another tenant's records here is reported as a breach instead of
    // having them erased too), deletes, then verifies that nothing is left. Returns the ids.
    async function eraseAll(signal?: AbortSignal): Promise<string[]> {
      const ids = await allPhysicalIds(signal);
      await fetchPhysical(ids, signal);
      if (shared) await deletePhysical(ids, signal);
      else
        await call('deleteNamespace', () =>
          store.deleteNamespace({ namespace, ...(signal ? { signal } : {}) }),
        );
      const left = await allPhysicalIds(signal);
      if (left.length > 0) {
        throw new BackendUnavailableError(
          `Erasure of tenant ${tenantKey} is incomplete: ${left.length} record(s) remain after deleting. Retry (erasure is idempotent).`,
          { details: { remaining: left.length } },
        );
      }
      return ids.map(toLogical);
    }

    return {
      namespace,
      idPrefix,
      toPhysical,
      toLogical,
      exclusive,
      record,
      breach,
      fetchPhysical,
      deletePhysical,
      allPhysicalIds,
      eraseAll,
    };
  }

  function forScope(scope: Scope): ScopedVectors {
    assertScope(scope, policy);
    const tenant = openTenant(scope.tenantKey, scope);
    const { namespace, idPrefix, toPhysical, toLogical, exclusive, record, breach } = tenant;
    const { fetchPhysical, deletePhysical, allPhysicalIds } = tenant;
    const maxIdLength = Math.min(limits.maxIdLength, caps.maxIdLength - idPrefix.length);
    const readFilter = policy.readFilter(scope);
    function checkId(id: unknown, where: string): string {
      if (
        typeof id !== 'string' ||
        id.length === 0 ||
        id.length > maxIdLength ||
        !PRINTABLE_ASCII.test(id)
      ) {
        throw new InvalidInputError(
          `${where} must be 1 to ${maxIdLength} printable ASCII characters, got ${typeof id === 'string' ? JSON.stringify(id.slice(0, 40)) : typeof id}.`,
          { details: { where } },
        );
      }
      return id;
    }

    function checkIds(ids: unknown): string[] {
      if (!Array.isArray(ids))
        throw new InvalidInputError(`ids must be an array of strings, got ${typeof ids}.`);
      if (ids.length > limits.maxIds) {
        throw new InvalidInputError(
          `At most ${limits.maxIds} ids per call, got ${ids.length}; split the call.`,
        );
      }
      return ids.map((id, i) => checkId(id, `ids[${i}]`));
    }

    function toVector(values: unknown, where: string): Float32Array {
      const isNumberArray = Array.isArray(values) && values.every((v) => typeof v === 'number');
      if (
        !isNumberArray &&
        !(values instanceof Float32Array) &&
        !(values instanceof Float64Array)
      ) {
        throw new InvalidInputError(`${where} must be an array of numbers or a Float32Array.`);
      }
      const vector = Float32Array.from(values as ArrayLike<number>);
      if (vector.length !== dims) {
        throw new InvalidInputError(
          `${where} has ${vector.length} dimensions; the store holds ${dims}-dimensional vectors. Check that the embedding model matches the index.`,
          { details: { expected: dims, actual: vector.length } },
        );
      }
      let squares = 0;
      for (let i = 0; i < vector.length; i++) {
        const value = vector[i]!;
        if (!Number.isFinite(value)) {
          throw new InvalidInputError(
            `${where} has a non-finite value at index ${i} (NaN, Infinity, or beyond float32 range).`,
          );
        }
        squares += value * value;
      }
      if (caps.metric === 'cosine' && squares < MIN_SQUARED_NORM) {
        throw new InvalidInputError(
          `${where} is a zero (or near-zero, |v| ≤ 1e-20) vector, which has no cosine similarity.`,
        );
      }
      if (squares > MAX_SQUARED_NORM) {
        throw new InvalidInputError(
          `${where} has a norm above ~9.2e18 (|v|² > ${MAX_SQUARED_NORM.toExponential(2)}): its scores could overflow float32. Normalise it.`,
        );
      }
      return vector;
    }

    function parseUserFilter(input: unknown): FilterExpression {
      const expression = parseFilter(input);
      for (const field of filterFields(expression)) {
        if (policy.isReservedKey(field)) {
          throw new ScopeViolationError(
            `The filter names the reserved key "${field}". Tenant, owner and visibility are applied by the policy and cannot be filtered on by callers; remove it.`,
            { details: { field } },
          );
        }
      }
      if (metadataSchema) checkFilterAgainstSchema(expression, metadataSchema);
      return expression;
    }

    function userView(metadata: Metadata): {
      metadata: Metadata;
      owner: string;
      visibility: Visibility;
    } {
      const own: Record<string, MetadataValue> = {};
      for (const key of Object.keys(metadata)) {
        if (!policy.isReservedKey(key)) own[key] = metadata[key]!;
      }
      return {
        metadata: Object.freeze(own),
        owner: String(metadata[keys.owner]),
        visibility: metadata[keys.visibility] === 'org' ? 'org' : 'private',
      };
    }

    const handle: ScopedVectors = {
      scope,

      async upsert(records, opts = {}) {
        if (!Array.isArray(records))
          throw new InvalidInputError('upsert takes an array of records.');
        if (records.length > limits.maxBatch) {
          throw new InvalidInputError(
            `upsert takes at most ${limits.maxBatch} records per call, got ${records.length}; split the batch.`,
            { details: { limit: limits.maxBatch, actual: records.length } },
          );
        }
        if (records.length === 0) return { upsertedCount: 0 };
        const seen = new Set<string>();
        const writtenAt = Date.now();
        const prepared: VectorRecord[] = records.map((input, i) => {
          const where = `records[${i}]`;
          if (typeof input !== 'object' || input === null)
            throw new InvalidInputError(`${where} must be an object.`);
          const id = checkId(input.id, `${where}.id`);
          if (seen.has(id))
            throw new InvalidInputError(`${where}.id "${id}" appears twice in one upsert.`);
          seen.add(id);
          const values = toVector(input.values, `${where} (id "${id}") values`);
          const metadata = parseMetadata(
            input.metadata,
            `${where} (id "${id}")`,
            caps.maxMetadataBytes,
          );
          for (const key of Object.keys(metadata)) {
            if (policy.isReservedKey(key)) {
              throw new ScopeViolationError(
                `${where} (id "${id}") sets the reserved metadata key "${key}". The policy stamps tenant, owner, visibility and write time itself; remove the key (use \`visibility\` to share).`,
                { details: { key, id } },
              );
            }
          }
          if (metadataSchema) {
            const checked = metadataSchema.safeParse(metadata);
            if (!checked.success) {
              const issue = checked.error.issues[0];
              throw new InvalidInputError(
                `${where} (id "${id}") metadata does not match the metadata schema at "${issue?.path.join('.') || '(root)'}": ${issue?.message}.`,
                { cause: checked.error, details: { id, path: issue?.path ?? [] } },
              );
            }
          }
          const visibility = input.visibility ?? policy.defaultVisibility(scope);
          policy.assertCanWrite(scope, visibility);
          const stamped = { ...metadata, ...policy.stamp(scope, visibility, writtenAt) };
          const size = metadataByteSize(stamped);
          if (size > caps.maxMetadataBytes) {
            throw new InvalidInputError(
              `${where} (id "${id}") metadata is ${size} bytes with the policy's keys; the limit is ${caps.maxMetadataBytes}.`,
            );
          }
          return { id: toPhysical(id), values, metadata: Object.freeze(stamped) };
        });

        return exclusive(async () => {
          const erasedUser = isTombstoned(erasedUsers, scope.userId);
          if (erasedUser || isTombstoned(erasedTenants, scope.tenantKey)) {
            throw new ForbiddenError(
              `This ${erasedUser ? 'user' : 'tenant'} was just erased (a deletion event arrived); writes from sessions issued before the deletion are refused.`,
              { details: { reason: 'erased' } },
            );
          }
          // Overwrites must stay inside what this scope may change (another member's private record
          // is invisible: writing its id would destroy it). Personal scopes are checked too: the
          // fetch re-checks tenant stamps, so a backend that merged two tenants' records is caught
          // before anything is overwritten.
          const existing = await fetchPhysical(
            prepared.map((r) => r.id),
            opts.signal,
          );
          const blocked = existing.filter((r) => !policy.canModify(scope, r.metadata));
          if (blocked.length > 0) {
            throw new ScopeViolationError(
              `${blocked.length} id(s) already belong to records this user may not change (${blocked
                .slice(0, 5)
                .map((r) => JSON.stringify(toLogical(r.id)))
                .join(', ')}). Nothing was written; choose other ids.`,
              { details: { ids: blocked.map((r) => toLogical(r.id)) } },
            );
          }

          const written: string[] = [];
          for (const batch of chunks(prepared, caps.maxUpsertBatch)) {
            try {
              await store.upsert({
                namespace,
                records: batch,
                ...(opts.signal ? { signal: opts.signal } : {}),
              });
            } catch (error) {
              // An adapter that wrote part of a batch says which ids (`details.writtenIds`).
              const partial = (error as ScopedRagError)?.details?.writtenIds;
              if (Array.isArray(partial))
                written.push(...partial.filter((id) => typeof id === 'string'));
              if (written.length === 0) throw toBackendError(error, 'upsert', store.provider);
              const done = new Set(written);
              throw new BackendUnavailableError(
                `upsert failed after ${written.length} of ${prepared.length} records were written; retry the failed ones (upsert is idempotent).`,
                {
                  cause: error,
                  details: {
                    writtenIds: written.map(toLogical),
                    failedIds: prepared.filter((r) => !done.has(r.id)).map((r) => toLogical(r.id)),
                  },
                },
              );
            }
            written.push(...batch.map((r) => r.id));
          }
          await record('upsert', written.map(toLogical));
          return { upsertedCount: written.length };
        });
      },

      async query(input) {
        if (typeof input !== 'object' || input === null)
          throw new InvalidInputError('query takes an object.');
        const vector = toVector(input.vector, 'The query vector');
        const { topK } = input;
        if (!Number.isInteger(topK) || topK < 1 || topK > limits.maxTopK) {
          throw new InvalidInputError(
            `topK must be an integer from 1 to ${limits.maxTopK}, got ${String(topK)}.`,
          );
        }
        const userFilter = parseUserFilter(input.filter);
        const composed = andFilters(readFilter, userFilter);
        const matches = await call('query', () =>
          store.query({
            namespace,
            vector,
            topK,
            filter: composed,
            includeValues: input.includeValues === true,
            ...(input.signal ? { signal: input.signal } : {}),
          }),
        );
        // Re-check every match: a backend that ignored the namespace or the filter is caught here.
        const matchesUserFilter = userFilter === MATCH_ALL ? () => true : compileFilter(userFilter);
        const outside = matches.filter(
          (m) =>
            !m.id.startsWith(idPrefix) ||
            !policy.canRead(scope, m.metadata) ||
            !matchesUserFilter(m.metadata),
        );
        if (outside.length > 0)
          await breach(
            'query matches failed the scope re-check',
            outside.map((m) => m.id),
          );
        if (matches.length > topK || new Set(matches.map((m) => m.id)).size !== matches.length) {
          await breach(
            'query returned more than topK or duplicate matches',
            matches.map((m) => m.id),
          );
        }
        const result = matches.map(
          (m): ScopedMatch => ({
            id: toLogical(m.id),
            score: m.score,
            ...userView(m.metadata),
            ...(m.values ? { values: m.values } : {}),
          }),
        );
        await record(
          'query',
          result.map((m) => m.id),
          input.filter ? { filter: filterToJSON(userFilter) } : {},
        );
        return { matches: result };
      },

      async fetch(ids, opts = {}) {
        const wanted = checkIds(ids);
        const records = await fetchPhysical([...new Set(wanted)].map(toPhysical), opts.signal);
        // Another member's private record is not found, exactly as if it did not exist.
        const visible = records
          .filter((r) => policy.canRead(scope, r.metadata))
          .map(
            (r): ScopedRecord => ({
              id: toLogical(r.id),
              values: r.values,
              ...userView(r.metadata),
            }),
          );
        await record(
          'fetch',
          visible.map((r) => r.id),
        );
        return { records: visible };
      },

      delete: (input) =>
        exclusive(async () => {
          if (typeof input !== 'object' || input === null) {
            throw new InvalidInputError('delete takes { ids } or { filter }.');
          }
          // Read each field once: a getter must not see one value checked and another used.
          const ids = 'ids' in input ? input.ids : undefined;
          const filter = 'filter' in input ? input.filter : undefined;
          const { signal } = input;
          const hasIds = ids !== undefined && ids !== null;
          const hasFilter = filter !== undefined && filter !== null;
          if (hasIds === hasFilter) {
            throw new InvalidInputError(
              'delete takes exactly one of { ids } or { filter }; use deleteAll() to erase the tenant.',
            );
          }
          let targets: VectorRecord[];
          let skippedCount = 0;
          let userFilter: FilterExpression | undefined;
          if (hasIds) {
            const wanted = checkIds(ids);
            const existing = await fetchPhysical([...new Set(wanted)].map(toPhysical), signal);
            const visible = existing.filter((r) => policy.canRead(scope, r.metadata));
            const forbidden = visible.filter((r) => !policy.canModify(scope, r.metadata));
            if (forbidden.length > 0) {
              throw new ForbiddenError(
                `This user may not delete ${forbidden.length} of the records (${forbidden
                  .slice(0, 5)
                  .map((r) => JSON.stringify(toLogical(r.id)))
                  .join(', ')}): they belong to other members. Nothing was deleted.`,
                { details: { ids: forbidden.map((r) => toLogical(r.id)) } },
              );
            }
            targets = visible;
          } else {
            userFilter = parseUserFilter(filter);
            if (userFilter.kind === 'and' && userFilter.children.length === 0) {
              throw new InvalidFilterError(
                'delete({ filter }) needs a filter that selects records; an empty filter would delete everything this user may change. Use deleteAll() to erase the tenant (the policy decides who may).',
              );
            }
            const test = compileFilter(userFilter);
            // Enumerate and check in core rather than trusting a backend's delete-by-filter.
            const all = await fetchPhysical(await allPhysicalIds(signal), signal);
            const matching = all.filter(
              (r) => policy.canRead(scope, r.metadata) && test(r.metadata),
            );
            targets = matching.filter((r) => policy.canModify(scope, r.metadata));
            skippedCount = matching.length - targets.length;
          }
          await deletePhysical(
            targets.map((r) => r.id),
            signal,
          );
          const deleted = targets.map((r) => toLogical(r.id));
          await record('delete', deleted, userFilter ? { filter: filterToJSON(userFilter) } : {});
          return { deletedCount: deleted.length, skippedCount };
        }),

      deleteAll: (opts = {}) =>
        exclusive(async () => {
          policy.assertCanErase(scope);
          const ids = await tenant.eraseAll(opts.signal);
          await record('deleteAll', ids);
          return { deletedCount: ids.length };
        }),

      async list(input = {}) {
        const limit = input.limit ?? 100;
        if (!Number.isInteger(limit) || limit < 1 || limit > limits.maxListLimit) {
          throw new InvalidInputError(
            `limit must be an integer from 1 to ${limits.maxListLimit}, got ${String(limit)}.`,
          );
        }
        const prefix = input.prefix ?? '';
        if (
          typeof prefix !== 'string' ||
          (prefix !== '' && !PRINTABLE_ASCII.test(prefix)) ||
          prefix.length > maxIdLength
        ) {
          throw new InvalidInputError('prefix must be printable ASCII no longer than an id.');
        }
        if (
          input.cursor !== undefined &&
          (typeof input.cursor !== 'string' || input.cursor.length === 0)
        ) {
          throw new InvalidInputError(
            'cursor must be the non-empty string a previous page returned.',
          );
        }
        const listPrefix = idPrefix + prefix;
        const listPage = async (cursor: string | undefined, pageLimit: number) => {
          const page = await call('list', () =>
            store.list({
              namespace,
              limit: pageLimit,
              ...(listPrefix ? { prefix: listPrefix } : {}),
              ...(cursor !== undefined ? { cursor } : {}),
              ...(input.signal ? { signal: input.signal } : {}),
            }),
          );
          const stray = page.ids.filter((id) => !id.startsWith(listPrefix));
          if (stray.length > 0)
            await breach('list returned ids outside the requested prefix', stray);
          // Fetching the page re-checks the tenant of every id, and keeps other members' private
          // records invisible, ids included.
          const readable = new Set(
            (await fetchPhysical(page.ids, input.signal))
              .filter((r) => policy.canRead(scope, r.metadata))
              .map((r) => r.id),
          );
          return { ...page, visible: page.ids.map((id) => readable.has(id)) };
        };
        // A backend cursor encodes where the page ended. It must never end on a record the
        // caller may not see (the cursor would reveal its id), so pages are trimmed to end on a
        // visible id, and pages with nothing visible are skipped.
        let start = input.cursor;
        for (;;) {
          const page = await listPage(start, limit);
          const lastVisible = page.visible.lastIndexOf(true);
          let result = page;
          if (lastVisible < 0 && page.cursor !== undefined) {
            start = page.cursor;
            continue;
          }
          if (lastVisible >= 0 && lastVisible < page.ids.length - 1 && page.cursor !== undefined) {
            const trimmed = await listPage(start, lastVisible + 1);
            // Changed in between: start over from the same place.
            if (trimmed.visible[trimmed.visible.length - 1] !== true) continue;
            result = trimmed;
          }
          const ids = result.ids.filter((_, i) => result.visible[i]).map(toLogical);
          await record('list', ids);
          const endsVisible = result.visible[result.visible.length - 1] === true;
          return result.cursor !== undefined && endsVisible
            ? { ids, cursor: result.cursor }
            : { ids };
        }
      },
    };
    return Object.freeze(handle);
  }

  const systemActor = (options: LifecycleOptions) => ({
    userId: options.actor ?? 'system',
    policy: policy.name,
  });

  async function eraseTenant(
    tenant: Tenant,
    options: LifecycleOptions = {},
  ): Promise<ErasureReceipt> {
    const key = tenantKey(tenant);
    // The tombstone goes up first, so no write slips in while the erasure runs.
    erasedTenants.set(key, Date.now() + tombstoneMs);
    const access = openTenant(key, systemActor(options));
    const ids = await access.exclusive(() => access.eraseAll(options.signal));
    await access.record('erase', ids);
    return { deletedCount: ids.length, tenantsScanned: 1, verified: true };
  }

  // Deletes a user's private records in one tenant, then checks none is left.
  async function erasePrivateRecords(
    userId: string,
    key: string,
    options: LifecycleOptions,
  ): Promise<number> {
    const { signal } = options;
    const access = openTenant(key, systemActor(options));
    return access.exclusive(async () => {
      const records = await access.fetchPhysical(await access.allPhysicalIds(signal), signal);
      const before = options.before ?? Number.POSITIVE_INFINITY;
      // A record without a write time predates the stamp: it is older than any event.
      const writtenBefore = (metadata: Metadata) => {
        const at = metadata[keys.writtenAt];
        return typeof at !== 'number' || at <= before;
      };
      const theirs = records
        .filter(
          (r) =>
            r.metadata[keys.owner] === userId &&
            r.metadata[keys.visibility] !== 'org' &&
            writtenBefore(r.metadata),
        )
        .map((r) => r.id);
      await access.deletePhysical(theirs, signal);
      const left = await access.fetchPhysical(theirs, signal);
      if (left.length > 0) {
        throw new BackendUnavailableError(
          `Erasure of user ${userId}'s private records in tenant ${key} is incomplete: ${left.length} remain. Retry (erasure is idempotent).`,
          { details: { remaining: left.length } },
        );
      }
      await access.record('erase', theirs.map(access.toLogical));
      return theirs.length;
    });
  }

  // Keys of every organization tenant with records in this store.
  async function orgTenantKeys(signal?: AbortSignal): Promise<string[]> {
    const isolation = policy.isolation;
    const keys = new Set<string>();
    let cursor: string | undefined;
    do {
      if (isolation.mode === 'namespace') {
        const page = await call('listNamespaces', () =>
          store.listNamespaces({
            prefix: `${isolation.prefix}o_`,
            limit: Math.min(1_000, caps.maxIdsPerRequest),
            ...(cursor !== undefined ? { cursor } : {}),
            ...(signal ? { signal } : {}),
          }),
        );
        for (const name of page.namespaces) keys.add(name.slice(isolation.prefix.length));
        cursor = page.cursor;
      } else {
        const page = await call('list', () =>
          store.list({
            namespace: isolation.namespace,
            prefix: 'o_',
            limit: Math.min(1_000, caps.maxIdsPerRequest),
            ...(cursor !== undefined ? { cursor } : {}),
            ...(signal ? { signal } : {}),
          }),
        );
        for (const id of page.ids) keys.add(id.slice(0, id.indexOf(SHARED_ID_SEPARATOR)));
        cursor = page.cursor;
      }
    } while (cursor !== undefined);
    // Only well-formed org keys: anything else was not written by scoped-rag.
    return [...keys].filter((key) => {
      try {
        return parseTenantKey(key).kind === 'org';
      } catch {
        return false;
      }
    });
  }

  async function eraseUser(
    userId: string,
    options: LifecycleOptions = {},
  ): Promise<ErasureReceipt> {
    tenantKey({ kind: 'user', id: userId }); // validates the id before anything is recorded
    erasedUsers.set(userId, Date.now() + tombstoneMs);
    const personal = await eraseTenant({ kind: 'user', id: userId }, options);
    const orgs = await orgTenantKeys(options.signal);
    let deletedCount = personal.deletedCount;
    for (const key of orgs) deletedCount += await erasePrivateRecords(userId, key, options);
    return { deletedCount, tenantsScanned: 1 + orgs.length, verified: true };
  }

  async function eraseMember(
    userId: string,
    orgId: string,
    options: LifecycleOptions = {},
  ): Promise<ErasureReceipt> {
    tenantKey({ kind: 'user', id: userId }); // validates the id
    const deletedCount = await erasePrivateRecords(
      userId,
      tenantKey({ kind: 'org', id: orgId }),
      options,
    );
    return { deletedCount, tenantsScanned: 1, verified: true };
  }

  return Object.freeze({
    policy,
    capabilities: caps,
    forScope,
    forIdentity: (identity: Identity) => forScope(policy.scopeFor(identity)),
    eraseTenant,
    eraseUser,
    eraseMember,
  });
}
