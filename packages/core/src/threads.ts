// The ThreadStore port: chat threads and their messages for assistant UIs. A thread belongs to
// the user who created it, inside the scope's tenant: lists are per user (newest first), and no
// other member, however privileged, reads or changes it.
import { checkId, checkUserId, parseStoredMetadata, rejectNul, scopeAccess } from './access.js';
import { ConflictError, InvalidInputError, NotFoundError } from './errors.js';
import type { Metadata } from './metadata.js';
import {
  decodeCursor,
  encodeCursor,
  keysetPage,
  type Page,
  type PageRequest,
  pageLimit,
} from './pagination.js';
import type { Scope } from './scope.js';

export interface Thread {
  readonly id: string;
  readonly tenantKey: string;
  readonly ownerId: string;
  readonly title: string | null;
  /** Archived threads are left out of lists unless asked for (assistant-ui's archive). */
  readonly archived: boolean;
  readonly metadata: Metadata;
  /** ISO 8601. */
  readonly createdAt: string;
  /** Changes on every update and appended message: lists are ordered by it. */
  readonly updatedAt: string;
}

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';
export const MESSAGE_ROLES: readonly MessageRole[] = Object.freeze([
  'system',
  'user',
  'assistant',
  'tool',
]);

export interface ThreadMessage {
  readonly id: string;
  readonly threadId: string;
  /** 1-based order within the thread. */
  readonly seq: number;
  readonly role: MessageRole;
  readonly content: string;
  readonly metadata: Metadata;
  readonly createdAt: string;
}

export interface CreateThreadInput {
  /** Default: a random UUID. */
  readonly id?: string;
  readonly title?: string | null;
  readonly metadata?: Metadata;
}

export interface UpdateThreadInput {
  readonly title?: string | null;
  readonly archived?: boolean;
  readonly metadata?: Metadata;
}

export interface MessageInput {
  /** Default: a random UUID. Unique within the thread. */
  readonly id?: string;
  readonly role: MessageRole;
  readonly content: string;
  readonly metadata?: Metadata;
}

export interface ListThreadsRequest extends PageRequest {
  /** `false` (default): active threads; `true`: archived ones. */
  readonly archived?: boolean;
}

export interface ThreadErasure {
  readonly threads: number;
  readonly messages: number;
}

export interface ThreadEraseUserOptions {
  /** Only this tenant. Default: every tenant. */
  readonly tenantKey?: string;
  /**
   * Only threads created at or before this time (ms since the epoch). Default: every thread.
   * INVALID_INPUT unless a number that is a valid time.
   */
  readonly before?: number;
}

/**
 * Validates `eraseUser`'s `before` and returns it as a Date, or undefined when absent (for
 * adapter authors).
 */
export function eraseCutoff(before: number | undefined): Date | undefined {
  if (before === undefined) return undefined;
  const at = typeof before === 'number' ? new Date(before) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) {
    throw new InvalidInputError('before must be a time in ms since the epoch.');
  }
  return at;
}

/**
 * Every method takes a Scope and sees only the threads the scope's user created in the scope's
 * tenant; ids are per tenant. The lifecycle methods take no Scope: call them from a verified
 * lifecycle source only.
 */
export interface ThreadStore {
  readonly specificationVersion: 'v1';
  /** ConflictError when the id is taken in this tenant. */
  createThread(scope: Scope, input?: CreateThreadInput): Promise<Thread>;
  getThread(scope: Scope, id: string): Promise<Thread | null>;
  /** The user's threads, most recently updated first. */
  listThreads(scope: Scope, request?: ListThreadsRequest): Promise<Page<Thread>>;
  /** NotFoundError when the thread is not the scope's. */
  updateThread(scope: Scope, id: string, input: UpdateThreadInput): Promise<Thread>;
  /** Deletes the thread and its messages; false when the scope had no such thread. */
  deleteThread(scope: Scope, id: string): Promise<boolean>;
  /** Appends messages in order; all or none. NotFoundError when the thread is not the scope's. */
  appendMessages(
    scope: Scope,
    threadId: string,
    messages: readonly MessageInput[],
  ): Promise<ThreadMessage[]>;
  /** Oldest first. NotFoundError when the thread is not the scope's. */
  listMessages(scope: Scope, threadId: string, request?: PageRequest): Promise<Page<ThreadMessage>>;
  /** Lifecycle: deletes every thread and message of a tenant. */
  eraseTenant(tenant: { readonly tenantKey: string }): Promise<ThreadErasure>;
  /**
   * Lifecycle: deletes a user's threads (and their messages) in one tenant or in all. With
   * `before` (ms since the epoch), only the threads *created* at or before it: a late retry of a
   * membership-ended event spares the threads the user started after re-joining, and still erases
   * an older thread the user appended to since (its earlier messages are the former member's).
   */
  eraseUser(userId: string, options?: ThreadEraseUserOptions): Promise<ThreadErasure>;
}

