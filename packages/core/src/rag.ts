// The RAG pipeline: ingest documents (chunk, embed, upsert scoped vectors, persist text), retrieve
// chunks for a query, delete and erase. The vector store and the DocumentStore share no
// transaction, so every document carries a state and every vector id names its document and
// content generation: whatever a failure leaves half-done is visible, and `reconcile` finishes it.

import { z } from 'zod';
import { checkId, checkUserId, parseStoredMetadata, rejectNul, scopeAccess } from './access.js';
import type { AuditAction, AuditLog, AuditSink } from './audit.js';
import { type Chunker, createRecursiveChunker } from './chunker.js';
import { contentHash } from './content-hash.js';
import {
  DOCUMENT_LIMITS,
  type DocumentErasure,
  type DocumentStore,
  type ListDocumentsRequest,
  type StoredChunk,
  type StoredDocument,
} from './documents.js';
import { type Embedder, embedAll } from './embedder.js';
import {
  BackendUnavailableError,
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  ScopeBreachError,
  ScopedRagError,
  ScopeViolationError,
  UnauthenticatedError,
  UnsupportedError,
} from './errors.js';
import type { Filter } from './filter.js';
import { createIdentity, type Identity, type IdentityResolver } from './identity.js';
import type { Metadata } from './metadata.js';
import { parseOptions } from './options.js';
import type { Page } from './pagination.js';
import type { ScopePolicy, Visibility } from './policy.js';
import { assertScope, type Scope } from './scope.js';
import {
  createScopedVectorStore,
  type ErasureReceipt,
  type ScopedMatch,
  type ScopedVectorStore,
  type ScopedVectors,
} from './scoped-vector-store.js';
import { parseTenantKey, type Tenant, tenantKey } from './tenant.js';
import type { ThreadErasure, ThreadStore } from './threads.js';
import { isHigherBetter, type VectorStore } from './vector-store.js';

export interface CreateRagOptions<Credential = Request> {
  readonly policy: ScopePolicy;
  /**
   * Where embeddings live: a raw `VectorStore` (the pipeline wraps it in a ScopedVectorStore with
   * `policy` and `audit`; recommended), or a `ScopedVectorStore` you already use, made with the
   * same policy object (its own audit sink and options stay as they are).
   */
  readonly vectors: VectorStore | ScopedVectorStore;
  readonly documents: DocumentStore;
  readonly embedder: Embedder;
  /** Default `createRecursiveChunker()` (1,000 characters, 150 overlap). */
  readonly chunker?: Chunker;
  /** Hears `ingest`, `retrieve`, `deleteDocument` and `breach` events; erased with the tenant when it is an AuditLog. */
  readonly audit?: AuditSink;
  /** Makes identities from requests, for `forRequest`. */
  readonly resolver?: IdentityResolver<Credential>;
  /** Chat threads, erased with the tenant or user. */
  readonly threads?: ThreadStore;
  /** Texts per embedder call and calls in flight (see `embedAll`). */
  readonly embedding?: { readonly batchSize?: number; readonly concurrency?: number };
  /**
   * After `eraseTenant` / `eraseUser`, how long ingests into the erased tenant or by the erased
   * user are refused, in ms (sessions issued before the deletion stay valid a while). Default 10
   * minutes. Passed on to the ScopedVectorStore the pipeline makes from a raw store.
   */
  readonly tombstoneMs?: number;
}

export interface IngestInput {
  /** 1–200 printable ASCII characters, unique in the tenant. Default: a random UUID. */
  readonly id?: string;
  /** The document text, cut by the chunker. Give `text` or `chunks`, not both. */
  readonly text?: string;
  /** Ready-made chunks, in order (positions 0, 1, …). */
  readonly chunks?: readonly string[];
  /** Stored with the document and on every vector, so `retrieve({ filter })` can select by it. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Default: the policy's for the scope (org-visible in an organization, private in a personal workspace). */
  readonly visibility?: Visibility;
  readonly title?: string | null;
  /** Where it came from (a URL, a file name). */
  readonly source?: string | null;
}

export interface IngestResult {
  /**
   * `created`: a new document. `replaced`: its content changed, the new chunks replaced the old.
   * `unchanged`: the content hash is the one indexed, nothing was embedded or written (a changed
   * title or source is still saved).
   */
  readonly status: 'created' | 'replaced' | 'unchanged';
  readonly document: StoredDocument;
  /** Texts sent to the embedder. */
  readonly embedded: number;
}

export interface RetrieveOptions {
  /** 1–1,000. Default 5. */
  readonly topK?: number;
  /** Over the document metadata (Pinecone's filter language); it can only narrow the scope. */
  readonly filter?: Filter;
  /** Drop matches scoring below this (cosine and dot-product stores). */
  readonly minScore?: number;
  readonly signal?: AbortSignal;
}

export interface RetrievedChunk {
  readonly text: string;
  readonly score: number;
  readonly position: number;
  readonly vectorId: string;
  readonly document: StoredDocument;
}

/** Why a retrieve returned fewer chunks than `topK`. */
export type ShortfallReason =
  /** The scope holds fewer matching chunks. */
  | 'exhausted'
  /** Further matches scored below `minScore`. */
  | 'below-min-score'
  /** Further matches belong to documents being indexed, replaced or deleted (or not readable). */
  | 'unavailable';

export interface Shortfall {
  readonly requested: number;
  readonly returned: number;
  readonly reason: ShortfallReason;
  /** Matches left out, by cause. */
  readonly dropped: {
    readonly belowMinScore: number;
    /** Their document is pending, failed or being deleted. */
    readonly notIndexed: number;
    /** An older or abandoned generation of their document. */
    readonly staleGeneration: number;
    /** No chunk text, or a document this user may not read. */
    readonly missing: number;
  };
}

export interface RetrieveResult {
  /** Best first. */
  readonly chunks: readonly RetrievedChunk[];
  /** Null when `topK` chunks came back. */
  readonly shortfall: Shortfall | null;
}

export interface DeleteDocumentReceipt {
  /** False when there was no such document in this scope. */
  readonly deleted: boolean;
  readonly vectors: number;
  readonly chunks: number;
  /** A follow-up read found neither the document nor its vectors. */
  readonly verified: true;
}

export interface ReconcileOptions {
  /**
   * Also list the scope's vectors to find ones without a chunk row (left by interrupted concurrent
   * writes) and indexed documents with missing vectors. Default true; costs a scan of the scope's
   * vectors.
   */
  readonly scanVectors?: boolean;
  readonly signal?: AbortSignal;
}

export interface ReconcileReport {
  /** Documents examined (readable in the scope). */
  readonly scanned: number;
  /** Pending or failed documents whose indexing was completed. */
  readonly finished: readonly string[];
  /** Pending or failed documents that could not be completed (their chunks were never saved), removed. */
  readonly rolledBack: readonly string[];
  /** Deletions that were completed. */
  readonly deleted: readonly string[];
  /** Indexed documents whose missing vectors were written again. */
  readonly repaired: readonly string[];
  /** Old or abandoned generations removed (vectors and chunk rows). */
  readonly orphanGenerations: number;
  /** Vectors without a chunk row, removed. */
  readonly strayVectors: number;
  /** Documents this user may read but not change (reconcile them as a user who may). */
  readonly skipped: readonly string[];
  /** Documents that could not be reconciled now: run reconcile again. */
  readonly failed: readonly {
    readonly id: string;
    readonly code: string;
    readonly message: string;
  }[];
}

