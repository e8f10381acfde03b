// The AuditSink port: an append-only record of who touched which records, with which filter.
import type { Filter } from './filter.js';

export type AuditAction =
  | 'upsert'
  | 'query'
  | 'fetch'
  | 'list'
  | 'delete'
  | 'deleteAll'
  /** Lifecycle erasure (a deleted user or organization), by `userId` = the lifecycle source. */
  | 'erase'
  | 'breach';

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

export interface MemoryAuditSink extends AuditSink {
  readonly events: readonly AuditEvent[];
  clear(): void;
}

/** An in-memory audit sink for tests, demos and the embedded default. */
export function createMemoryAuditSink(): MemoryAuditSink {
  const events: AuditEvent[] = [];
  return {
    specificationVersion: 'v1',
    events,
    clear: () => {
      events.length = 0;
    },
    async record(event) {
      events.push(Object.freeze({ ...event }));
    },
  };
}
