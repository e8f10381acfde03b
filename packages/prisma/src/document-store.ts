// DocumentStore over Prisma Client. Every method runs in an interactive transaction that first sets
// the row-level-security settings, and also filters by tenant and visibility itself: either alone
// keeps tenants apart.
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
  type Metadata,
  pageLimit,
  planDocumentPut,
  revisionConflict,
  type ScopeAccess,
  type StoredChunk,
  type StoredDocument,
  scopeAccess,
  type Visibility,
  validateChunks,
  validateDocumentWrite,
  validateGenerations,
  validateStates,
  validateVectorIds,
} from '@scoped-rag/core';
import type { ChunkRow, DocumentRow, PrismaTransactionOptions, ScopedRagTx } from './client.js';
import {
  asLifecycle,
  checkClient,
  fromDbUser,
  inScope,
  monotonicClock,
  type TransactionRunner,
  toDbUser,
} from './tenant-tx.js';

export interface PrismaDocumentStoreOptions {
  /** A Prisma Client whose schema includes prisma/scoped-rag.prisma and whose database has its migrations. */
  readonly prisma: unknown;
  /** Options of every interactive transaction (`maxWait`, `timeout`). */
  readonly transactionOptions?: PrismaTransactionOptions;
  /** Clock (ms since the epoch), for tests. */
  readonly now?: () => number;
}

function toDocument(row: DocumentRow): StoredDocument {
  return Object.freeze({
    id: row.id,
    tenantKey: row.tenantKey,
    ownerId: fromDbUser(row.ownerId),
    visibility: row.visibility as Visibility,
    state: row.state as DocumentState,
    contentHash: row.contentHash,
    title: row.title,
    source: row.source,
    metadata: Object.freeze(row.metadata as Metadata),
    chunkCount: row.chunkCount,
    error: row.error,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });
}

function toChunk(row: ChunkRow): StoredChunk {
  return Object.freeze({
    documentId: row.documentId,
    generation: row.generation,
    position: row.position,
    text: row.text,
    vectorId: row.vectorId,
  });
}

const ownership = (row: DocumentRow) => ({
  ownerId: fromDbUser(row.ownerId),
  visibility: row.visibility as Visibility,
});

/** The documents of the tenant this scope may read (a Prisma where). */
const readable = (access: ScopeAccess) => ({
  tenantKey: access.tenantKey,
  OR: [{ visibility: 'org' }, { ownerId: toDbUser(access.userId) }],
});

const CHUNK_ORDER = [{ generation: 'asc' }, { position: 'asc' }] as const;

