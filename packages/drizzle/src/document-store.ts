// DocumentStore on PostgreSQL through Drizzle. Every method runs in a transaction scoped by the
// row-level-security settings and also filters by tenant and visibility itself: either alone keeps
// tenants apart.
import {
  ConflictError,
  checkId,
  checkUserId,
  DOCUMENT_LIMITS,
  type DocumentState,
  type DocumentStore,
  decodeCursor,
  documentIdTaken,
  documentNotFound,
  expectedRevisionOf,
  InvalidInputError,
  keysetPage,
  pageLimit,
  planDocumentPut,
  revisionConflict,
  type ScopeAccess,
  type StoredChunk,
  type StoredDocument,
  scopeAccess,
  validateChunks,
  validateDocumentWrite,
  validateGenerations,
  validateStates,
  validateVectorIds,
} from '@scoped-rag/core';
import { and, asc, desc, eq, gt, inArray, lt, lte, ne, not, or, type SQL, sql } from 'drizzle-orm';
import { chunks, documents } from './schema.js';
import {
  type AnyPgDatabase,
  type AnyPgTransaction,
  asLifecycle,
  fromDbUser,
  inScope,
  toDbUser,
} from './tenant-db.js';

export interface DrizzleDocumentStoreOptions {
  /** A drizzle PostgreSQL database whose schema has had `migrate()`. */
  readonly db: AnyPgDatabase;
  /** Clock (ms since the epoch), for tests. */
  readonly now?: () => number;
}

type DocumentRow = typeof documents.$inferSelect;

function toDocument(row: DocumentRow): StoredDocument {
  return Object.freeze({
    id: row.id,
    tenantKey: row.tenantKey,
    ownerId: fromDbUser(row.ownerId),
    visibility: row.visibility,
    state: row.state,
    contentHash: row.contentHash,
    title: row.title,
    source: row.source,
    metadata: Object.freeze(row.metadata),
    chunkCount: row.chunkCount,
    error: row.error,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });
}

function toChunk(row: typeof chunks.$inferSelect): StoredChunk {
  return Object.freeze({
    documentId: row.documentId,
    generation: row.generation,
    position: row.position,
    text: row.text,
    vectorId: row.vectorId,
  });
}

/** Who owns a stored row, with its owner id decoded. */
const ownership = (row: DocumentRow) => ({
  ownerId: fromDbUser(row.ownerId),
  visibility: row.visibility,
});

/** The rows of the tenant this scope may read. */
function readable(access: ScopeAccess): SQL {
  return and(
    eq(documents.tenantKey, access.tenantKey),
    or(eq(documents.visibility, 'org'), eq(documents.ownerId, toDbUser(access.userId))),
  )!;
}

/** A monotonic clock: timestamps never go backwards within one store. */
export function monotonicClock(now: () => number = Date.now): () => Date {
  let last = 0;
  return () => {
    last = Math.max(last, Math.floor(now()));
    return new Date(last);
  };
}

