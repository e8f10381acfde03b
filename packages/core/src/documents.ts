// The DocumentStore port: documents (with their indexing state) and their chunks' text, by scope.
// The vector store holds embeddings; this holds what they were made from, so retrieval can hydrate
// chunk text and a half-finished ingest or delete is visible and can be finished (`state`).
import {
  checkId,
  checkUserId,
  parseStoredMetadata,
  rejectNul,
  type ScopeAccess,
  scopeAccess,
} from './access.js';
import { ConflictError, InvalidInputError, NotFoundError } from './errors.js';
import type { Metadata } from './metadata.js';
import { decodeCursor, keysetPage, type Page, type PageRequest, pageLimit } from './pagination.js';
import type { Visibility } from './policy.js';
import type { Scope } from './scope.js';

/**
 * Where a document is in its life. `pending`: written or being (re)indexed, its vectors may be
 * incomplete. `indexed`: every chunk of `contentHash` is embedded and searchable. `deleting`: its
 * vectors are being removed. `failed`: indexing gave up (see `error`); reconcile retries it.
 * A deleted document has no row at all.
 */
export type DocumentState = 'pending' | 'indexed' | 'deleting' | 'failed';
export const DOCUMENT_STATES: readonly DocumentState[] = Object.freeze([
  'pending',
  'indexed',
  'deleting',
  'failed',
]);

