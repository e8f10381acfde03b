// AuditLog over Prisma Client: append-only (the table's policies allow no UPDATE, and DELETE only
// for lifecycle erasure), read back by scope.
import {
  type AuditAction,
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
import type { AuditEventRow, PrismaTransactionOptions } from './client.js';
import {
  asLifecycle,
  checkClient,
  fromDbUser,
  inScope,
  inTenant,
  type TransactionRunner,
  toDbUser,
} from './tenant-tx.js';

export interface PrismaAuditLogOptions {
  /** A Prisma Client whose schema includes prisma/scoped-rag.prisma and whose database has its migrations. */
  readonly prisma: unknown;
  /** Options of every interactive transaction (`maxWait`, `timeout`). */
  readonly transactionOptions?: PrismaTransactionOptions;
}

function toEvent(row: AuditEventRow): StoredAuditEvent {
  return Object.freeze({
    seq: Number(row.seq),
    action: row.action as AuditAction,
    at: row.at.toISOString(),
    tenantKey: row.tenantKey,
    userId: fromDbUser(row.userId),
    policy: row.policy,
    namespace: row.namespace,
    ids: Object.freeze([...(row.ids as string[])]),
    ...(row.filter === null ? {} : { filter: JSON.parse(row.filter) as Filter }),
    ...(row.reason === null ? {} : { reason: row.reason }),
  });
}

/** An AuditLog on the `scoped_rag_audit_events` table. */
export function createPrismaAuditLog(options: PrismaAuditLogOptions): AuditLog {
  const runner: TransactionRunner = {
    client: checkClient(options?.prisma, 'createPrismaAuditLog'),
    options: options.transactionOptions,
  };
  return {
    specificationVersion: 'v1',

    async record(event) {
      const at = new Date(event.at);
      if (Number.isNaN(at.getTime())) {
        throw new InvalidInputError(
          `Audit event time ${JSON.stringify(event.at)} is not ISO 8601.`,
        );
      }
      // Written in the event's own tenant: the insert policy checks it.
      await inTenant(runner, event.tenantKey, 'audit record', async (tx) => {
        await tx.scopedRagAuditEvent.createMany({
          data: [
            {
              tenantKey: event.tenantKey,
              userId: toDbUser(event.userId),
              action: event.action,
              at,
              policy: event.policy,
              namespace: event.namespace,
              ids: [...event.ids],
              // JSON text, not jsonb: filter values may hold \u0000, which jsonb refuses.
              filter: event.filter === undefined ? null : JSON.stringify(event.filter),
              reason:
                event.reason === undefined ? null : event.reason.split('\u0000').join('\uFFFD'),
            },
          ],
        });
      });
    },

    async list(scope, request = {}) {
      const access = scopeAccess(scope);
      const limit = pageLimit(request.limit);
      validateAuditActions(request.actions);
      const after = decodeCursor(request.cursor, ['n'] as const);
      return inScope(runner, access, 'audit list', async (tx) => {
        const rows = await tx.scopedRagAuditEvent.findMany({
          where: {
            tenantKey: access.tenantKey,
            // Members read their own trail; administrators the tenant's.
            ...(access.isAdmin ? {} : { userId: toDbUser(access.userId) }),
            ...(request.actions ? { action: { in: [...request.actions] } } : {}),
            ...(after ? { seq: { lt: BigInt(after[0]) } } : {}),
          },
          orderBy: { seq: 'desc' },
          take: limit + 1,
        });
        return keysetPage(rows, limit, (row) => [Number(row.seq)], toEvent);
      });
    },

    async eraseTenant(tenant) {
      const key = checkId(tenant?.tenantKey, 'A tenant key', 256);
      return asLifecycle(runner, 'audit eraseTenant', async (tx) => {
        const erased = await tx.scopedRagAuditEvent.deleteMany({ where: { tenantKey: key } });
        return erased.count;
      });
    },
  };
}