export const THREAD_LIMITS = Object.freeze({
  maxIdLength: 200,
  maxTitleLength: 1_000,
  maxMessageChars: 1_000_000,
  maxMessagesPerCall: 100,
});

/** @internal Validated thread fields (for adapter authors: `validateThreadInput`). */
export interface ValidThreadInput {
  readonly title: string | null | undefined;
  readonly archived: boolean | undefined;
  readonly metadata: Metadata | undefined;
}

/** Validates the fields of a create or update (for adapter authors). */
export function validateThreadInput(input: UpdateThreadInput, where: string): ValidThreadInput {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidInputError(`${where} takes an object.`);
  }
  const { title, archived, metadata } = input;
  if (
    title !== undefined &&
    title !== null &&
    (typeof title !== 'string' || title.length > THREAD_LIMITS.maxTitleLength)
  ) {
    throw new InvalidInputError(
      `A thread title must be a string of at most ${THREAD_LIMITS.maxTitleLength} characters or null.`,
    );
  }
  if (typeof title === 'string') rejectNul(title, 'A thread title');
  if (archived !== undefined && typeof archived !== 'boolean') {
    throw new InvalidInputError('archived must be true or false.');
  }
  return {
    title,
    archived,
    metadata: metadata === undefined ? undefined : parseStoredMetadata(metadata, where),
  };
}

/** Validates messages to append and gives each its id (for adapter authors). */
export function validateMessages(
  messages: readonly MessageInput[],
): { id: string; role: MessageRole; content: string; metadata: Metadata }[] {
  if (
    !Array.isArray(messages) ||
    messages.length === 0 ||
    messages.length > THREAD_LIMITS.maxMessagesPerCall
  ) {
    throw new InvalidInputError(
      `appendMessages takes 1–${THREAD_LIMITS.maxMessagesPerCall} messages.`,
    );
  }
  const ids = new Set<string>();
  return messages.map((message, i) => {
    if (typeof message !== 'object' || message === null || !MESSAGE_ROLES.includes(message.role)) {
      throw new InvalidInputError(
        `messages[${i}].role must be one of ${MESSAGE_ROLES.join(', ')}.`,
      );
    }
    if (
      typeof message.content !== 'string' ||
      message.content.length > THREAD_LIMITS.maxMessageChars
    ) {
      throw new InvalidInputError(
        `messages[${i}].content must be a string of at most ${THREAD_LIMITS.maxMessageChars} characters.`,
      );
    }
    const id =
      message.id === undefined
        ? crypto.randomUUID()
        : checkId(message.id, `messages[${i}].id`, THREAD_LIMITS.maxIdLength);
    if (ids.has(id)) throw new InvalidInputError(`messages[${i}].id repeats an earlier id.`);
    ids.add(id);
    return {
      id,
      role: message.role,
      content: rejectNul(message.content, `messages[${i}].content`),
      metadata: parseStoredMetadata(message.metadata, `messages[${i}]`),
    };
  });
}

/** The error for a thread that is absent or not the scope's. */
export function threadNotFound(id: string): Error {
  return new NotFoundError(`Thread "${id}" does not exist for this user in this tenant.`, {
    details: { id },
  });
}

/** The error for a message id already used in the thread. */
export function messageIdTaken(threadId: string, id: string): Error {
  return new ConflictError(`Message id "${id}" is already used in thread "${threadId}".`, {
    details: { threadId, id },
  });
}

export interface MemoryThreadStoreOptions {
  /** Clock, for tests. */
  now?: () => number;
}

interface ThreadRow {
  thread: Thread;
  updatedMs: number;
  messages: ThreadMessage[];
  messageIds: Set<string>;
}