export interface StoredDocument {
  readonly id: string;
  readonly tenantKey: string;
  /** The user who created it; stays when another member changes it. */
  readonly ownerId: string;
  readonly visibility: Visibility;
  readonly state: DocumentState;
  /** Hash of the indexed content (and of how it was chunked and embedded). */
  readonly contentHash: string;
  readonly title: string | null;
  /** Where it came from (a URL, a file name). */
  readonly source: string | null;
  readonly metadata: Metadata;
  readonly chunkCount: number;
  /** Why indexing failed, for `failed`. */
  readonly error: string | null;
  /** Increases by one on every change: pass it as `expectedRevision` to change the row. */
  readonly revision: number;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DocumentWrite {
  readonly id: string;
  readonly state: DocumentState;
  readonly contentHash: string;
  /** Default: the policy's default for the scope on create; unchanged on replace. */
  readonly visibility?: Visibility;
  readonly title?: string | null;
  readonly source?: string | null;
  readonly metadata?: Metadata;
  readonly chunkCount?: number;
  readonly error?: string | null;
}

export interface PutDocumentOptions {
  /**
   * Compare-and-set: `null` creates the document (ConflictError if it exists); a number replaces
   * the document only if its revision is still that number (ConflictError if not, NotFoundError
   * if it is gone or not visible to the scope).
   */
  readonly expectedRevision: number | null;
}

export interface StoredChunk {
  readonly documentId: string;
  /** Which content the chunk belongs to (the document's `contentHash` when it was written). */
  readonly generation: string;
  /** 0-based order within the generation. */
  readonly position: number;
  readonly text: string;
  /** Id of its vector in the scoped vector store; unique within the tenant. */
  readonly vectorId: string;
}

export interface ChunkWrite {
  readonly position: number;
  readonly text: string;
  readonly vectorId: string;
}

export interface ListDocumentsRequest extends PageRequest {
  /** Only documents in these states. Default: all. */
  readonly states?: readonly DocumentState[];
}

/** A document that is not `indexed`, as the lifecycle sweep (`listUnfinished`) reports it. */
export interface UnfinishedDocument {
  readonly tenantKey: string;
  readonly id: string;
  readonly ownerId: string;
  readonly state: Exclude<DocumentState, 'indexed'>;
}

export interface DocumentErasure {
  readonly documents: number;
  readonly chunks: number;
}

/**
 * Every method takes a Scope and can read or change only rows of the scope's tenant that its
 * access rules allow (`scopeAccess`): documents are readable by their owner or, when org-visible,
 * by every member; ids are per tenant, so two tenants' `doc-1` are two documents.
 * The lifecycle methods (`erase*`) take no Scope: call them from a verified lifecycle source only.
 */
export interface DocumentStore {
  readonly specificationVersion: 'v1';
  putDocument(
    scope: Scope,
    document: DocumentWrite,
    options: PutDocumentOptions,
  ): Promise<StoredDocument>;
  /** The document, or null when it does not exist or the scope may not read it. */
  getDocument(scope: Scope, id: string): Promise<StoredDocument | null>;
  /** Newest first (by creation, then id). */
  listDocuments(scope: Scope, request?: ListDocumentsRequest): Promise<Page<StoredDocument>>;
  /** Deletes the document and all its chunks. False when there was nothing the scope could delete. */
  deleteDocument(
    scope: Scope,
    id: string,
    options?: { readonly expectedRevision?: number },
  ): Promise<boolean>;
  /** Replaces the chunks of one generation of a document the scope may change. */
  putChunks(
    scope: Scope,
    documentId: string,
    generation: string,
    chunks: readonly ChunkWrite[],
  ): Promise<void>;
  /** Every chunk of a readable document, all generations, ordered by generation then position. */
  listChunks(scope: Scope, documentId: string): Promise<StoredChunk[]>;
  /** The chunks with these vector ids, of documents the scope may read; unknown ids are skipped. */
  getChunks(scope: Scope, vectorIds: readonly string[]): Promise<StoredChunk[]>;
  /** Deletes the chunks of these generations of a document the scope may change; returns how many. */
  deleteChunks(scope: Scope, documentId: string, generations: readonly string[]): Promise<number>;
  /** Lifecycle: deletes every document and chunk of a tenant. */
  eraseTenant(tenant: { readonly tenantKey: string }): Promise<DocumentErasure>;
  /**
   * Lifecycle (optional): the documents of every tenant that are pending, deleting or failed,
   * ordered by tenant key then id, for a reconcile sweep (`rag.reconcile()` with no scope).
   */
  listUnfinished?(request?: PageRequest): Promise<Page<UnfinishedDocument>>;
  /**
   * Lifecycle: deletes the private documents (and their chunks) a user owns, in one tenant or in
   * all, last written at or before `before` (ms since the epoch; default now), so a late retry of
   * the event spares what the user wrote after re-joining. Org-visible ones stay.
   */
  erasePrivate(
    userId: string,
    options?: { readonly tenantKey?: string; readonly before?: number },
  ): Promise<DocumentErasure>;
}

export const DOCUMENT_LIMITS = Object.freeze({
  maxIdLength: 200,
  maxHashLength: 128,
  maxTitleLength: 1_000,
  maxSourceLength: 2_048,
  maxErrorLength: 2_000,
  maxChunkChars: 100_000,
  maxChunksPerCall: 1_000,
  maxIdsPerCall: 1_000,
});

/** @internal Validated fields of a write, shared by every adapter through `validateDocumentWrite`. */
export interface ValidDocumentWrite {
  readonly id: string;
  readonly state: DocumentState;
  readonly contentHash: string;
  readonly visibility: Visibility | undefined;
  readonly title: string | null | undefined;
  readonly source: string | null | undefined;
  readonly metadata: Metadata | undefined;
  readonly chunkCount: number | undefined;
  readonly error: string | null | undefined;
}

function optionalText(value: unknown, what: string, max: number): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || value.length > max) {
    throw new InvalidInputError(`${what} must be a string of at most ${max} characters or null.`);
  }
  return rejectNul(value, what);
}

