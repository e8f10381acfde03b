// The AuditSink port: an append-only record of who touched which records, with which filter.
import { scopeAccess } from './access.js';
import { InvalidInputError } from './errors.js';
import type { Filter } from './filter.js';
import {
  decodeCursor,
  encodeCursor,
  type Page,
  type PageRequest,
  pageLimit,
} from './pagination.js';
import type { Scope } from './scope.js';

export type AuditAction =
  | 'upsert'
  | 'query'
  | 'fetch'
  | 'list'
  | 'delete'
  | 'deleteAll'
  /** Lifecycle erasure (a deleted user or organization), by `userId` = the lifecycle source. */
  | 'erase'
  | 'breach'
  /** The RAG pipeline (`createRag`): a document indexed or deleted (ids: the document id). */
  | 'ingest'
  | 'deleteDocument'
  /** The RAG pipeline: chunks returned for a query (ids: their vector ids). */
  | 'retrieve';

export interface AuditEvent {
  readonly action: AuditAction;
  /** ISO 8601 time the operation finished. */
  readonly at: string;
  readonly tenantKey: string;
  readonly userId: string;
  readonly policy: string;
  readonly namespace: string;
  /** Record ids returned or affected (for `breach`: the offending ids as the backend sent them). */
  readonly ids: readonly string[];
  /** The caller's own filter, when one was given. */
  readonly filter?: Filter;
  /** For `breach`: what the re-check found. */
  readonly reason?: string;
}

export interface AuditSink {
  readonly specificationVersion: 'v1';
  record(event: AuditEvent): Promise<void>;
}

/** A stored audit event. `seq` orders events within one log (newest has the highest). */
export interface StoredAuditEvent extends AuditEvent {
  readonly seq: number;
}

export interface ListAuditEventsRequest extends PageRequest {
  /** Only events of these actions. */
  readonly actions?: readonly AuditAction[];
}

export const AUDIT_ACTIONS: readonly AuditAction[] = Object.freeze([
  'upsert',
  'query',
  'fetch',
  'list',
  'delete',
  'deleteAll',
  'erase',
  'breach',
  'ingest',
  'deleteDocument',
  'retrieve',
]);

/**
 * An AuditSink that can be read back, by scope: append-only (no method changes or removes an
 * event, except erasing a whole tenant). A tenant's administrators (the policy's erase right)
 * read every event of their tenant; other members read their own.
 */
export interface AuditLog extends AuditSink {
  /** Newest first. */
  list(scope: Scope, request?: ListAuditEventsRequest): Promise<Page<StoredAuditEvent>>;
  /** Lifecycle: deletes every event of a tenant. Returns how many. */
  eraseTenant(tenant: { readonly tenantKey: string }): Promise<number>;
}

/** Validates an actions filter (for adapter authors). */
export function validateAuditActions(actions: readonly AuditAction[] | undefined): void {
  if (actions === undefined) return;
  if (!Array.isArray(actions) || actions.some((action) => !AUDIT_ACTIONS.includes(action))) {
    throw new InvalidInputError(`actions must be a list of ${AUDIT_ACTIONS.join(', ')}.`);
  }
}

export interface MemoryAuditSink extends AuditLog {
  readonly events: readonly StoredAuditEvent[];
  clear(): void;
}

/** An in-memory audit sink for tests, demos and the embedded default. */
export function createMemoryAuditSink(): MemoryAuditSink {
  const events: StoredAuditEvent[] = [];
  let seq = 0;
  return {
    specificationVersion: 'v1',
    events,
    clear: () => {
      events.length = 0;
    },
    async record(event) {
      seq += 1;
      events.push(Object.freeze({ ...event, seq }));
    },
    async list(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      validateAuditActions(request.actions);
      const after = decodeCursor(request.cursor, ['n'] as const);
      const items: StoredAuditEvent[] = [];
      let more = false;
      for (let i = events.length - 1; i >= 0; i--) {
        const event = events[i]!;
        if (after !== null && event.seq >= after[0]) continue;
        if (event.tenantKey !== access.tenantKey) continue;
        if (!access.isAdmin && event.userId !== access.userId) continue;
        if (request.actions && !request.actions.includes(event.action)) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(event);
      }
      const last = items[items.length - 1];
      return { items, nextCursor: more && last ? encodeCursor([last.seq]) : null };
    },
    async eraseTenant(tenant) {
      const before = events.length;
      const kept = events.filter((event) => event.tenantKey !== tenant.tenantKey);
      events.length = 0;
      events.push(...kept);
      return before - kept.length;
    },
  };
}
