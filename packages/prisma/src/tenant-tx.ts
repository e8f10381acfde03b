// Transactions with the row-level-security settings, and the mapping of database failures onto
// typed errors, shared by the persistence stores.
import {
  BackendUnavailableError,
  ConflictError,
  InvalidInputError,
  type ScopeAccess,
  ScopedRagError,
} from '@scoped-rag/core';
import type { PrismaTransactionOptions, ScopedRagPrismaClient, ScopedRagTx } from './client.js';

/**
 * The transaction settings the row-level-security policies of the scoped-rag tables read (the
 * same as @scoped-rag/drizzle's, so both adapters can share one database).
 */
export const TENANT_SETTINGS = Object.freeze({
  /** The tenant key (`u_…` / `o_…`) a transaction may see and write. */
  tenant: 'scoped_rag.tenant',
  /** The user a transaction acts for: private documents and threads are theirs only. */
  user: 'scoped_rag.user',
  /** `on` for lifecycle work across tenants (erasure, webhook replay protection). */
  lifecycle: 'scoped_rag.lifecycle',
});

const MODELS = [
  'scopedRagDocument',
  'scopedRagChunk',
  'scopedRagThread',
  'scopedRagMessage',
  'scopedRagAuditEvent',
  'scopedRagWebhookEvent',
] as const;

/** Throws InvalidInputError unless `client` looks like a Prisma Client with the scoped-rag models. */
export function checkClient(client: unknown, what: string): ScopedRagPrismaClient {
  const candidate = client as Record<string, unknown> | null;
  if (typeof candidate?.$transaction !== 'function') {
    throw new InvalidInputError(
      `${what} needs { prisma }: a PrismaClient (new PrismaClient({ adapter })) whose schema includes prisma/scoped-rag.prisma.`,
    );
  }
  const missing = MODELS.filter((model) => typeof candidate[model] !== 'object');
  if (missing.length > 0) {
    throw new InvalidInputError(
      `${what}: the Prisma Client has no ${missing.join(', ')} model. Copy prisma/scoped-rag.prisma from @scoped-rag/prisma into your schema folder, run prisma generate, and apply its migrations.`,
    );
  }
  return candidate as unknown as ScopedRagPrismaClient;
}

/** The PostgreSQL error code (SQLSTATE) of a failure, wherever Prisma or the driver put it. */
export function pgCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): string | undefined => {
    if (typeof value !== 'object' || value === null || depth > 6 || seen.has(value)) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const key of ['originalCode', 'code']) {
      const code = record[key];
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^P\d{4}$/.test(code)) {
        return code;
      }
    }
    for (const key of ['cause', 'meta', 'driverAdapterError']) {
      const found = visit(record[key], depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return visit(error, 0);
}

/** Prisma's own error code (`P2002`, …), when it has one. */
export function prismaCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^P\d{4}$/.test(code) ? code : undefined;
}

/** Maps a database or Prisma failure onto a typed error (scoped-rag errors pass through). */
export function toStoreError(error: unknown, operation: string): Error {
  if (ScopedRagError.isInstance(error)) return error;
  const code = pgCode(error);
  const prisma = prismaCode(error);
  if (code === '23505' || prisma === 'P2002') {
    return new ConflictError(`${operation}: the id is already taken in this tenant.`, {
      cause: error,
    });
  }
  if (code === '22P05' || code === '22021') {
    return new InvalidInputError(
      `${operation}: PostgreSQL cannot store a NUL character (\\u0000) in text; remove it.`,
      { cause: error },
    );
  }
  if (code === '42P01' || prisma === 'P2021') {
    return new BackendUnavailableError(
      `${operation}: the scoped-rag tables do not exist. Apply the migrations in @scoped-rag/prisma/prisma/migrations (prisma migrate deploy) first.`,
      { cause: error, details: { operation } },
    );
  }
  return new BackendUnavailableError(
    `${operation} failed in PostgreSQL through Prisma: ${(error as Error)?.message ?? String(error)}`,
    {
      cause: error,
      details: {
        operation,
        ...(code ? { pgCode: code } : {}),
        ...(prisma ? { prismaCode: prisma } : {}),
      },
    },
  );
}

/** How the stores open transactions. */
export interface TransactionRunner {
  readonly client: ScopedRagPrismaClient;
  readonly options: PrismaTransactionOptions | undefined;
}

async function transaction<T>(
  runner: TransactionRunner,
  operation: string,
  settings: (tx: ScopedRagTx) => Promise<unknown>,
  work: (tx: ScopedRagTx) => Promise<T>,
): Promise<T> {
  try {
    return await runner.client.$transaction(async (tx: ScopedRagTx) => {
      await settings(tx);
      return work(tx);
    }, runner.options);
  } catch (error) {
    throw toStoreError(error, operation);
  }
}

/** Runs `work` in an interactive transaction that may see and write only the scope's tenant, as its user. */
export function inScope<T>(
  runner: TransactionRunner,
  access: ScopeAccess,
  operation: string,
  work: (tx: ScopedRagTx) => Promise<T>,
): Promise<T> {
  return transaction(
    runner,
    operation,
    (tx) =>
      tx.$executeRaw`SELECT set_config(${TENANT_SETTINGS.tenant}, ${access.tenantKey}, true), set_config(${TENANT_SETTINGS.user}, ${toDbUser(access.userId)}, true)`,
    work,
  );
}

/** Runs `work` in a transaction of one tenant, as no particular user (audit events). */
export function inTenant<T>(
  runner: TransactionRunner,
  tenantKey: string,
  operation: string,
  work: (tx: ScopedRagTx) => Promise<T>,
): Promise<T> {
  return transaction(
    runner,
    operation,
    (tx) => tx.$executeRaw`SELECT set_config(${TENANT_SETTINGS.tenant}, ${tenantKey}, true)`,
    work,
  );
}

/** Runs lifecycle `work` (across tenants) in a transaction. Never for request-driven code. */
export function asLifecycle<T>(
  runner: TransactionRunner,
  operation: string,
  work: (tx: ScopedRagTx) => Promise<T>,
): Promise<T> {
  return transaction(
    runner,
    operation,
    (tx) => tx.$executeRaw`SELECT set_config(${TENANT_SETTINGS.lifecycle}, 'on', true)`,
    work,
  );
}

/**
 * User ids are any identity string, NUL included, which PostgreSQL text cannot hold: stored
 * escaped (`%` → `%25`, NUL → `%00`), an injective encoding that leaves ordinary ids unchanged
 * (the encoding @scoped-rag/drizzle uses, so both adapters read each other's rows).
 */
export function toDbUser(userId: string): string {
  return userId.split('%').join('%25').split('\u0000').join('%00');
}

/** The inverse of `toDbUser`. */
export function fromDbUser(stored: string): string {
  return stored.replace(/%(25|00)/g, (_, code: string) => (code === '25' ? '%' : '\u0000'));
}

/** A monotonic clock: timestamps never go backwards within one store. */
export function monotonicClock(now: () => number = Date.now): () => Date {
  let last = 0;
  return () => {
    last = Math.max(last, Math.floor(now()));
    return new Date(last);
  };
}