/** Validates a DocumentWrite (for adapter authors: call it first, then apply the result). */
export function validateDocumentWrite(input: DocumentWrite): ValidDocumentWrite {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidInputError(
      'A document write must be an object with id, state and contentHash.',
    );
  }
  const id = checkId(input.id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
  if (!DOCUMENT_STATES.includes(input.state)) {
    throw new InvalidInputError(
      `Document state must be one of ${DOCUMENT_STATES.join(', ')}, got ${JSON.stringify(input.state)}.`,
    );
  }
  const contentHash = checkId(input.contentHash, 'contentHash', DOCUMENT_LIMITS.maxHashLength);
  if (
    input.visibility !== undefined &&
    input.visibility !== 'private' &&
    input.visibility !== 'org'
  ) {
    throw new InvalidInputError(
      `Visibility must be "private" or "org", got ${JSON.stringify(input.visibility)}.`,
    );
  }
  if (
    input.chunkCount !== undefined &&
    (!Number.isSafeInteger(input.chunkCount) || input.chunkCount < 0)
  ) {
    throw new InvalidInputError(
      `chunkCount must be a non-negative integer, got ${input.chunkCount}.`,
    );
  }
  return {
    id,
    state: input.state,
    contentHash,
    visibility: input.visibility,
    title: optionalText(input.title, 'title', DOCUMENT_LIMITS.maxTitleLength),
    source: optionalText(input.source, 'source', DOCUMENT_LIMITS.maxSourceLength),
    metadata:
      input.metadata === undefined
        ? undefined
        : parseStoredMetadata(input.metadata, `document "${id}"`),
    chunkCount: input.chunkCount,
    error: optionalText(input.error, 'error', DOCUMENT_LIMITS.maxErrorLength),
  };
}

/** Validates the chunks of one putChunks call (for adapter authors). */
export function validateChunks(
  documentId: string,
  generation: string,
  chunks: readonly ChunkWrite[],
): void {
  checkId(documentId, 'A document id', DOCUMENT_LIMITS.maxIdLength);
  checkId(generation, 'A chunk generation', DOCUMENT_LIMITS.maxHashLength);
  if (!Array.isArray(chunks) || chunks.length > DOCUMENT_LIMITS.maxChunksPerCall) {
    throw new InvalidInputError(
      `putChunks takes an array of at most ${DOCUMENT_LIMITS.maxChunksPerCall} chunks.`,
    );
  }
  const positions = new Set<number>();
  const vectorIds = new Set<string>();
  chunks.forEach((chunk, i) => {
    if (!Number.isSafeInteger(chunk?.position) || chunk.position < 0) {
      throw new InvalidInputError(`chunks[${i}].position must be a non-negative integer.`);
    }
    if (typeof chunk.text !== 'string' || chunk.text.length > DOCUMENT_LIMITS.maxChunkChars) {
      throw new InvalidInputError(
        `chunks[${i}].text must be a string of at most ${DOCUMENT_LIMITS.maxChunkChars} characters.`,
      );
    }
    rejectNul(chunk.text, `chunks[${i}].text`);
    checkId(chunk.vectorId, `chunks[${i}].vectorId`, 512);
    if (positions.has(chunk.position) || vectorIds.has(chunk.vectorId)) {
      throw new InvalidInputError(
        `chunks[${i}] repeats a position or vectorId of an earlier chunk in the same call.`,
      );
    }
    positions.add(chunk.position);
    vectorIds.add(chunk.vectorId);
  });
}

/** Validates the generations of a deleteChunks call (for adapter authors). */
export function validateGenerations(generations: readonly string[]): void {
  if (!Array.isArray(generations) || generations.length > DOCUMENT_LIMITS.maxIdsPerCall) {
    throw new InvalidInputError(
      `generations must be an array of at most ${DOCUMENT_LIMITS.maxIdsPerCall} strings.`,
    );
  }
  for (const generation of generations)
    checkId(generation, 'A chunk generation', DOCUMENT_LIMITS.maxHashLength);
}

/** Validates vector ids of a getChunks call (for adapter authors). */
export function validateVectorIds(vectorIds: readonly string[]): void {
  if (!Array.isArray(vectorIds) || vectorIds.length > DOCUMENT_LIMITS.maxIdsPerCall) {
    throw new InvalidInputError(
      `getChunks takes an array of at most ${DOCUMENT_LIMITS.maxIdsPerCall} vector ids.`,
    );
  }
  vectorIds.forEach((id, i) => {
    checkId(id, `vectorIds[${i}]`, 512);
  });
}

/** Validates a states filter (for adapter authors). */
export function validateStates(states: readonly DocumentState[] | undefined): void {
  if (states === undefined) return;
  if (!Array.isArray(states) || states.some((state) => !DOCUMENT_STATES.includes(state))) {
    throw new InvalidInputError(`states must be a list of ${DOCUMENT_STATES.join(', ')}.`);
  }
}