/** An in-memory ThreadStore for tests, demos and the embedded default. */
export function createMemoryThreadStore(options: MemoryThreadStoreOptions = {}): ThreadStore {
  const now = options.now ?? Date.now;
  const tenants = new Map<string, Map<string, ThreadRow>>();
  let lastMs = 0;
  const tick = () => {
    lastMs = Math.max(lastMs, now());
    return lastMs;
  };

  function own(scope: Scope, id: string): ThreadRow {
    const access = scopeAccess(scope);
    checkId(id, 'A thread id', THREAD_LIMITS.maxIdLength);
    const row = tenants.get(access.tenantKey)?.get(id);
    if (!row || row.thread.ownerId !== access.userId) throw threadNotFound(id);
    return row;
  }

  function touch(row: ThreadRow, patch: Partial<Thread>): void {
    const at = tick();
    row.updatedMs = at;
    row.thread = Object.freeze({ ...row.thread, ...patch, updatedAt: new Date(at).toISOString() });
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
      let rows = tenants.get(access.tenantKey);
      if (!rows) {
        rows = new Map();
        tenants.set(access.tenantKey, rows);
      }
      if (rows.has(id)) {
        throw new ConflictError(`Thread id "${id}" is already taken in this tenant.`, {
          details: { id },
        });
      }
      const at = tick();
      const iso = new Date(at).toISOString();
      const thread: Thread = Object.freeze({
        id,
        tenantKey: access.tenantKey,
        ownerId: access.userId,
        title: valid.title ?? null,
        archived: false,
        metadata: valid.metadata ?? Object.freeze({}),
        createdAt: iso,
        updatedAt: iso,
      });
      rows.set(id, { thread, updatedMs: at, messages: [], messageIds: new Set() });
      return thread;
    },

    async getThread(scope, id) {
      const access = scopeAccess(scope);
      checkId(id, 'A thread id', THREAD_LIMITS.maxIdLength);
      const row = tenants.get(access.tenantKey)?.get(id);
      return row && row.thread.ownerId === access.userId ? row.thread : null;
    },

    async listThreads(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      const archived = request.archived ?? false;
      if (typeof archived !== 'boolean') throw new InvalidInputError('archived must be a boolean.');
      const after = decodeCursor(request.cursor, ['n', 's'] as const);
      const mine = [...(tenants.get(access.tenantKey)?.values() ?? [])]
        .filter((row) => row.thread.ownerId === access.userId && row.thread.archived === archived)
        .sort((a, b) => b.updatedMs - a.updatedMs || (a.thread.id < b.thread.id ? 1 : -1))
        .filter(
          (row) =>
            after === null ||
            row.updatedMs < after[0] ||
            (row.updatedMs === after[0] && row.thread.id < after[1]),
        );
      return keysetPage(
        mine,
        limit,
        (row) => [row.updatedMs, row.thread.id],
        (row) => row.thread,
      );
    },

    async updateThread(scope, id, input) {
      const row = own(scope, id);
      const valid = validateThreadInput(input, 'updateThread');
      touch(row, {
        ...(valid.title === undefined ? {} : { title: valid.title }),
        ...(valid.archived === undefined ? {} : { archived: valid.archived }),
        ...(valid.metadata === undefined ? {} : { metadata: valid.metadata }),
      });
      return row.thread;
    },

    async deleteThread(scope, id) {
      const access = scopeAccess(scope);
      checkId(id, 'A thread id', THREAD_LIMITS.maxIdLength);
      const rows = tenants.get(access.tenantKey);
      const row = rows?.get(id);
      if (!row || row.thread.ownerId !== access.userId) return false;
      rows!.delete(id);
      return true;
    },

    async appendMessages(scope, threadId, messages) {
      const row = own(scope, threadId);
      const valid = validateMessages(messages);
      for (const message of valid) {
        if (row.messageIds.has(message.id)) throw messageIdTaken(threadId, message.id);
      }
      const at = new Date(tick()).toISOString();
      const added = valid.map((message, i) =>
        Object.freeze({
          id: message.id,
          threadId,
          seq: row.messages.length + i + 1,
          role: message.role,
          content: message.content,
          metadata: message.metadata,
          createdAt: at,
        }),
      );
      row.messages.push(...added);
      for (const message of added) row.messageIds.add(message.id);
      touch(row, {});
      return added;
    },

    async listMessages(scope, threadId, request = {}) {
      const row = own(scope, threadId);
      const limit = pageLimit(request.limit, 50);
      const after = decodeCursor(request.cursor, ['n'] as const);
      const start = after === null ? 0 : Math.max(0, after[0]);
      const items = row.messages.slice(start, start + limit);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: last && last.seq < row.messages.length ? encodeCursor([last.seq]) : null,
      };
    },

    async eraseTenant(tenant) {
      const rows = tenants.get(tenant.tenantKey);
      let messages = 0;
      for (const row of rows?.values() ?? []) messages += row.messages.length;
      const threads = rows?.size ?? 0;
      tenants.delete(tenant.tenantKey);
      return { threads, messages };
    },

    async eraseUser(userId, eraseOptions = {}) {
      checkUserId(userId);
      const before = eraseCutoff(eraseOptions.before)?.getTime();
      let threads = 0;
      let messages = 0;
      for (const [tenantKey, rows] of tenants) {
        if (eraseOptions.tenantKey !== undefined && tenantKey !== eraseOptions.tenantKey) continue;
        for (const [id, row] of rows) {
          if (row.thread.ownerId !== userId) continue;
          if (before !== undefined && Date.parse(row.thread.createdAt) > before) continue;
          threads += 1;
          messages += row.messages.length;
          rows.delete(id);
        }
      }
      return { threads, messages };
    },
  };
}