export interface SweepOptions extends ReconcileOptions {
  /**
   * The identity to reconcile an owner's documents as. Default: the owner with no org role or
   * permissions, which may change their own documents but not write org-visible ones under a
   * policy that needs a permission for that: look the member up (e.g. in Clerk) and return their
   * role and permissions.
   */
  readonly identityFor?: (owner: {
    readonly tenant: Tenant;
    readonly tenantKey: string;
    readonly userId: string;
  }) => Identity | Promise<Identity>;
}

/** What a reconcile sweep over every tenant (`rag.reconcile()` with no scope) did. */
export interface SweepReport {
  /** One reconcile per (tenant, owner) with unfinished documents, run as that owner. */
  readonly reconciled: readonly {
    readonly tenantKey: string;
    readonly userId: string;
    readonly report: ReconcileReport;
  }[];
  /** Owners whose scope could not be made or whose reconcile failed: run the sweep again. */
  readonly failed: readonly {
    readonly tenantKey: string;
    readonly userId: string;
    readonly code: string;
    readonly message: string;
  }[];
}

export interface RagErasureReceipt {
  readonly vectors: number;
  readonly documents: number;
  readonly chunks: number;
  /** Null without a ThreadStore. */
  readonly threads: number | null;
  readonly messages: number | null;
  /** Null when not erased: no AuditLog, or (memberships) the trail stays with the organization. */
  readonly auditEvents: number | null;
  /** Tenants whose vectors were examined. */
  readonly tenantsScanned: number;
  /** A follow-up read of every store found nothing left. An incomplete erasure throws instead. */
  readonly verified: true;
}

export interface RagLifecycleOptions {
  /** Who asks, for the audit trail (e.g. `clerk:webhook:msg_123`). Default `system`. */
  readonly actor?: string;
  /** For `eraseUser` / `eraseMember`: only private data written at or before this time (ms since the epoch). Default now. */
  readonly before?: number;
  readonly signal?: AbortSignal;
}

/** The pipeline's operations in one scope. */
export interface RagScope {
  readonly scope: Scope;
  /** Chunks, embeds and indexes a document; idempotent by content hash. */
  ingest(input: IngestInput, options?: { readonly signal?: AbortSignal }): Promise<IngestResult>;
  /** The chunks best matching `query`, hydrated from the DocumentStore, with their documents. */
  retrieve(query: string, options?: RetrieveOptions): Promise<RetrieveResult>;
  getDocument(id: string): Promise<StoredDocument | null>;
  /** Newest first; every state (pass `states: ['indexed']` for searchable ones). */
  listDocuments(request?: ListDocumentsRequest): Promise<Page<StoredDocument>>;
  deleteDocument(
    id: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<DeleteDocumentReceipt>;
  /** Same as `rag.reconcile(scope)`. */
  reconcile(options?: ReconcileOptions): Promise<ReconcileReport>;
}

export interface Rag<Credential = Request> {
  readonly policy: ScopePolicy;
  /** The scoped vector store the pipeline writes to. */
  readonly vectors: ScopedVectorStore;
  readonly documents: DocumentStore;
  forScope(scope: Scope): RagScope;
  /** Shorthand for `forScope(policy.scopeFor(identity))`. */
  forIdentity(identity: Identity): RagScope;
  /** Resolves the caller with the resolver (UnauthenticatedError without one or without a valid credential). */
  forRequest(request: Credential): Promise<RagScope>;
  /**
   * Finishes or rolls back every unfinished document the scope may change (pending, failed,
   * deleting), removes orphaned generations and stray vectors, and re-writes missing vectors of
   * indexed documents. Idempotent; safe to run on a schedule.
   */
  reconcile(scope: Scope, options?: ReconcileOptions): Promise<ReconcileReport>;
  /**
   * Lifecycle sweep with no scope: for every tenant with unfinished documents (pending, failed,
   * deleting; listed by the DocumentStore's optional `listUnfinished`), reconciles as each
   * document's owner — the user who may always change it. Orphaned generations of indexed
   * documents and stray vectors are left to the per-scope form. UnsupportedError when the
   * DocumentStore cannot list across tenants. Run it from a job, never from a request.
   */
  reconcile(scope?: undefined, options?: SweepOptions): Promise<SweepReport>;
  /** Lifecycle: every vector, document, chunk, thread and audit event of a tenant. Idempotent. */
  eraseTenant(tenant: Tenant, options?: RagLifecycleOptions): Promise<RagErasureReceipt>;
  /** Lifecycle: a deleted user's personal tenant and their private data in every organization. */
  eraseUser(userId: string, options?: RagLifecycleOptions): Promise<RagErasureReceipt>;
  /** Lifecycle: a former member's private data in one organization. */
  eraseMember(
    userId: string,
    orgId: string,
    options?: RagLifecycleOptions,
  ): Promise<RagErasureReceipt>;
}

/** Most chunks one document may have (one `putChunks` call writes a generation atomically). */
export const MAX_CHUNKS_PER_DOCUMENT = DOCUMENT_LIMITS.maxChunksPerCall;
const ID_BATCH = 100;
const LIST_PAGE = 100;
const DEFAULT_TOP_K = 5;
const MAX_TOP_K = 1_000;
const MAX_QUERY_CHARS = DOCUMENT_LIMITS.maxChunkChars;
const CAS_ATTEMPTS = 3;

/**
 * The vector id of a chunk: document id, generation and position. A generation is the document's
 * `contentHash` when it was written: the content digest and the write attempt,
 * `<64 hex>.<12 hex>`.
 */
export function chunkVectorId(documentId: string, generation: string, position: number): string {
  return `${documentId}#${generation}#${position}`;
}

const VECTOR_ID = /^([\x20-\x7e]+)#([0-9a-f]{64}\.[0-9a-f]{12})#(0|[1-9][0-9]{0,5})$/;

/** 12 random hex characters naming one write attempt. */
function attemptId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}

/** The content digest part of a generation (`contentHash`). */
function digestOf(generation: string): string {
  const dot = generation.indexOf('.');
  return dot < 0 ? generation : generation.slice(0, dot);
}