/** The error for a compare-and-set that lost. */
export function revisionConflict(id: string, expected: number | null, actual: number): Error {
  return new ConflictError(
    expected === null
      ? `Document "${id}" already exists (revision ${actual}); read it and pass its revision to replace it.`
      : `Document "${id}" changed concurrently: expected revision ${expected}, found ${actual}. Read it again and retry.`,
    { details: { id, expectedRevision: expected, revision: actual } },
  );
}

/** The error for a create whose id is held by a row the scope cannot see (or a concurrent create). */
export function documentIdTaken(id: string): Error {
  return new ConflictError(
    `Document id "${id}" is already taken in this tenant; choose another id.`,
    {
      details: { id },
    },
  );
}

/** Validates putDocument's options (for adapter authors); returns the expected revision. */
export function expectedRevisionOf(options: PutDocumentOptions | undefined): number | null {
  const expected = options?.expectedRevision;
  if (expected !== null && !Number.isSafeInteger(expected)) {
    throw new InvalidInputError(
      'putDocument needs { expectedRevision }: null to create, or the revision you read to replace.',
    );
  }
  return expected ?? null;
}

/** The fields a `putDocument` writes, decided by `planDocumentPut`. */
export interface DocumentPutPlan {
  readonly visibility: Visibility;
  readonly state: DocumentState;
  readonly contentHash: string;
  readonly title: string | null;
  readonly source: string | null;
  readonly metadata: Metadata;
  readonly chunkCount: number;
  readonly error: string | null;
  /** The revision the row gets. */
  readonly revision: number;
}

/**
 * The decision every DocumentStore makes in `putDocument`, for adapter authors: checks the
 * compare-and-set against `existing` (the row as the scope can read it, or null), the scope's
 * right to change it and to write the visibility, and merges the write with the row. Throws
 * ConflictError, NotFoundError, ForbiddenError or ScopeViolationError; an id held by a row the
 * scope cannot see is the adapter's to report (`documentIdTaken`) after this returns.
 */
export function planDocumentPut(
  access: ScopeAccess,
  write: ValidDocumentWrite,
  existing: StoredDocument | null,
  expectedRevision: number | null,
): DocumentPutPlan {
  if (expectedRevision === null) {
    if (existing) throw revisionConflict(write.id, null, existing.revision);
  } else {
    if (!existing || !access.canModify(existing)) throw documentNotFound(write.id);
    if (existing.revision !== expectedRevision) {
      throw revisionConflict(write.id, expectedRevision, existing.revision);
    }
  }
  const visibility = write.visibility ?? existing?.visibility ?? access.defaultVisibility;
  if (!existing || visibility !== existing.visibility) access.assertCanWrite(visibility);
  return {
    visibility,
    state: write.state,
    contentHash: write.contentHash,
    title: write.title === undefined ? (existing?.title ?? null) : write.title,
    source: write.source === undefined ? (existing?.source ?? null) : write.source,
    metadata: write.metadata ?? existing?.metadata ?? Object.freeze({}),
    chunkCount: write.chunkCount ?? existing?.chunkCount ?? 0,
    error: write.error === undefined ? (existing?.error ?? null) : write.error,
    revision: (existing?.revision ?? 0) + 1,
  };
}

/** The error for a change to a document that is absent or not the scope's to change. */
export function documentNotFound(id: string): Error {
  return new NotFoundError(
    `Document "${id}" does not exist in this scope, or this user may not change it.`,
    { details: { id } },
  );
}

export interface MemoryDocumentStoreOptions {
  /** Clock, for tests. */
  now?: () => number;
}

interface DocRow {
  doc: StoredDocument;
  createdMs: number;
  updatedMs: number;
  /** generation → chunks by position. */
  chunks: Map<string, StoredChunk[]>;
}