/** A DocumentStore on the `scoped_rag_documents` and `scoped_rag_chunks` tables. */
export function createPrismaDocumentStore(options: PrismaDocumentStoreOptions): DocumentStore {
  const runner: TransactionRunner = {
    client: checkClient(options?.prisma, 'createPrismaDocumentStore'),
    options: options.transactionOptions,
  };
  const tick = monotonicClock(options.now);

  const find = (tx: ScopedRagTx, access: ScopeAccess, id: string) =>
    tx.scopedRagDocument.findFirst({ where: { ...readable(access), id } });

  async function findModifiable(tx: ScopedRagTx, access: ScopeAccess, id: string) {
    const row = await find(tx, access, id);
    if (!row || !access.canModify(ownership(row))) throw documentNotFound(id);
    return row;
  }

  return {
    specificationVersion: 'v1',

    async putDocument(scope, input, putOptions) {
      const access = scopeAccess(scope);
      const write = validateDocumentWrite(input);
      const expected = expectedRevisionOf(putOptions);
      return inScope(runner, access, 'putDocument', async (tx) => {
        const existing = await find(tx, access, write.id);
        const { revision, ...plan } = planDocumentPut(
          access,
          write,
          existing ? toDocument(existing) : null,
          expected,
        );
        const at = tick();
        const values = { ...plan, updatedAt: at };
        if (!existing) {
          // ON CONFLICT DO NOTHING: the id may be taken by a row this scope cannot see (another
          // member's private document) or by a concurrent create; it is taken either way.
          const [row] = await tx.scopedRagDocument.createManyAndReturn({
            data: [
              {
                tenantKey: access.tenantKey,
                id: write.id,
                ownerId: toDbUser(access.userId),
                revision,
                createdAt: at,
                ...values,
              },
            ],
            skipDuplicates: true,
          });
          if (!row) throw documentIdTaken(write.id);
          return toDocument(row);
        }
        // Compare-and-set on the revision: a concurrent writer that won leaves nothing to update.
        const [row] = await tx.scopedRagDocument.updateManyAndReturn({
          where: { tenantKey: access.tenantKey, id: write.id, revision: existing.revision },
          data: { ...values, revision },
        });
        if (row) return toDocument(row);
        const now = await find(tx, access, write.id);
        if (now && access.canModify(ownership(now))) {
          throw revisionConflict(write.id, expected, now.revision);
        }
        throw documentNotFound(write.id);
      });
    },

    async getDocument(scope, id) {
      const access = scopeAccess(scope);
      checkId(id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      return inScope(runner, access, 'getDocument', async (tx) => {
        const row = await find(tx, access, id);
        return row ? toDocument(row) : null;
      });
    },

    async listDocuments(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      validateStates(request.states);
      const after = decodeCursor(request.cursor, ['n', 's'] as const);
      return inScope(runner, access, 'listDocuments', async (tx) => {
        const conditions: object[] = [readable(access)];
        if (request.states) conditions.push({ state: { in: [...request.states] } });
        if (after) {
          const createdAt = new Date(after[0]);
          conditions.push({
            OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: after[1] } }],
          });
        }
        const rows = await tx.scopedRagDocument.findMany({
          where: { AND: conditions },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: limit + 1,
        });
        return keysetPage(rows, limit, (row) => [row.createdAt.getTime(), row.id], toDocument);
      });
    },

    async deleteDocument(scope, id, deleteOptions = {}) {
      const access = scopeAccess(scope);
      checkId(id, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      return inScope(runner, access, 'deleteDocument', async (tx) => {
        const row = await find(tx, access, id);
        if (!row || !access.canModify(ownership(row))) return false;
        const expected = deleteOptions.expectedRevision;
        if (expected !== undefined && row.revision !== expected) {
          throw revisionConflict(id, expected, row.revision);
        }
        // Chunks go with it (ON DELETE CASCADE). An expected revision guards against a concurrent change.
        const deleted = await tx.scopedRagDocument.deleteMany({
          where: {
            tenantKey: access.tenantKey,
            id,
            ...(expected === undefined ? {} : { revision: expected }),
          },
        });
        if (deleted.count === 0 && expected !== undefined) {
          const now = await find(tx, access, id);
          if (now) throw revisionConflict(id, expected, now.revision);
        }
        return deleted.count > 0;
      });
    },

    async putChunks(scope, documentId, generation, input) {
      const access = scopeAccess(scope);
      validateChunks(documentId, generation, input);
      await inScope(runner, access, 'putChunks', async (tx) => {
        await findModifiable(tx, access, documentId);
        if (input.length > 0) {
          const taken = await tx.scopedRagChunk.findFirst({
            where: {
              tenantKey: access.tenantKey,
              vectorId: { in: input.map((chunk) => chunk.vectorId) },
              NOT: { documentId, generation },
            },
            select: { vectorId: true },
          });
          if (taken) {
            throw new ConflictError(
              `Vector id "${taken.vectorId}" already belongs to another document or generation in this tenant; vector ids must be unique per tenant.`,
              { details: { vectorId: taken.vectorId } },
            );
          }
        }
        await tx.scopedRagChunk.deleteMany({
          where: { tenantKey: access.tenantKey, documentId, generation },
        });
        if (input.length > 0) {
          await tx.scopedRagChunk.createMany({
            data: input.map((chunk) => ({
              tenantKey: access.tenantKey,
              documentId,
              generation,
              position: chunk.position,
              text: chunk.text,
              vectorId: chunk.vectorId,
            })),
          });
        }
      });
    },

    async listChunks(scope, documentId) {
      const access = scopeAccess(scope);
      checkId(documentId, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      return inScope(runner, access, 'listChunks', async (tx) => {
        const rows = await tx.scopedRagChunk.findMany({
          where: { tenantKey: access.tenantKey, documentId, document: readable(access) },
          orderBy: CHUNK_ORDER,
        });
        return rows.map(toChunk);
      });
    },

    async getChunks(scope, vectorIds) {
      const access = scopeAccess(scope);
      validateVectorIds(vectorIds);
      if (vectorIds.length === 0) return [];
      return inScope(runner, access, 'getChunks', async (tx) => {
        const rows = await tx.scopedRagChunk.findMany({
          where: {
            tenantKey: access.tenantKey,
            vectorId: { in: [...new Set(vectorIds)] },
            document: readable(access),
          },
        });
        return rows.map(toChunk);
      });
    },

    async deleteChunks(scope, documentId, generations) {
      const access = scopeAccess(scope);
      checkId(documentId, 'A document id', DOCUMENT_LIMITS.maxIdLength);
      validateGenerations(generations);
      return inScope(runner, access, 'deleteChunks', async (tx) => {
        await findModifiable(tx, access, documentId);
        if (generations.length === 0) return 0;
        const deleted = await tx.scopedRagChunk.deleteMany({
          where: { tenantKey: access.tenantKey, documentId, generation: { in: [...generations] } },
        });
        return deleted.count;
      });
    },

    async eraseTenant(tenant) {
      const key = checkId(tenant?.tenantKey, 'A tenant key', 256);
      return asLifecycle(runner, 'eraseTenant', async (tx) => {
        const chunks = await tx.scopedRagChunk.deleteMany({ where: { tenantKey: key } });
        const documents = await tx.scopedRagDocument.deleteMany({ where: { tenantKey: key } });
        return { documents: documents.count, chunks: chunks.count };
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
      return asLifecycle(runner, 'erasePrivate', async (tx) => {
        const theirs = {
          ownerId: toDbUser(userId),
          visibility: 'private',
          updatedAt: { lte: before },
          ...(tenantKey === undefined ? {} : { tenantKey }),
        };
        const chunks = await tx.scopedRagChunk.deleteMany({ where: { document: theirs } });
        const documents = await tx.scopedRagDocument.deleteMany({ where: theirs });
        return { documents: documents.count, chunks: chunks.count };
      });
    },
  };
}
