// ThreadStore over Prisma Client: threads are their owner's alone, inside the tenant.
import {
  ConflictError,
  checkId,
  checkUserId,
  decodeCursor,
  eraseCutoff,
  InvalidInputError,
  keysetPage,
  type MessageRole,
  type Metadata,
  messageIdTaken,
  pageLimit,
  type ScopeAccess,
  scopeAccess,
  THREAD_LIMITS,
  type Thread,
  type ThreadMessage,
  type ThreadStore,
  threadNotFound,
  validateMessages,
  validateThreadInput,
} from '@scoped-rag/core';
import type { MessageRow, PrismaTransactionOptions, ThreadRow } from './client.js';
import {
  asLifecycle,
  checkClient,
  fromDbUser,
  inScope,
  monotonicClock,
  type TransactionRunner,
  toDbUser,
} from './tenant-tx.js';

export interface PrismaThreadStoreOptions {
  /** A Prisma Client whose schema includes prisma/scoped-rag.prisma and whose database has its migrations. */
  readonly prisma: unknown;
  /** Options of every interactive transaction (`maxWait`, `timeout`). */
  readonly transactionOptions?: PrismaTransactionOptions;
  /** Clock (ms since the epoch), for tests. */
  readonly now?: () => number;
}

function toThread(row: ThreadRow): Thread {
  return Object.freeze({
    id: row.id,
    tenantKey: row.tenantKey,
    ownerId: fromDbUser(row.ownerId),
    title: row.title,
    archived: row.archived,
    metadata: Object.freeze(row.metadata as Metadata),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });
}

function toMessage(row: MessageRow): ThreadMessage {
  return Object.freeze({
    id: row.id,
    threadId: row.threadId,
    seq: row.seq,
    role: row.role as MessageRole,
    content: row.content,
    metadata: Object.freeze(row.metadata as Metadata),
    createdAt: row.createdAt.toISOString(),
  });
}

/** The scope's own threads (a Prisma where). */
const mine = (access: ScopeAccess) => ({
  tenantKey: access.tenantKey,
  ownerId: toDbUser(access.userId),
});

