// AuditLog on PostgreSQL through Drizzle: append-only (the table's policies allow no UPDATE, and
// DELETE only for lifecycle erasure), read back by scope.
import {
  type AuditLog,
  checkId,
  decodeCursor,
  type Filter,
  InvalidInputError,
  keysetPage,
  pageLimit,
  type StoredAuditEvent,
  scopeAccess,
  validateAuditActions,
} from '@scoped-rag/core';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { TENANT_SETTINGS } from './persistence-sql.js';
import { auditEvents } from './schema.js';
import {
  type AnyPgDatabase,
  asLifecycle,
  fromDbUser,
  inScope,
  toDbUser,
  toStoreError,
} from './tenant-db.js';

export interface DrizzleAuditLogOptions {
  /** A drizzle PostgreSQL database whose schema has had `migrate()`. */
  readonly db: AnyPgDatabase;
}

function toEvent(row: typeof auditEvents.$inferSelect): StoredAuditEvent {
  return Object.freeze({
    seq: row.seq,
    action: row.action,
    at: row.at.toISOString(),
    tenantKey: row.tenantKey,
    userId: fromDbUser(row.userId),
    policy: row.policy,
    namespace: row.namespace,
    ids: Object.freeze([...row.ids]),
    ...(row.filter === null ? {} : { filter: JSON.parse(row.filter) as Filter }),
    ...(row.reason === null ? {} : { reason: row.reason }),
  });
}

/** An AuditLog on the `scoped_rag_audit_events` table. */
export function createDrizzleAuditLog(options: DrizzleAuditLogOptions): AuditLog {
  const { db } = options;
  return {
    specificationVersion: 'v1',

    async record(event) {
      const at = new Date(event.at);
      if (Number.isNaN(at.getTime())) {
        throw new InvalidInputError(
          `Audit event time ${JSON.stringify(event.at)} is not ISO 8601.`,
        );
      }
      try {
        await db.transaction(async (tx) => {
          // Written in the event's own tenant: the insert policy checks it.
          await tx.execute(
            sql`select set_config(${TENANT_SETTINGS.tenant}, ${event.tenantKey}, true)`,
          );
          await tx.insert(auditEvents).values({
            tenantKey: event.tenantKey,
            userId: toDbUser(event.userId),
            action: event.action,
            at,
            policy: event.policy,
            namespace: event.namespace,
            ids: [...event.ids],
            // JSON text, not jsonb: filter values may hold \u0000, which jsonb refuses.
            filter: event.filter === undefined ? null : JSON.stringify(event.filter),
            reason: event.reason === undefined ? null : event.reason.split('\u0000').join('\uFFFD'),
          });
        });
      } catch (error) {
        throw toStoreError(error, 'audit record');
      }
    },

    async list(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      validateAuditActions(request.actions);
      const after = decodeCursor(request.cursor, ['n'] as const);
      return inScope(db, access, 'audit list', async (tx) => {
        const rows = await tx
          .select()
          .from(auditEvents)
          .where(
            and(
              eq(auditEvents.tenantKey, access.tenantKey),
              // Members read their own trail; administrators the tenant's.
              access.isAdmin ? undefined : eq(auditEvents.userId, toDbUser(access.userId)),
              request.actions ? inArray(auditEvents.action, [...request.actions]) : undefined,
              after ? lt(auditEvents.seq, after[0]) : undefined,
            ),
          )
          .orderBy(desc(auditEvents.seq))
          .limit(limit + 1);
        return keysetPage(rows, limit, (row) => [row.seq], toEvent);
      });
    },

    async eraseTenant(tenant) {
      const key = checkId(tenant?.tenantKey, 'A tenant key', 256);
      return asLifecycle(db, 'audit eraseTenant', async (tx) => {
        const erased = await tx
          .delete(auditEvents)
          .where(eq(auditEvents.tenantKey, key))
          .returning({ seq: auditEvents.seq });
        return erased.length;
      });
    },
  };
}
