// ThreadStore on PostgreSQL through Drizzle: threads are their owner's alone, inside the tenant.
import {
  ConflictError,
  checkId,
  checkUserId,
  decodeCursor,
  eraseCutoff,
  InvalidInputError,
  keysetPage,
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
import { and, asc, desc, eq, gt, inArray, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { monotonicClock } from './document-store.js';
import { messages, threads } from './schema.js';
import {
  type AnyPgDatabase,
  type AnyPgTransaction,
  asLifecycle,
  fromDbUser,
  inScope,
  toDbUser,
} from './tenant-db.js';

export interface DrizzleThreadStoreOptions {
  /** A drizzle PostgreSQL database whose schema has had `migrate()`. */
  readonly db: AnyPgDatabase;
  /** Clock (ms since the epoch), for tests. */
  readonly now?: () => number;
}

function toThread(row: typeof threads.$inferSelect): Thread {
  return Object.freeze({
    id: row.id,
    tenantKey: row.tenantKey,
    ownerId: fromDbUser(row.ownerId),
    title: row.title,
    archived: row.archived,
    metadata: Object.freeze(row.metadata),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });
}

function toMessage(row: typeof messages.$inferSelect): ThreadMessage {
  return Object.freeze({
    id: row.id,
    threadId: row.threadId,
    seq: row.seq,
    role: row.role,
    content: row.content,
    metadata: Object.freeze(row.metadata),
    createdAt: row.createdAt.toISOString(),
  });
}

const mine = (access: ScopeAccess): SQL =>
  and(eq(threads.tenantKey, access.tenantKey), eq(threads.ownerId, toDbUser(access.userId)))!;

/** A ThreadStore on the `scoped_rag_threads` and `scoped_rag_messages` tables. */
export function createDrizzleThreadStore(options: DrizzleThreadStoreOptions): ThreadStore {
  const { db } = options;
  const tick = monotonicClock(options.now);

  async function lockOwn(tx: AnyPgTransaction, access: ScopeAccess, id: string) {
    const [row] = await tx
      .select()
      .from(threads)
      .where(and(mine(access), eq(threads.id, id)))
      .for('update');
    if (!row) throw threadNotFound(id);
    return row;
  }

  return {
    specificationVersion: 'v1',

    async createThread(scope, input = {}) {
      const access = scopeAccess(scope);
      const valid = validateThreadInput(input, 'createThread');
      const id =
        input.id === undefined
          ? crypto.randomUUID()
          : checkId(input.id, 'A thread id', THREAD_LIMITS.maxIdLength);
      return inScope(db, access, 'createThread', async (tx) => {
        const at = tick();
        const [row] = await tx
          .insert(threads)
          .values({
            tenantKey: access.tenantKey,
            id,
            ownerId: toDbUser(access.userId),
            title: valid.title ?? null,
            archived: false,
            metadata: valid.metadata ?? {},
            createdAt: at,
            updatedAt: at,
          })
          .onConflictDoNothing()
          .returning();
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
      return inScope(db, access, 'getThread', async (tx) => {
        const [row] = await tx
          .select()
          .from(threads)
          .where(and(mine(access), eq(threads.id, id)));
        return row ? toThread(row) : null;
      });
    },

    async listThreads(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      const archived = request.archived ?? false;
      if (typeof archived !== 'boolean') throw new InvalidInputError('archived must be a boolean.');
      const after = decodeCursor(request.cursor, ['n', 's'] as const);
      return inScope(db, access, 'listThreads', async (tx) => {
        const conditions: (SQL | undefined)[] = [mine(access), eq(threads.archived, archived)];
        if (after) {
          const updatedAt = new Date(after[0]);
          conditions.push(
            or(
              lt(threads.updatedAt, updatedAt),
              and(eq(threads.updatedAt, updatedAt), lt(threads.id, after[1])),
            ),
          );
        }
        const rows = await tx
          .select()
          .from(threads)
          .where(and(...conditions))
          .orderBy(desc(threads.updatedAt), desc(threads.id))
          .limit(limit + 1);
        return keysetPage(rows, limit, (row) => [row.updatedAt.getTime(), row.id], toThread);
      });
    },

    async updateThread(scope, id, input) {
      const access = scopeAccess(scope);
      checkId(id, 'A thread id', THREAD_LIMITS.maxIdLength);
      const valid = validateThreadInput(input, 'updateThread');
      return inScope(db, access, 'updateThread', async (tx) => {
        await lockOwn(tx, access, id);
        const [row] = await tx
          .update(threads)
          .set({
            ...(valid.title === undefined ? {} : { title: valid.title }),
            ...(valid.archived === undefined ? {} : { archived: valid.archived }),
            ...(valid.metadata === undefined ? {} : { metadata: valid.metadata }),
            updatedAt: tick(),
          })
          .where(and(mine(access), eq(threads.id, id)))
          .returning();
        return toThread(row!);
      });
    },

    async deleteThread(scope, id) {
      const access = scopeAccess(scope);
      checkId(id, 'A thread id', THREAD_LIMITS.maxIdLength);
      return inScope(db, access, 'deleteThread', async (tx) => {
        const deleted = await tx
          .delete(threads)
          .where(and(mine(access), eq(threads.id, id)))
          .returning({ id: threads.id });
        return deleted.length > 0;
      });
    },

    async appendMessages(scope, threadId, input) {
      const access = scopeAccess(scope);
      checkId(threadId, 'A thread id', THREAD_LIMITS.maxIdLength);
      const valid = validateMessages(input);
      return inScope(db, access, 'appendMessages', async (tx) => {
        // The row lock orders concurrent appends: seq numbers never collide.
        await lockOwn(tx, access, threadId);
        const inThread = and(
          eq(messages.tenantKey, access.tenantKey),
          eq(messages.threadId, threadId),
        );
        const [taken] = await tx
          .select({ id: messages.id })
          .from(messages)
          .where(
            and(
              inThread,
              inArray(
                messages.id,
                valid.map((m) => m.id),
              ),
            ),
          )
          .limit(1);
        if (taken) throw messageIdTaken(threadId, taken.id);
        const [last] = await tx
          .select({ seq: sql<number>`coalesce(max(${messages.seq}), 0)::int` })
          .from(messages)
          .where(inThread);
        const at = tick();
        const rows = await tx
          .insert(messages)
          .values(
            valid.map((message, i) => ({
              tenantKey: access.tenantKey,
              threadId,
              seq: (last?.seq ?? 0) + i + 1,
              id: message.id,
              role: message.role,
              content: message.content,
              metadata: message.metadata,
              createdAt: at,
            })),
          )
          .returning();
        await tx
          .update(threads)
          .set({ updatedAt: tick() })
          .where(and(mine(access), eq(threads.id, threadId)));
        return rows.sort((a, b) => a.seq - b.seq).map(toMessage);
      });
    },

    async listMessages(scope, threadId, request = {}) {
      const access = scopeAccess(scope);
      checkId(threadId, 'A thread id', THREAD_LIMITS.maxIdLength);
      const limit = pageLimit(request.limit, 50);
      const after = decodeCursor(request.cursor, ['n'] as const);
      return inScope(db, access, 'listMessages', async (tx) => {
        const [own] = await tx
          .select({ id: threads.id })
          .from(threads)
          .where(and(mine(access), eq(threads.id, threadId)));
        if (!own) throw threadNotFound(threadId);
        const rows = await tx
          .select()
          .from(messages)
          .where(
            and(
              eq(messages.tenantKey, access.tenantKey),
              eq(messages.threadId, threadId),
              after ? gt(messages.seq, after[0]) : undefined,
            ),
          )
          .orderBy(asc(messages.seq))
          .limit(limit + 1);
        return keysetPage(rows, limit, (row) => [row.seq], toMessage);
      });
    },

    async eraseTenant(tenant) {
      const key = checkId(tenant?.tenantKey, 'A tenant key', 256);
      return asLifecycle(db, 'eraseTenant', async (tx) => {
        const erasedMessages = await tx
          .delete(messages)
          .where(eq(messages.tenantKey, key))
          .returning({ seq: messages.seq });
        const erased = await tx
          .delete(threads)
          .where(eq(threads.tenantKey, key))
          .returning({ id: threads.id });
        return { threads: erased.length, messages: erasedMessages.length };
      });
    },

    async eraseUser(userId, eraseOptions = {}) {
      checkUserId(userId);
      const tenantKey =
        eraseOptions.tenantKey === undefined
          ? undefined
          : checkId(eraseOptions.tenantKey, 'A tenant key', 256);
      const before = eraseCutoff(eraseOptions.before);
      return asLifecycle(db, 'eraseUser', async (tx) => {
        const theirs = and(
          eq(threads.ownerId, toDbUser(userId)),
          tenantKey === undefined ? undefined : eq(threads.tenantKey, tenantKey),
          before === undefined ? undefined : lte(threads.createdAt, before),
        );
        const [counted] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(messages)
          .innerJoin(
            threads,
            and(eq(threads.tenantKey, messages.tenantKey), eq(threads.id, messages.threadId)),
          )
          .where(theirs);
        const erased = await tx.delete(threads).where(theirs).returning({ id: threads.id });
        return { threads: erased.length, messages: counted?.n ?? 0 };
      });
    },
  };
}