/** A ThreadStore on the `scoped_rag_threads` and `scoped_rag_messages` tables. */
export function createPrismaThreadStore(options: PrismaThreadStoreOptions): ThreadStore {
  const runner: TransactionRunner = {
    client: checkClient(options?.prisma, 'createPrismaThreadStore'),
    options: options.transactionOptions,
  };
  const tick = monotonicClock(options.now);

  return {
    specificationVersion: 'v1',

    async createThread(scope, input = {}) {
      const access = scopeAccess(scope);
      const valid = validateThreadInput(input, 'createThread');
      const id =
        input.id === undefined
          ? crypto.randomUUID()
          : checkId(input.id, 'A thread id', THREAD_LIMITS.maxIdLength);
      return inScope(runner, access, 'createThread', async (tx) => {
        const at = tick();
        const [row] = await tx.scopedRagThread.createManyAndReturn({
          data: [
            {
              ...mine(access),
              id,
              title: valid.title ?? null,
              archived: false,
              metadata: valid.metadata ?? {},
              createdAt: at,
              updatedAt: at,
            },
          ],
          skipDuplicates: true,
        });
        if (!row) {
          throw new ConflictError(`Thread id "${id}" is already taken in this tenant.`, {
            details: { id },
          });
        }
        return toThread(row);
      });
    },

    async getThread(scope, id) {
      const access = scopeAccess(scope);
      checkId(id, 'A thread id', THREAD_LIMITS.maxIdLength);
      return inScope(runner, access, 'getThread', async (tx) => {
        const row = await tx.scopedRagThread.findFirst({ where: { ...mine(access), id } });
        return row ? toThread(row) : null;
      });
    },

    async listThreads(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      const archived = request.archived ?? false;
      if (typeof archived !== 'boolean') throw new InvalidInputError('archived must be a boolean.');
      const after = decodeCursor(request.cursor, ['n', 's'] as const);
      return inScope(runner, access, 'listThreads', async (tx) => {
        const updatedAt = after ? new Date(after[0]) : undefined;
        const rows = await tx.scopedRagThread.findMany({
          where: {
            ...mine(access),
            archived,
            ...(after
              ? { OR: [{ updatedAt: { lt: updatedAt } }, { updatedAt, id: { lt: after[1] } }] }
              : {}),
          },
          orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
          take: limit + 1,
        });
        return keysetPage(rows, limit, (row) => [row.updatedAt.getTime(), row.id], toThread);
      });
    },

    async updateThread(scope, id, input) {
      const access = scopeAccess(scope);
      checkId(id, 'A thread id', THREAD_LIMITS.maxIdLength);
      const valid = validateThreadInput(input, 'updateThread');
      return inScope(runner, access, 'updateThread', async (tx) => {
        const [row] = await tx.scopedRagThread.updateManyAndReturn({
          where: { ...mine(access), id },
          data: {
            ...(valid.title === undefined ? {} : { title: valid.title }),
            ...(valid.archived === undefined ? {} : { archived: valid.archived }),
            ...(valid.metadata === undefined ? {} : { metadata: valid.metadata }),
            updatedAt: tick(),
          },
        });
        if (!row) throw threadNotFound(id);
        return toThread(row);
      });
    },

    async deleteThread(scope, id) {
      const access = scopeAccess(scope);
      checkId(id, 'A thread id', THREAD_LIMITS.maxIdLength);
      return inScope(runner, access, 'deleteThread', async (tx) => {
        const deleted = await tx.scopedRagThread.deleteMany({ where: { ...mine(access), id } });
        return deleted.count > 0;
      });
    },

    async appendMessages(scope, threadId, input) {
      const access = scopeAccess(scope);
      checkId(threadId, 'A thread id', THREAD_LIMITS.maxIdLength);
      const valid = validateMessages(input);
      return inScope(runner, access, 'appendMessages', async (tx) => {
        // Touching the thread first takes its row lock: concurrent appends are ordered, so seq
        // numbers never collide.
        const at = tick();
        const touched = await tx.scopedRagThread.updateMany({
          where: { ...mine(access), id: threadId },
          data: { updatedAt: at },
        });
        if (touched.count === 0) throw threadNotFound(threadId);
        const inThread = { tenantKey: access.tenantKey, threadId };
        const taken = await tx.scopedRagMessage.findFirst({
          where: { ...inThread, id: { in: valid.map((message) => message.id) } },
          select: { id: true },
        });
        if (taken) throw messageIdTaken(threadId, taken.id);
        const last = await tx.scopedRagMessage.findFirst({
          where: inThread,
          orderBy: { seq: 'desc' },
          select: { seq: true },
        });
        const rows = await tx.scopedRagMessage.createManyAndReturn({
          data: valid.map((message, i) => ({
            ...inThread,
            seq: (last?.seq ?? 0) + i + 1,
            id: message.id,
            role: message.role,
            content: message.content,
            metadata: message.metadata,
            createdAt: at,
          })),
        });
        await tx.scopedRagThread.updateMany({
          where: { ...mine(access), id: threadId },
          data: { updatedAt: tick() },
        });
        return rows.sort((a, b) => a.seq - b.seq).map(toMessage);
      });
    },

    async listMessages(scope, threadId, request = {}) {
      const access = scopeAccess(scope);
      checkId(threadId, 'A thread id', THREAD_LIMITS.maxIdLength);
      const limit = pageLimit(request.limit, 50);
      const after = decodeCursor(request.cursor, ['n'] as const);
      return inScope(runner, access, 'listMessages', async (tx) => {
        const own = await tx.scopedRagThread.findFirst({
          where: { ...mine(access), id: threadId },
          select: { id: true },
        });
        if (!own) throw threadNotFound(threadId);
        const rows = await tx.scopedRagMessage.findMany({
          where: {
            tenantKey: access.tenantKey,
            threadId,
            ...(after ? { seq: { gt: after[0] } } : {}),
          },
          orderBy: { seq: 'asc' },
          take: limit + 1,
        });
        return keysetPage(rows, limit, (row) => [row.seq], toMessage);
      });
    },

    async eraseTenant(tenant) {
      const key = checkId(tenant?.tenantKey, 'A tenant key', 256);
      return asLifecycle(runner, 'eraseTenant', async (tx) => {
        const messages = await tx.scopedRagMessage.deleteMany({ where: { tenantKey: key } });
        const threads = await tx.scopedRagThread.deleteMany({ where: { tenantKey: key } });
        return { threads: threads.count, messages: messages.count };
      });
    },

    async eraseUser(userId, eraseOptions = {}) {
      checkUserId(userId);
      const tenantKey =
        eraseOptions.tenantKey === undefined
          ? undefined
          : checkId(eraseOptions.tenantKey, 'A tenant key', 256);
      const before = eraseCutoff(eraseOptions.before);
      return asLifecycle(runner, 'eraseUser', async (tx) => {
        const theirs = {
          ownerId: toDbUser(userId),
          ...(tenantKey === undefined ? {} : { tenantKey }),
          ...(before === undefined ? {} : { createdAt: { lte: before } }),
        };
        const messages = await tx.scopedRagMessage.deleteMany({ where: { thread: theirs } });
        const threads = await tx.scopedRagThread.deleteMany({ where: theirs });
        return { threads: threads.count, messages: messages.count };
      });
    },
  };
}