/** A DocumentStore on the `scoped_rag_documents` and `scoped_rag_chunks` tables. */
export function createDrizzleDocumentStore(options: DrizzleDocumentStoreOptions): DocumentStore {
  const { db } = options;
  const tick = monotonicClock(options.now);

  async function lockRow(tx: AnyPgTransaction, access: ScopeAccess, id: string) {
    const [row] = await tx
      .select()
      .from(documents)
      .where(and(readable(access), eq(documents.id, id)))
      .for('update');
    return row;
  }

  async function lockModifiable(tx: AnyPgTransaction, access: ScopeAccess, id: string) {
    const row = await lockRow(tx, access, id);
    if (!row || !access.canModify(ownership(row))) throw documentNotFound(id);
    return row;
  }

  return {
    specificationVersion: 'v1',

    async putDocument(scope, input, putOptions) {
      const access = scopeAccess(scope);
      const write = validateDocumentWrite(input);
      const expected = expectedRevisionOf(putOptions);
      return inScope(db, access, 'putDocument', async (tx) => {
        const existing = await lockRow(tx, access, write.id);
        const { revision, ...plan } = planDocumentPut(
          access,
          write,
          existing ? toDocument(existing) : null,
          expected,
        );
        const at = tick();
        const values = { ...plan, updatedAt: at };
        if (!existing) {
          const [row] = await tx
            .insert(documents)
            .values({
              tenantKey: access.tenantKey,
              id: write.id,
              ownerId: toDbUser(access.userId),
              revision,
              createdAt: at,
              ...values,
            })
            .onConflictDoNothing()
            .returning();
          // Taken by a row this scope cannot see (another member's private document) or by a
          // concurrent create: the id is taken either way.
          if (!row) throw documentIdTaken(write.id);
          return toDocument(row);
        }
        const [row] = await tx
          .update(documents)
          .set({ ...values, revision })
          .where(
            and(
              eq(documents.tenantKey, access.tenantKey),
              eq(documents.id, write.id),
              eq(documents.revision, existing.revision),
            ),
          )
          .returning();
        if (!row) throw documentNotFound(write.id);
        return toDocument(row);
      });
    },

    async getDocument(scope, id) {
      const access = scopeAccess(scope);
      checkId(id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      return inScope(db, access, 'getDocument', async (tx) => {
        const [row] = await tx
          .select()
          .from(documents)
          .where(and(readable(access), eq(documents.id, id)));
        return row ? toDocument(row) : null;
      });
    },

    async listDocuments(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      validateStates(request.states);
      const after = decodeCursor(request.cursor, ['n', 's'] as const);
      return inScope(db, access, 'listDocuments', async (tx) => {
        const conditions: (SQL | undefined)[] = [readable(access)];
        if (request.states) conditions.push(inArray(documents.state, [...request.states]));
        if (after) {
          const createdAt = new Date(after[0]);
          conditions.push(
            or(
              lt(documents.createdAt, createdAt),
              and(eq(documents.createdAt, createdAt), lt(documents.id, after[1])),
            ),
          );
        }
        const rows = await tx
          .select()
          .from(documents)
          .where(and(...conditions))
          .orderBy(desc(documents.createdAt), desc(documents.id))
          .limit(limit + 1);
        return keysetPage(rows, limit, (row) => [row.createdAt.getTime(), row.id], toDocument);
      });
    },

    async deleteDocument(scope, id, deleteOptions = {}) {
      const access = scopeAccess(scope);
      checkId(id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      return inScope(db, access, 'deleteDocument', async (tx) => {
        const row = await lockRow(tx, access, id);
        if (!row || !access.canModify(ownership(row))) return false;
        const expected = deleteOptions.expectedRevision;
        if (expected !== undefined && row.revision !== expected) {
          throw revisionConflict(id, expected, row.revision);
        }
        // Chunks go with it (ON DELETE CASCADE).
        await tx
          .delete(documents)
          .where(and(eq(documents.tenantKey, access.tenantKey), eq(documents.id, id)));
        return true;
      });
    },

    async putChunks(scope, documentId, generation, input) {
      const access = scopeAccess(scope);
      validateChunks(documentId, generation, input);
      await inScope(db, access, 'putChunks', async (tx) => {
        await lockModifiable(tx, access, documentId);
        if (input.length > 0) {
          const taken = await tx
            .select({ vectorId: chunks.vectorId })
            .from(chunks)
            .where(
              and(
                eq(chunks.tenantKey, access.tenantKey),
                inArray(
                  chunks.vectorId,
                  input.map((chunk) => chunk.vectorId),
                ),
                not(and(eq(chunks.documentId, documentId), eq(chunks.generation, generation))!),
              ),
            )
            .limit(1);
          if (taken[0]) {
            throw new ConflictError(
              `Vector id "${taken[0].vectorId}" already belongs to another document or generation in this tenant; vector ids must be unique per tenant.`,
              { details: { vectorId: taken[0].vectorId } },
            );
          }
        }
        await tx
          .delete(chunks)
          .where(
            and(
              eq(chunks.tenantKey, access.tenantKey),
              eq(chunks.documentId, documentId),
              eq(chunks.generation, generation),
            ),
          );
        if (input.length > 0) {
          await tx.insert(chunks).values(
            input.map((chunk) => ({
              tenantKey: access.tenantKey,
              documentId,
              generation,
              position: chunk.position,
              text: chunk.text,
              vectorId: chunk.vectorId,
            })),
          );
        }
      });
    },

    async listChunks(scope, documentId) {
      const access = scopeAccess(scope);
      checkId(documentId, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      return inScope(db, access, 'listChunks', async (tx) => {
        const rows = await tx
          .select({ chunk: chunks })
          .from(chunks)
          .innerJoin(
            documents,
            and(eq(documents.tenantKey, chunks.tenantKey), eq(documents.id, chunks.documentId)),
          )
          .where(and(readable(access), eq(chunks.documentId, documentId)))
          .orderBy(asc(chunks.generation), asc(chunks.position));
        return rows.map((row) => toChunk(row.chunk));
      });
    },

    async getChunks(scope, vectorIds) {
      const access = scopeAccess(scope);
      validateVectorIds(vectorIds);
      if (vectorIds.length === 0) return [];
      return inScope(db, access, 'getChunks', async (tx) => {
        const rows = await tx
          .select({ chunk: chunks })
          .from(chunks)
          .innerJoin(
            documents,
            and(eq(documents.tenantKey, chunks.tenantKey), eq(documents.id, chunks.documentId)),
          )
          .where(and(readable(access), inArray(chunks.vectorId, [...new Set(vectorIds)])));
        return rows.map((row) => toChunk(row.chunk));
      });
    },

    async deleteChunks(scope, documentId, generations) {
      const access = scopeAccess(scope);
      checkId(documentId, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      validateGenerations(generations);
      return inScope(db, access, 'deleteChunks', async (tx) => {
        await lockModifiable(tx, access, documentId);
        if (generations.length === 0) return 0;
        const deleted = await tx
          .delete(chunks)
          .where(
            and(
              eq(chunks.tenantKey, access.tenantKey),
              eq(chunks.documentId, documentId),
              inArray(chunks.generation, [...generations]),
            ),
          )
          .returning({ position: chunks.position });
        return deleted.length;
      });
    },

    async listUnfinished(request = {}) {
      const limit = pageLimit(request.limit);
      const after = decodeCursor(request.cursor, ['s', 's'] as const);
      return asLifecycle(db, 'listUnfinished', async (tx) => {
        const rows = await tx
          .select({
            tenantKey: documents.tenantKey,
            id: documents.id,
            ownerId: documents.ownerId,
            state: documents.state,
          })
          .from(documents)
          .where(
            and(
              ne(documents.state, 'indexed'),
              after
                ? or(
                    gt(documents.tenantKey, after[0]),
                    and(eq(documents.tenantKey, after[0]), gt(documents.id, after[1])),
                  )
                : undefined,
            ),
          )
          .orderBy(asc(documents.tenantKey), asc(documents.id))
          .limit(limit + 1);
        return keysetPage(
          rows,
          limit,
          (row) => [row.tenantKey, row.id],
          (row) => ({
            tenantKey: row.tenantKey,
            id: row.id,
            ownerId: fromDbUser(row.ownerId),
            state: row.state as Exclude<DocumentState, 'indexed'>,
          }),
        );
      });
    },

    async eraseTenant(tenant) {
      const key = checkId(tenant?.tenantKey, 'A tenant key', 256);
      return asLifecycle(db, 'eraseTenant', async (tx) => {
        const erasedChunks = await tx
          .delete(chunks)
          .where(eq(chunks.tenantKey, key))
          .returning({ position: chunks.position });
        const erased = await tx
          .delete(documents)
          .where(eq(documents.tenantKey, key))
          .returning({ id: documents.id });
        return { documents: erased.length, chunks: erasedChunks.length };
      });
    },

    async erasePrivate(userId, eraseOptions = {}) {
      checkUserId(userId);
      const before = new Date(eraseOptions.before ?? Date.now());
      if (Number.isNaN(before.getTime())) {
        throw new InvalidInputError('before must be a time in ms since the epoch.');
      }
      const tenantKey =
        eraseOptions.tenantKey === undefined
          ? undefined
          : checkId(eraseOptions.tenantKey, 'A tenant key', 256);
      return asLifecycle(db, 'erasePrivate', async (tx) => {
        const theirs = and(
          eq(documents.ownerId, toDbUser(userId)),
          eq(documents.visibility, 'private'),
          lte(documents.updatedAt, before),
          tenantKey === undefined ? undefined : eq(documents.tenantKey, tenantKey),
        );
        const [counted] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(chunks)
          .innerJoin(
            documents,
            and(eq(documents.tenantKey, chunks.tenantKey), eq(documents.id, chunks.documentId)),
          )
          .where(theirs);
        const erased = await tx.delete(documents).where(theirs).returning({ id: documents.id });
        return { documents: erased.length, chunks: counted?.n ?? 0 };
      });
    },
  };
}