/** The parts of a vector id made by `chunkVectorId`, or null for any other id. */
export function parseChunkVectorId(
  id: string,
): { documentId: string; generation: string; position: number } | null {
  const match = VECTOR_ID.exec(id);
  if (!match) return null;
  return { documentId: match[1]!, generation: match[2]!, position: Number(match[3]) };
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const isConflict = (error: unknown) => ScopedRagError.hasCode(error, 'CONFLICT');

const optionsSchema = z.object({
  policy: z.looseObject({ name: z.string(), scopeFor: z.function() }),
  vectors: z.union([
    z.looseObject({ forScope: z.function(), policy: z.looseObject({}) }),
    z.looseObject({ specificationVersion: z.literal('v1'), query: z.function() }),
  ]),
  documents: z.looseObject({
    specificationVersion: z.literal('v1', {
      error: 'documents must implement DocumentStore specification v1',
    }),
    putDocument: z.function(),
  }),
  embedder: z.looseObject({
    specificationVersion: z.literal('v1', {
      error: 'embedder must implement Embedder specification v1',
    }),
    embed: z.function(),
  }),
  chunker: z.looseObject({ chunk: z.function() }).optional(),
  audit: z.looseObject({ specificationVersion: z.literal('v1'), record: z.function() }).optional(),
  resolver: z.looseObject({ resolve: z.function() }).optional(),
  threads: z.looseObject({ specificationVersion: z.literal('v1') }).optional(),
  embedding: z
    .strictObject({
      batchSize: z.number().int().positive().optional(),
      concurrency: z.number().int().positive().max(64).optional(),
    })
    .optional(),
  tombstoneMs: z.number().nonnegative().finite().optional(),
});

const isScopedVectorStore = (
  vectors: VectorStore | ScopedVectorStore,
): vectors is ScopedVectorStore => typeof (vectors as ScopedVectorStore).forScope === 'function';

const isAuditLog = (audit: AuditSink | undefined): audit is AuditLog =>
  typeof (audit as AuditLog | undefined)?.eraseTenant === 'function';

/** Creates the pipeline. See docs/pipeline.md for the states, reconcile and receipts. */
export function createRag<Credential = Request>(
  options: CreateRagOptions<Credential>,
): Rag<Credential> {
  parseOptions(optionsSchema, options, 'createRag options');
  const { policy, documents, embedder, audit, resolver, threads } = options;
  const chunker: Chunker = options.chunker ?? createRecursiveChunker();
  const tombstoneMs = options.tombstoneMs ?? 10 * 60_000;
  let vectors: ScopedVectorStore;
  if (isScopedVectorStore(options.vectors)) {
    if (options.vectors.policy !== policy) {
      throw new InvalidInputError(
        'createRag: the ScopedVectorStore was made with another policy object. Pass the same policy to both, or pass the raw VectorStore and let createRag wrap it.',
      );
    }
    vectors = options.vectors;
  } else {
    vectors = createScopedVectorStore({
      store: options.vectors,
      policy,
      ...(audit ? { audit } : {}),
      tombstoneMs,
    });
  }
  const caps = vectors.capabilities;
  if (caps.dimensions !== embedder.dimensions) {
    throw new InvalidInputError(
      `createRag: the ${embedder.provider} embedder (model "${embedder.model}") makes ${embedder.dimensions}-dimensional vectors, but the vector store holds ${caps.dimensions}-dimensional ones. Use a matching model or index.`,
      { details: { embedder: embedder.dimensions, store: caps.dimensions } },
    );
  }
  const batchSize = options.embedding?.batchSize;
  if (batchSize !== undefined && batchSize > embedder.maxBatchSize) {
    throw new InvalidInputError(
      `createRag: embedding.batchSize ${batchSize} is more than the ${embedder.provider} embedder takes in one call (${embedder.maxBatchSize}); lower it or leave it out.`,
    );
  }
  const embedOptions = {
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(options.embedding?.concurrency !== undefined
      ? { concurrency: options.embedding.concurrency }
      : {}),
  };

  // Erased tenant keys and user ids → when their tombstone ends (see `tombstoneMs`).
  const erasedTenants = new Map<string, number>();
  const erasedUsers = new Map<string, number>();
  const isTombstoned = (tombstones: Map<string, number>, key: string) => {
    const until = tombstones.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    tombstones.delete(key);
    return false;
  };

  async function record(
    scope: Scope,
    action: AuditAction,
    ids: readonly string[],
    extra: { filter?: Filter; reason?: string } = {},
  ): Promise<void> {
    if (!audit) return;
    await audit.record({
      action,
      at: new Date().toISOString(),
      tenantKey: scope.tenantKey,
      userId: scope.userId,
      policy: policy.name,
      namespace: policy.namespaceFor(scope),
      ids,
      ...extra,
    });
  }

  // An operation that already changed the stores must not look failed because the audit did.
  async function recordCompleted(
    scope: Scope,
    action: AuditAction,
    ids: readonly string[],
  ): Promise<void> {
    try {
      await record(scope, action, ids);
    } catch (error) {
      throw new BackendUnavailableError(
        `The ${action} of ${JSON.stringify(ids[0])} completed, but the audit sink failed to record it: ${messageOf(error)}. Fix the audit sink; the operation is not rolled back.`,
        { cause: error, details: { action, ids, completed: true } },
      );
    }
  }

  function forScope(scope: Scope): RagScope {
    assertScope(scope, policy);
    const access = scopeAccess(scope);
    const handle: ScopedVectors = vectors.forScope(scope);

    async function breach(reason: string): Promise<never> {
      const error = new ScopeBreachError(
        `The DocumentStore returned rows outside the scope of tenant ${scope.tenantKey} (${reason}). Nothing was returned. The adapter is not honouring scopes; report it to its maintainers.`,
        { details: { tenantKey: scope.tenantKey, reason } },
      );
      try {
        await record(scope, 'breach', [], { reason });
      } catch (auditError) {
        throw new ScopeBreachError(error.message, { cause: auditError, details: error.details });
      }
      throw error;
    }

    const signalOf = (signal?: AbortSignal) => (signal ? { signal } : {});

    async function fetchExisting(ids: readonly string[], signal?: AbortSignal) {
      const found = new Set<string>();
      for (const batch of batches(ids, ID_BATCH)) {
        const { records } = await handle.fetch(batch, signalOf(signal));
        for (const r of records) found.add(r.id);
      }
      return found;
    }

    async function deleteVectors(ids: readonly string[], signal?: AbortSignal): Promise<number> {
      let deleted = 0;
      for (const batch of batches([...new Set(ids)], ID_BATCH)) {
        deleted += (await handle.delete({ ids: batch, ...signalOf(signal) })).deletedCount;
      }
      return deleted;
    }

    // Every vector id of the scope starting with `prefix` (ids only visible to this user).
    async function listVectorIds(prefix: string, signal?: AbortSignal): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await handle.list({
          limit: LIST_PAGE,
          ...(prefix ? { prefix } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
          ...signalOf(signal),
        });
        ids.push(...page.ids);
        cursor = page.cursor;
      } while (cursor !== undefined);
      return ids;
    }

    // The vector ids a document has: from its chunk rows, and any its prefix turns up.
    async function vectorIdsOfDocument(id: string, signal?: AbortSignal): Promise<string[]> {
      const fromRows = (await documents.listChunks(scope, id)).map((c) => c.vectorId);
      const listed = (await listVectorIds(`${id}#`, signal)).filter(
        (vectorId) => parseChunkVectorId(vectorId)?.documentId === id,
      );
      return [...new Set([...fromRows, ...listed])];
    }

    async function embedAndUpsert(
      chunks: readonly { readonly text: string; readonly vectorId: string }[],
      metadata: Metadata,
      visibility: Visibility,
      signal?: AbortSignal,
      ready?: readonly Float32Array[],
    ): Promise<number> {
      const values =
        ready ??
        (await embedAll(
          embedder,
          chunks.map((c) => c.text),
          { ...embedOptions, ...signalOf(signal), purpose: 'document' },
        ));
      const records = chunks.map((chunk, i) => ({
        id: chunk.vectorId,
        values: values[i]!,
        metadata,
        visibility,
      }));
      for (const batch of batches(records, ID_BATCH)) await handle.upsert(batch, signalOf(signal));
      return ready ? 0 : chunks.length;
    }

    // Deletes the vectors and chunk rows of generations other than `keep`, of those in `rows`:
    // rows listed *before* the compare-and-set that made `keep` current (or claimed the row), so
    // a writer that read the row after it, whose flip would succeed, never loses its generation.
    async function removeGenerations(
      id: string,
      keep: string,
      rows: readonly StoredChunk[],
      signal?: AbortSignal,
    ): Promise<number> {
      const old = rows.filter((c) => c.generation !== keep);
      if (old.length === 0) return 0;
      const generations = [...new Set(old.map((c) => c.generation))];
      await deleteVectors(
        old.map((c) => c.vectorId),
        signal,
      );
      await documents.deleteChunks(scope, id, generations);
      return generations.length;
    }

    // Compare-and-set on the document row; everything not named is kept.
    function rewrite(
      doc: StoredDocument,
      changes: Partial<
        Pick<StoredDocument, 'state' | 'contentHash' | 'chunkCount' | 'error' | 'title' | 'source'>
      > & { metadata?: Metadata; visibility?: Visibility },
    ): Promise<StoredDocument> {
      return documents.putDocument(
        scope,
        {
          id: doc.id,
          state: changes.state ?? doc.state,
          contentHash: changes.contentHash ?? doc.contentHash,
          ...(changes.chunkCount !== undefined ? { chunkCount: changes.chunkCount } : {}),
          ...(changes.error !== undefined ? { error: changes.error } : {}),
          ...(changes.title !== undefined ? { title: changes.title } : {}),
          ...(changes.source !== undefined ? { source: changes.source } : {}),
          ...(changes.metadata !== undefined ? { metadata: changes.metadata } : {}),
          ...(changes.visibility !== undefined ? { visibility: changes.visibility } : {}),
        },
        { expectedRevision: doc.revision },
      );
    }

    function assertModifiable(doc: StoredDocument, what: string): void {
      if (!access.canModify(doc)) {
        throw new ForbiddenError(
          `User ${scope.userId} may read document "${doc.id}" but not ${what} it: it belongs to another member (org-visible documents need the policy's write permission).`,
          { details: { id: doc.id } },
        );
      }
    }

    // Finishes a deletion: vectors first, then the row with its chunks (a crash leaves the row
    // in `deleting`, so the deletion is visible and reconcile completes it).
    async function finishDelete(
      doc: StoredDocument,
      signal?: AbortSignal,
    ): Promise<{ vectors: number; chunks: number }> {
      const chunkRows = await documents.listChunks(scope, doc.id);
      const vectorCount = await deleteVectors(await vectorIdsOfDocument(doc.id, signal), signal);
      const gone = await documents.deleteDocument(scope, doc.id, {
        expectedRevision: doc.revision,
      });
      if (!gone) {
        throw new ConflictError(
          `Document "${doc.id}" vanished while it was being deleted (another request deleted it). Nothing is left to do.`,
          { details: { id: doc.id } },
        );
      }
      return { vectors: vectorCount, chunks: chunkRows.length };
    }

    async function ingest(
      input: IngestInput,
      ingestOptions: { readonly signal?: AbortSignal } = {},
    ): Promise<IngestResult> {
      const { signal } = ingestOptions;
      if (typeof input !== 'object' || input === null) {
        throw new InvalidInputError(
          'ingest takes { id?, text | chunks, metadata?, visibility?, title?, source? }.',
        );
      }
      const id =
        input.id === undefined
          ? crypto.randomUUID()
          : checkId(input.id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      const hasText = input.text !== undefined;
      if (hasText === (input.chunks !== undefined)) {
        throw new InvalidInputError(
          `ingest of "${id}" takes exactly one of text (cut by the chunker) or chunks (already cut).`,
        );
      }
      let pieces: string[];
      if (hasText) {
        if (typeof input.text !== 'string') {
          throw new InvalidInputError(`text of "${id}" must be a string.`);
        }
        pieces = chunkText(input.text, id);
      } else {
        if (!Array.isArray(input.chunks) || input.chunks.some((c) => typeof c !== 'string')) {
          throw new InvalidInputError(`chunks of "${id}" must be an array of strings.`);
        }
        pieces = [...input.chunks];
      }
      checkPieces(pieces, id);
      // The DocumentStore's rules (no NUL), so nothing fails half-way for input it refuses.
      const metadata = parseStoredMetadata(input.metadata, `document "${id}"`);
      for (const key of Object.keys(metadata)) {
        if (policy.isReservedKey(key)) {
          throw new ScopeViolationError(
            `Document "${id}" metadata sets the reserved key "${key}". The policy stamps tenant, owner and visibility itself; remove the key (use \`visibility\` to share).`,
            { details: { key, id } },
          );
        }
      }
      const visibility = input.visibility ?? access.defaultVisibility;
      access.assertCanWrite(visibility);
      for (const [field, max] of [
        ['title', DOCUMENT_LIMITS.maxTitleLength],
        ['source', DOCUMENT_LIMITS.maxSourceLength],
      ] as const) {
        const value = input[field];
        if (
          value !== undefined &&
          value !== null &&
          (typeof value !== 'string' || value.length > max)
        ) {
          throw new InvalidInputError(
            `${field} of "${id}" must be a string of at most ${max} characters, or null.`,
          );
        }
        if (typeof value === 'string') rejectNul(value, `${field} of "${id}"`);
      }
      const erasedUser = isTombstoned(erasedUsers, scope.userId);
      if (erasedUser || isTombstoned(erasedTenants, scope.tenantKey)) {
        throw new ForbiddenError(
          `This ${erasedUser ? 'user' : 'tenant'} was just erased (a deletion event arrived); ingests from sessions issued before the deletion are refused.`,
          { details: { reason: 'erased' } },
        );
      }
      const digest = await contentHash({
        text: hasText ? (input.text as string) : null,
        chunks: pieces,
        embedder: {
          provider: embedder.provider,
          model: embedder.model,
          dimensions: embedder.dimensions,
        },
        metadata,
        visibility,
      });
      // Each write attempt has its own generation, so no two attempts share chunk rows or vector
      // ids, and cleaning up after one never touches another's.
      const generation = `${digest}.${attemptId()}`;
      const chunkRows = pieces.map((text, position) => ({
        position,
        text,
        vectorId: chunkVectorId(id, generation, position),
      }));
      const details = {
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.source !== undefined ? { source: input.source } : {}),
      };

      const existing = await documents.getDocument(scope, id);
      if (existing) {
        assertModifiable(existing, 'replace');
        if (existing.state === 'deleting') {
          throw new ConflictError(
            `Document "${id}" is being deleted. Wait for the deletion (or run reconcile), then ingest it again.`,
            { details: { id, state: existing.state } },
          );
        }
        if (
          existing.visibility === 'org' &&
          visibility === 'private' &&
          existing.ownerId !== scope.userId
        ) {
          throw new ForbiddenError(
            `Only the owner of document "${id}" may make it private (its owner could no longer read it otherwise).`,
            { details: { id } },
          );
        }
        if (existing.state === 'indexed' && digestOf(existing.contentHash) === digest) {
          const titleChanged = 'title' in details && details.title !== existing.title;
          const sourceChanged = 'source' in details && details.source !== existing.source;
          const document =
            titleChanged || sourceChanged ? await rewrite(existing, details) : existing;
          return { status: 'unchanged', document, embedded: 0 };
        }
      }
      // Embedding first: it has no side effects, so its failure leaves nothing behind.
      const values = await embedAll(embedder, pieces, {
        ...embedOptions,
        ...signalOf(signal),
        purpose: 'document',
      });
      return existing
        ? replace(existing, {
            generation,
            chunkRows,
            values,
            metadata,
            visibility,
            details,
            signal,
          })
        : create({ id, generation, chunkRows, values, metadata, visibility, details, signal });
    }

    interface Prepared {
      generation: string;
      chunkRows: { position: number; text: string; vectorId: string }[];
      values: Float32Array[];
      metadata: Metadata;
      visibility: Visibility;
      details: { title?: string | null; source?: string | null };
      signal: AbortSignal | undefined;
    }

    // A new document: pending row (with its content hash), chunk rows, vectors, then the flip to
    // indexed. A failure marks the row failed; reconcile completes it from the saved chunks.
    async function create(prepared: Prepared & { id: string }): Promise<IngestResult> {
      const { id, generation, chunkRows, values, metadata, visibility, details, signal } = prepared;
      let pending: StoredDocument | null = null;
      try {
        pending = await documents.putDocument(
          scope,
          {
            id,
            state: 'pending',
            contentHash: generation,
            chunkCount: chunkRows.length,
            metadata,
            visibility,
            error: null,
            ...details,
          },
          { expectedRevision: null },
        );
        await documents.putChunks(scope, id, generation, chunkRows);
        await embedAndUpsert(chunkRows, metadata, visibility, signal, values);
        const document = await rewrite(pending, { state: 'indexed' });
        await recordCompleted(scope, 'ingest', [id]);
        return { status: 'created', document, embedded: chunkRows.length };
      } catch (error) {
        const finished = await settleAfterFailure(id, generation, error, pending === null);
        if (finished) {
          await recordCompleted(scope, 'ingest', [id]);
          return { status: 'created', document: finished, embedded: chunkRows.length };
        }
        throw error;
      }
    }

    // After a failed create: if someone else (reconcile) finished it, that is success; if our
    // pending row is there, mark it failed so the failure is visible. Never throws.
    async function settleAfterFailure(
      id: string,
      generation: string,
      error: unknown,
      rowMayBeMissing: boolean,
    ): Promise<StoredDocument | null> {
      if (rowMayBeMissing && isConflict(error)) return null; // the id was taken: not ours
      try {
        const row = await documents.getDocument(scope, id);
        if (!row || row.contentHash !== generation) return null;
        if (row.state === 'indexed') return row;
        if (row.state === 'pending') {
          await rewrite(row, {
            state: 'failed',
            error: `Indexing failed: ${messageOf(error)}`.slice(0, DOCUMENT_LIMITS.maxErrorLength),
          });
        }
      } catch {
        // The row stays pending: still visible, and reconcile handles it the same way.
      }
      return null;
    }

    // A changed document: the new generation is written beside the old one (which keeps serving),
    // the row flips to it by compare-and-set, then the old generations go.
    async function replace(existing: StoredDocument, prepared: Prepared): Promise<IngestResult> {
      const { generation, chunkRows, values, metadata, visibility, details, signal } = prepared;
      const id = existing.id;
      let document: StoredDocument;
      let previous: StoredChunk[] = [];
      try {
        await documents.putChunks(scope, id, generation, chunkRows);
        await embedAndUpsert(chunkRows, metadata, visibility, signal, values);
        previous = await documents.listChunks(scope, id);
        document = await rewrite(existing, {
          state: 'indexed',
          contentHash: generation,
          chunkCount: chunkRows.length,
          metadata,
          visibility,
          error: null,
          ...details,
        });
      } catch (error) {
        const row = await documents.getDocument(scope, id).catch(() => undefined);
        if (row?.state !== 'indexed' || row.contentHash !== generation) {
          // Abandon our generation unless the row points at it (it is ours alone). Best effort:
          // what is left is an orphaned generation, which retrieve ignores and reconcile removes.
          if (row === null || (row !== undefined && row.contentHash !== generation)) {
            try {
              await deleteVectors(
                chunkRows.map((c) => c.vectorId),
                signal,
              );
              if (row) await documents.deleteChunks(scope, id, [generation]);
            } catch {
              // left for reconcile
            }
          }
          throw error;
        }
        document = row; // our flip happened; only its answer was lost
      }
      try {
        await removeGenerations(id, generation, previous, signal);
      } catch (error) {
        throw new BackendUnavailableError(
          `Document "${id}" was re-indexed, but removing its old chunks failed: ${messageOf(error)}. Retrieve already ignores them; run rag.reconcile(scope) to remove them.`,
          { cause: error, details: { id, completed: true } },
        );
      }
      await recordCompleted(scope, 'ingest', [id]);
      // A document that was never indexed (its first ingest failed) is created now.
      const status = existing.state === 'indexed' ? 'replaced' : 'created';
      return { status, document, embedded: chunkRows.length };
    }

    function chunkText(text: string, id: string): string[] {
      const chunks = chunker.chunk(text);
      if (!Array.isArray(chunks)) {
        throw new InvalidInputError(`The chunker returned no array for "${id}".`);
      }
      const ordered = [...chunks].sort((a, b) => a.position - b.position);
      ordered.forEach((chunk, i) => {
        if (chunk?.position !== i || typeof chunk.text !== 'string') {
          throw new InvalidInputError(
            `The chunker returned chunks for "${id}" that are not numbered 0, 1, 2, … with text: a chunker must return { text, position } per chunk.`,
          );
        }
      });
      return ordered.map((chunk) => chunk.text);
    }

    function checkPieces(pieces: readonly string[], id: string): void {
      if (pieces.length === 0) {
        throw new InvalidInputError(
          `Document "${id}" has nothing to index: the text is empty or blank (or chunks is []).`,
        );
      }
      if (pieces.length > MAX_CHUNKS_PER_DOCUMENT) {
        throw new InvalidInputError(
          `Document "${id}" makes ${pieces.length} chunks; at most ${MAX_CHUNKS_PER_DOCUMENT} per document. Split it into several documents or use larger chunks.`,
          { details: { id, chunks: pieces.length, limit: MAX_CHUNKS_PER_DOCUMENT } },
        );
      }
      pieces.forEach((piece, i) => {
        rejectNul(piece, `Chunk ${i} of "${id}"`);
        if (piece.trim() === '' || piece.length > DOCUMENT_LIMITS.maxChunkChars) {
          throw new InvalidInputError(
            `Chunk ${i} of "${id}" must be non-blank text of at most ${DOCUMENT_LIMITS.maxChunkChars} characters.`,
            { details: { id, position: i } },
          );
        }
      });
    }

    async function retrieve(query: string, retrieveOptions: RetrieveOptions = {}) {
      if (typeof query !== 'string' || query.trim() === '' || query.length > MAX_QUERY_CHARS) {
        throw new InvalidInputError(
          `retrieve takes a non-blank query of at most ${MAX_QUERY_CHARS} characters.`,
        );
      }
      const { filter, minScore, signal } = retrieveOptions;
      const topK = retrieveOptions.topK ?? DEFAULT_TOP_K;
      const largest = Math.min(MAX_TOP_K, caps.maxTopK);
      if (!Number.isInteger(topK) || topK < 1 || topK > largest) {
        throw new InvalidInputError(
          `topK must be an integer from 1 to ${largest}, got ${String(topK)}.`,
        );
      }
      if (minScore !== undefined) {
        if (typeof minScore !== 'number' || !Number.isFinite(minScore)) {
          throw new InvalidInputError(`minScore must be a finite number, got ${String(minScore)}.`);
        }
        if (!isHigherBetter(caps.metric)) {
          throw new UnsupportedError(
            `minScore needs a store where higher scores are better (cosine, dotproduct); this one uses ${caps.metric} distances. Filter the returned chunks by score instead.`,
          );
        }
      }
      const [vector] = await embedAll(embedder, [query], {
        ...signalOf(signal),
        purpose: 'query',
      });
      // Dropped matches (stale generations, documents in flux) are made up for by asking for
      // more candidates, up to four times topK.
      const maxCandidates = Math.min(largest, Math.max(topK, topK * 4));
      let k = topK;
      for (;;) {
        const { matches } = await handle.query({
          vector: vector!,
          topK: k,
          ...(filter !== undefined ? { filter } : {}),
          ...signalOf(signal),
        });
        const outcome = await hydrate(matches, minScore);
        const exhausted = matches.length < k;
        if (outcome.chunks.length >= topK || exhausted || k >= maxCandidates) {
          const chunks = outcome.chunks.slice(0, topK);
          const shortfall =
            chunks.length < topK ? describeShortfall(topK, chunks.length, outcome.dropped) : null;
          await record(
            scope,
            'retrieve',
            chunks.map((c) => c.vectorId),
            {
              ...(filter !== undefined ? { filter } : {}),
              ...(shortfall ? { reason: `shortfall: ${shortfall.reason}` } : {}),
            },
          );
          return { chunks, shortfall };
        }
        k = Math.min(maxCandidates, k * 2);
      }
    }

    function describeShortfall(
      requested: number,
      returned: number,
      dropped: Shortfall['dropped'],
    ): Shortfall {
      const unavailable = dropped.notIndexed + dropped.staleGeneration + dropped.missing;
      const reason: ShortfallReason =
        unavailable > 0
          ? 'unavailable'
          : dropped.belowMinScore > 0
            ? 'below-min-score'
            : 'exhausted';
      return { requested, returned, reason, dropped };
    }

    // Chunk text and documents for the matches, scoped again, with every row re-checked.
    async function hydrate(matches: readonly ScopedMatch[], minScore: number | undefined) {
      const dropped = { belowMinScore: 0, notIndexed: 0, staleGeneration: 0, missing: 0 };
      const candidates = matches.filter((m) => {
        if (minScore === undefined || m.score >= minScore) return true;
        dropped.belowMinScore += 1;
        return false;
      });
      const asked = new Set(candidates.map((m) => m.id));
      const rows = new Map<string, StoredChunk>();
      for (const batch of batches([...asked], ID_BATCH)) {
        for (const row of await documents.getChunks(scope, batch)) {
          if (!asked.has(row.vectorId))
            await breach('getChunks returned a chunk that was not asked for');
          const parsed = parseChunkVectorId(row.vectorId);
          if (
            parsed &&
            (parsed.documentId !== row.documentId || parsed.generation !== row.generation)
          ) {
            await breach('getChunks returned a chunk of another document than its vector id names');
          }
          rows.set(row.vectorId, row);
        }
      }
      const docIds = [...new Set([...rows.values()].map((row) => row.documentId))];
      const docs = new Map<string, StoredDocument>();
      await Promise.all(
        docIds.map(async (docId) => {
          const doc = await documents.getDocument(scope, docId);
          if (!doc) return;
          if (doc.id !== docId || doc.tenantKey !== scope.tenantKey || !access.canRead(doc)) {
            await breach('getDocument returned a document of another tenant or owner');
          }
          docs.set(docId, doc);
        }),
      );
      const chunks: RetrievedChunk[] = [];
      for (const match of candidates) {
        const row = rows.get(match.id);
        const doc = row && docs.get(row.documentId);
        if (!row || !doc) dropped.missing += 1;
        else if (doc.state !== 'indexed') dropped.notIndexed += 1;
        else if (row.generation !== doc.contentHash) dropped.staleGeneration += 1;
        else {
          chunks.push(
            Object.freeze({
              text: row.text,
              score: match.score,
              position: row.position,
              vectorId: row.vectorId,
              document: doc,
            }),
          );
        }
      }
      return { chunks, dropped };
    }

    async function deleteDocument(
      id: string,
      deleteOptions: { readonly signal?: AbortSignal } = {},
    ): Promise<DeleteDocumentReceipt> {
      checkId(id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      const { signal } = deleteOptions;
      for (let attempt = 1; ; attempt++) {
        const doc = await documents.getDocument(scope, id);
        if (!doc) return { deleted: false, vectors: 0, chunks: 0, verified: true };
        assertModifiable(doc, 'delete');
        try {
          const deleting =
            doc.state === 'deleting' ? doc : await rewrite(doc, { state: 'deleting' });
          const counts = await finishDelete(deleting, signal);
          await verifyDeleted(id, signal);
          await recordCompleted(scope, 'deleteDocument', [id]);
          return { deleted: true, ...counts, verified: true };
        } catch (error) {
          // A concurrent change (an ingest's flip): read it again and delete what is there now.
          if (!isConflict(error) || attempt >= CAS_ATTEMPTS) throw error;
        }
      }
    }

    async function verifyDeleted(id: string, signal?: AbortSignal): Promise<void> {
      const row = await documents.getDocument(scope, id);
      const left = await vectorIdsOfDocument(id, signal);
      if (row || left.length > 0) {
        throw new BackendUnavailableError(
          `Deleting document "${id}" is incomplete: ${row ? 'its row' : `${left.length} vector(s)`} remain. Retry (deletion is idempotent) or run reconcile.`,
          { details: { id, remainingVectors: left.length } },
        );
      }
    }

    async function reconcile(reconcileOptions: ReconcileOptions = {}): Promise<ReconcileReport> {
      const { signal, scanVectors = true } = reconcileOptions;
      const report = {
        scanned: 0,
        finished: [] as string[],
        rolledBack: [] as string[],
        deleted: [] as string[],
        repaired: [] as string[],
        orphanGenerations: 0,
        strayVectors: 0,
        skipped: [] as string[],
        failed: [] as { id: string; code: string; message: string }[],
      };
      const all: StoredDocument[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<StoredDocument> = await documents.listDocuments(scope, {
          limit: 100,
          cursor,
        });
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      report.scanned = all.length;

      // Vectors per document and generation, from a scan of the scope's vectors.
      let listed: Map<string, Set<string>> | null = null;
      if (scanVectors) {
        listed = new Map();
        const ids = (await listVectorIds('', signal)).filter((vid) => parseChunkVectorId(vid));
        const withRows = new Set<string>();
        for (const batch of batches(ids, ID_BATCH)) {
          for (const row of await documents.getChunks(scope, batch)) withRows.add(row.vectorId);
        }
        const stray = ids.filter((vid) => !withRows.has(vid));
        // Only strays this user may change (another member's are theirs to reconcile).
        const strayRecords: string[] = [];
        for (const batch of batches(stray, ID_BATCH)) {
          const { records } = await handle.fetch(batch, signalOf(signal));
          for (const r of records) {
            if (access.canModify({ ownerId: r.owner, visibility: r.visibility }))
              strayRecords.push(r.id);
          }
        }
        report.strayVectors = await deleteVectors(strayRecords, signal);
        for (const vid of ids) {
          if (!withRows.has(vid)) continue;
          const key = parseChunkVectorId(vid)!.documentId;
          let set = listed.get(key);
          if (!set) {
            set = new Set();
            listed.set(key, set);
          }
          set.add(vid);
        }
      }

      for (const doc of all) {
        if (!access.canModify(doc)) {
          report.skipped.push(doc.id);
          continue;
        }
        try {
          await reconcileDocument(doc, listed?.get(doc.id) ?? null, report, signal);
        } catch (error) {
          report.failed.push({
            id: doc.id,
            code: ScopedRagError.isInstance(error) ? error.code : 'UNKNOWN',
            message: messageOf(error),
          });
        }
      }
      return report;
    }

    async function reconcileDocument(
      first: StoredDocument,
      listedVectors: Set<string> | null,
      report: {
        finished: string[];
        rolledBack: string[];
        deleted: string[];
        repaired: string[];
        orphanGenerations: number;
      },
      signal?: AbortSignal,
    ): Promise<void> {
      for (let attempt = 1; ; attempt++) {
        const doc = attempt === 1 ? first : await documents.getDocument(scope, first.id);
        if (!doc) return;
        try {
          if (doc.state === 'deleting') {
            await finishDelete(doc, signal);
            report.deleted.push(doc.id);
            return;
          }
          const rows = await documents.listChunks(scope, doc.id);
          const current = rows
            .filter((row) => row.generation === doc.contentHash)
            .sort((a, b) => a.position - b.position);
          const complete =
            current.length === doc.chunkCount && current.every((row, i) => row.position === i);
          const hasOrphans = rows.some((row) => row.generation !== doc.contentHash);
          const missingVectors =
            doc.state === 'indexed' && listedVectors !== null
              ? current.filter((row) => !listedVectors.has(row.vectorId))
              : [];
          if (doc.state === 'indexed' && !hasOrphans && missingVectors.length === 0 && complete) {
            return;
          }
          if (doc.state === 'indexed' && !complete) {
            // Never destroy served content on a guess: the DocumentStore lost rows.
            throw new BackendUnavailableError(
              `Document "${doc.id}" is indexed but has ${current.length} of its ${doc.chunkCount} chunk rows: the DocumentStore lost some. Ingest it again to rebuild it.`,
              { details: { id: doc.id, chunkRows: current.length, chunkCount: doc.chunkCount } },
            );
          }
          // Claim the row first: an ingest still writing this document then loses its flip
          // (compare-and-set) instead of completing over what we remove.
          const claimed = await rewrite(doc, {});
          if (!complete) {
            // The content was never fully saved: nothing to finish from, so roll back.
            const deleting = await rewrite(claimed, { state: 'deleting' });
            await finishDelete(deleting, signal);
            report.rolledBack.push(doc.id);
            return;
          }
          if (doc.state === 'indexed') {
            if (missingVectors.length > 0) {
              await embedAndUpsert(missingVectors, doc.metadata, doc.visibility, signal);
              report.repaired.push(doc.id);
            }
          } else {
            const present = await fetchExisting(
              current.map((row) => row.vectorId),
              signal,
            );
            const missing = current.filter((row) => !present.has(row.vectorId));
            if (missing.length > 0) {
              await embedAndUpsert(missing, doc.metadata, doc.visibility, signal);
            }
            await rewrite(claimed, { state: 'indexed', error: null });
            report.finished.push(doc.id);
          }
          report.orphanGenerations += await removeGenerations(
            doc.id,
            doc.contentHash,
            rows,
            signal,
          );
          return;
        } catch (error) {
          if (!isConflict(error) || attempt >= CAS_ATTEMPTS) throw error;
        }
      }
    }

    return Object.freeze({
      scope,
      ingest,
      retrieve,
      getDocument: (id: string) => documents.getDocument(scope, id),
      listDocuments: (request?: ListDocumentsRequest) => documents.listDocuments(scope, request),
      deleteDocument,
      reconcile,
    });
  }

  // Runs an erasure step, then runs it again: the second run finding nothing is the proof.
  async function eraseVerified<T>(
    what: string,
    run: () => Promise<T>,
    count: (result: T) => number,
  ): Promise<T> {
    const result = await run();
    const again = await run();
    if (count(again) > 0) {
      throw new BackendUnavailableError(
        `Erasure of ${what} is incomplete: a follow-up pass still found ${count(again)} row(s). Retry (erasure is idempotent).`,
        { details: { what, remaining: count(again) } },
      );
    }
    return result;
  }
  const docCount = (erasure: DocumentErasure) => erasure.documents + erasure.chunks;
  const threadCount = (erasure: ThreadErasure) => erasure.threads + erasure.messages;
  const sumDocs = (parts: readonly DocumentErasure[]) => ({
    documents: parts.reduce((n, p) => n + p.documents, 0),
    chunks: parts.reduce((n, p) => n + p.chunks, 0),
  });

  function receipt(
    vectorReceipt: ErasureReceipt,
    docs: { documents: number; chunks: number },
    thread: ThreadErasure | null,
    auditEvents: number | null,
  ): RagErasureReceipt {
    return Object.freeze({
      vectors: vectorReceipt.deletedCount,
      documents: docs.documents,
      chunks: docs.chunks,
      threads: thread ? thread.threads : null,
      messages: thread ? thread.messages : null,
      auditEvents,
      tenantsScanned: vectorReceipt.tenantsScanned,
      verified: true,
    });
  }

  const vectorOptions = (options: RagLifecycleOptions, before?: number) => ({
    ...(options.actor !== undefined ? { actor: options.actor } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(before !== undefined ? { before } : {}),
  });

  // Threads are cut off by the caller's `before` only: without it every thread goes (the thread
  // store's clock need not agree with this process's).
  const threadCutoff = (options: RagLifecycleOptions) =>
    options.before !== undefined ? { before: options.before } : {};

  async function eraseTenant(
    tenant: Tenant,
    options: RagLifecycleOptions = {},
  ): Promise<RagErasureReceipt> {
    const key = tenantKey(tenant);
    erasedTenants.set(key, Date.now() + tombstoneMs);
    const v = await vectors.eraseTenant(tenant, vectorOptions(options));
    const d = await eraseVerified(
      `tenant ${key}'s documents`,
      () => documents.eraseTenant({ tenantKey: key }),
      docCount,
    );
    const t = threads
      ? await eraseVerified(
          `tenant ${key}'s threads`,
          () => threads.eraseTenant({ tenantKey: key }),
          threadCount,
        )
      : null;
    const a = isAuditLog(audit)
      ? await eraseVerified(
          `tenant ${key}'s audit trail`,
          () => audit.eraseTenant({ tenantKey: key }),
          (n) => n,
        )
      : null;
    return receipt(v, d, t, a);
  }

  async function eraseUser(
    userId: string,
    options: RagLifecycleOptions = {},
  ): Promise<RagErasureReceipt> {
    checkUserId(userId);
    const personal = tenantKey({ kind: 'user', id: userId });
    const before = options.before ?? Date.now();
    erasedUsers.set(userId, Date.now() + tombstoneMs);
    const v = await vectors.eraseUser(userId, vectorOptions(options, before));
    const whole = await eraseVerified(
      `user ${userId}'s personal documents`,
      () => documents.eraseTenant({ tenantKey: personal }),
      docCount,
    );
    const privateDocs = await eraseVerified(
      `user ${userId}'s private documents`,
      () => documents.erasePrivate(userId, { before }),
      docCount,
    );
    let t: ThreadErasure | null = null;
    if (threads) {
      const own = await eraseVerified(
        `user ${userId}'s threads`,
        // The same cutoff on the follow-up pass: threads created after it are not "left behind".
        () => threads.eraseUser(userId, threadCutoff(options)),
        threadCount,
      );
      const rest = await eraseVerified(
        `user ${userId}'s personal threads`,
        () => threads.eraseTenant({ tenantKey: personal }),
        threadCount,
      );
      t = { threads: own.threads + rest.threads, messages: own.messages + rest.messages };
    }
    const a = isAuditLog(audit)
      ? await eraseVerified(
          `user ${userId}'s personal audit trail`,
          () => audit.eraseTenant({ tenantKey: personal }),
          (n) => n,
        )
      : null;
    return receipt(v, sumDocs([whole, privateDocs]), t, a);
  }

  async function eraseMember(
    userId: string,
    orgId: string,
    options: RagLifecycleOptions = {},
  ): Promise<RagErasureReceipt> {
    checkUserId(userId);
    const key = tenantKey({ kind: 'org', id: orgId });
    const before = options.before ?? Date.now();
    const v = await vectors.eraseMember(userId, orgId, vectorOptions(options, before));
    const d = await eraseVerified(
      `member ${userId}'s private documents in ${key}`,
      () => documents.erasePrivate(userId, { tenantKey: key, before }),
      docCount,
    );
    const t = threads
      ? await eraseVerified(
          `member ${userId}'s threads in ${key}`,
          () => threads.eraseUser(userId, { tenantKey: key, ...threadCutoff(options) }),
          threadCount,
        )
      : null;
    return receipt(v, d, t, null);
  }

  // The sweep: owners of unfinished documents, each reconciled in a scope minted for them (their
  // own documents are always theirs to change). A scope whose tenant is not the document's (a
  // custom policy maps the owner elsewhere) is reported, never used.
  async function sweep(options: SweepOptions = {}): Promise<SweepReport> {
    const { identityFor, ...reconcileOptions } = options;
    if (!documents.listUnfinished) {
      throw new UnsupportedError(
        'This DocumentStore cannot list unfinished documents across tenants (no listUnfinished): call rag.reconcile(scope) per tenant instead.',
      );
    }
    const owners = new Map<string, { tenantKey: string; userId: string }>();
    let cursor: string | null = null;
    do {
      const page = await documents.listUnfinished({ cursor, limit: 100 });
      for (const doc of page.items) {
        owners.set(`${doc.tenantKey}\u0000${doc.ownerId}`, {
          tenantKey: doc.tenantKey,
          userId: doc.ownerId,
        });
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    const reconciled: SweepReport['reconciled'][number][] = [];
    const failed: SweepReport['failed'][number][] = [];
    for (const { tenantKey: key, userId } of owners.values()) {
      try {
        const tenant = parseTenantKey(key);
        const identity = identityFor
          ? await identityFor({ tenant, tenantKey: key, userId })
          : createIdentity({ userId, orgId: tenant.kind === 'org' ? tenant.id : null });
        const scope = policy.scopeFor(identity);
        if (scope.tenantKey !== key) {
          throw new UnsupportedError(
            `Policy "${policy.name}" maps the owner to tenant ${scope.tenantKey}, not ${key}: reconcile this tenant with rag.reconcile(scope).`,
          );
        }
        const report = await forScope(scope).reconcile({ ...reconcileOptions, scanVectors: false });
        reconciled.push({ tenantKey: key, userId, report });
      } catch (error) {
        failed.push({
          tenantKey: key,
          userId,
          code: ScopedRagError.isInstance(error) ? error.code : 'UNKNOWN',
          message: messageOf(error),
        });
      }
    }
    return { reconciled, failed };
  }

  return Object.freeze({
    policy,
    vectors,
    documents,
    forScope,
    forIdentity: (identity: Identity) => forScope(policy.scopeFor(identity)),
    async forRequest(request: Credential) {
      if (!resolver) {
        throw new UnauthenticatedError(
          'createRag was given no resolver, so requests cannot be authenticated: pass `resolver` (e.g. createClerkResolver from @scoped-rag/clerk), or call rag.forScope(scope) with a scope you resolved yourself.',
        );
      }
      const identity = await resolver.resolve(request);
      return forScope(policy.scopeFor(identity));
    },
    reconcile: ((scope: Scope | undefined, options?: SweepOptions) =>
      scope === undefined
        ? sweep(options)
        : forScope(scope).reconcile(options)) as Rag<Credential>['reconcile'],
    eraseTenant,
    eraseUser,
    eraseMember,
  });
}