/** An in-memory DocumentStore for tests, demos and the embedded default. */
export function createMemoryDocumentStore(options: MemoryDocumentStoreOptions = {}): DocumentStore {
  const now = options.now ?? Date.now;
  const tenants = new Map<string, Map<string, DocRow>>();
  /** tenantKey → vectorId → [documentId, generation]. */
  const vectorOwners = new Map<string, Map<string, readonly [string, string]>>();
  let lastMs = 0;
  // Timestamps never go backwards, so creation order is stable even when the clock is coarse.
  const tick = () => {
    lastMs = Math.max(lastMs, now());
    return lastMs;
  };

  const rowsOf = (tenantKey: string) => {
    let rows = tenants.get(tenantKey);
    if (!rows) {
      rows = new Map();
      tenants.set(tenantKey, rows);
    }
    return rows;
  };
  const vectorsOf = (tenantKey: string) => {
    let owners = vectorOwners.get(tenantKey);
    if (!owners) {
      owners = new Map();
      vectorOwners.set(tenantKey, owners);
    }
    return owners;
  };

  function dropChunks(tenantKey: string, row: DocRow, generations?: readonly string[]): number {
    const owners = vectorsOf(tenantKey);
    let count = 0;
    for (const [generation, chunks] of row.chunks) {
      if (generations && !generations.includes(generation)) continue;
      for (const chunk of chunks) owners.delete(chunk.vectorId);
      count += chunks.length;
      row.chunks.delete(generation);
    }
    return count;
  }

  function modifiable(scope: Scope, id: string): DocRow {
    const access = scopeAccess(scope);
    const row = tenants.get(access.tenantKey)?.get(id);
    if (!row || !access.canModify(row.doc)) throw documentNotFound(id);
    return row;
  }

  return {
    specificationVersion: 'v1',

    async putDocument(scope, input, putOptions) {
      const access = scopeAccess(scope);
      const write = validateDocumentWrite(input);
      const expected = expectedRevisionOf(putOptions);
      const rows = rowsOf(access.tenantKey);
      const stored = rows.get(write.id);
      // Another member's private document is invisible: as if absent, except that its id is taken.
      const existing = stored && access.canRead(stored.doc) ? stored : undefined;
      const plan = planDocumentPut(access, write, existing?.doc ?? null, expected);
      if (stored && !existing) throw documentIdTaken(write.id);
      const at = tick();
      const doc: StoredDocument = Object.freeze({
        id: write.id,
        tenantKey: access.tenantKey,
        ownerId: existing?.doc.ownerId ?? access.userId,
        ...plan,
        createdAt: existing?.doc.createdAt ?? new Date(at).toISOString(),
        updatedAt: new Date(at).toISOString(),
      });
      if (existing) {
        existing.doc = doc;
        existing.updatedMs = at;
      } else rows.set(write.id, { doc, createdMs: at, updatedMs: at, chunks: new Map() });
      return doc;
    },

    async getDocument(scope, id) {
      const access = scopeAccess(scope);
      checkId(id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      const row = tenants.get(access.tenantKey)?.get(id);
      return row && access.canRead(row.doc) ? row.doc : null;
    },

    async listDocuments(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      validateStates(request.states);
      const after = decodeCursor(request.cursor, ['n', 's'] as const);
      const visible = [...(tenants.get(access.tenantKey)?.values() ?? [])]
        .filter(
          (row) =>
            access.canRead(row.doc) &&
            (request.states === undefined || request.states.includes(row.doc.state)),
        )
        // Newest first: creation time descending, then id descending.
        .sort((a, b) => b.createdMs - a.createdMs || (a.doc.id < b.doc.id ? 1 : -1))
        .filter(
          (row) =>
            after === null ||
            row.createdMs < after[0] ||
            (row.createdMs === after[0] && row.doc.id < after[1]),
        );
      return keysetPage(
        visible,
        limit,
        (row) => [row.createdMs, row.doc.id],
        (row) => row.doc,
      );
    },

    async deleteDocument(scope, id, deleteOptions = {}) {
      const access = scopeAccess(scope);
      checkId(id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      const rows = tenants.get(access.tenantKey);
      const row = rows?.get(id);
      if (!row || !access.canModify(row.doc)) return false;
      const expected = deleteOptions.expectedRevision;
      if (expected !== undefined && row.doc.revision !== expected) {
        throw revisionConflict(id, expected, row.doc.revision);
      }
      dropChunks(access.tenantKey, row);
      rows!.delete(id);
      return true;
    },

    async putChunks(scope, documentId, generation, chunks) {
      const access = scopeAccess(scope);
      validateChunks(documentId, generation, chunks);
      const row = modifiable(scope, documentId);
      const owners = vectorsOf(access.tenantKey);
      for (const chunk of chunks) {
        const owner = owners.get(chunk.vectorId);
        if (owner && (owner[0] !== documentId || owner[1] !== generation)) {
          throw new ConflictError(
            `Vector id "${chunk.vectorId}" already belongs to another document or generation in this tenant; vector ids must be unique per tenant.`,
            { details: { vectorId: chunk.vectorId } },
          );
        }
      }
      dropChunks(access.tenantKey, row, [generation]);
      const stored = chunks
        .map((chunk) =>
          Object.freeze({
            documentId,
            generation,
            position: chunk.position,
            text: chunk.text,
            vectorId: chunk.vectorId,
          }),
        )
        .sort((a, b) => a.position - b.position);
      row.chunks.set(generation, stored);
      for (const chunk of stored) owners.set(chunk.vectorId, [documentId, generation]);
    },

    async listChunks(scope, documentId) {
      const access = scopeAccess(scope);
      checkId(documentId, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      const row = tenants.get(access.tenantKey)?.get(documentId);
      if (!row || !access.canRead(row.doc)) return [];
      return [...row.chunks.keys()].sort().flatMap((generation) => row.chunks.get(generation)!);
    },

    async getChunks(scope, vectorIds) {
      const access = scopeAccess(scope);
      validateVectorIds(vectorIds);
      const rows = tenants.get(access.tenantKey);
      const owners = vectorOwners.get(access.tenantKey);
      const out: StoredChunk[] = [];
      for (const vectorId of new Set(vectorIds)) {
        const owner = owners?.get(vectorId);
        const row = owner && rows?.get(owner[0]);
        if (!row || !access.canRead(row.doc)) continue;
        const chunk = row.chunks.get(owner[1])?.find((c) => c.vectorId === vectorId);
        if (chunk) out.push(chunk);
      }
      return out;
    },

    async deleteChunks(scope, documentId, generations) {
      const access = scopeAccess(scope);
      checkId(documentId, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      validateGenerations(generations);
      const row = modifiable(scope, documentId);
      return dropChunks(access.tenantKey, row, generations);
    },

    async listUnfinished(request = {}) {
      const limit = pageLimit(request.limit);
      const after = decodeCursor(request.cursor, ['s', 's'] as const);
      const all: UnfinishedDocument[] = [];
      for (const [tenantKey, rows] of tenants) {
        for (const { doc } of rows.values()) {
          if (doc.state === 'indexed') continue;
          all.push({ tenantKey, id: doc.id, ownerId: doc.ownerId, state: doc.state });
        }
      }
      const ordered = all
        .sort((a, b) =>
          a.tenantKey === b.tenantKey ? (a.id < b.id ? -1 : 1) : a.tenantKey < b.tenantKey ? -1 : 1,
        )
        .filter(
          (d) =>
            after === null ||
            d.tenantKey > after[0] ||
            (d.tenantKey === after[0] && d.id > after[1]),
        );
      return keysetPage(ordered, limit, (row) => [row.tenantKey, row.id]);
    },

    async eraseTenant(tenant) {
      const rows = tenants.get(tenant.tenantKey);
      let chunks = 0;
      for (const row of rows?.values() ?? []) chunks += dropChunks(tenant.tenantKey, row);
      const documents = rows?.size ?? 0;
      tenants.delete(tenant.tenantKey);
      vectorOwners.delete(tenant.tenantKey);
      return { documents, chunks };
    },

    async erasePrivate(userId, eraseOptions = {}) {
      checkUserId(userId);
      const before = eraseOptions.before ?? now();
      let documents = 0;
      let chunks = 0;
      for (const [tenantKey, rows] of tenants) {
        if (eraseOptions.tenantKey !== undefined && tenantKey !== eraseOptions.tenantKey) continue;
        for (const [id, row] of rows) {
          const { doc } = row;
          if (doc.ownerId !== userId || doc.visibility !== 'private' || row.updatedMs > before)
            continue;
          chunks += dropChunks(tenantKey, row);
          rows.delete(id);
          documents += 1;
        }
      }
      return { documents, chunks };
    },
  };
}
