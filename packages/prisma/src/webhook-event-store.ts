// WebhookEventStore over Prisma Client: replay protection shared by every instance of the app. A
// claim inserts the row (ON CONFLICT DO NOTHING) or takes it over with one conditional UPDATE, so
// two deliveries racing on two servers can't both win.
import {
  InvalidInputError,
  type WebhookClaim,
  type WebhookEventKey,
  type WebhookEventStore,
} from '@scoped-rag/core';
import type { PrismaTransactionOptions } from './client.js';
import { asLifecycle, checkClient, type TransactionRunner } from './tenant-tx.js';

export interface PrismaWebhookEventStoreOptions {
  /** A Prisma Client whose schema includes prisma/scoped-rag.prisma and whose database has its migrations. */
  readonly prisma: unknown;
  /** Options of every interactive transaction (`maxWait`, `timeout`). */
  readonly transactionOptions?: PrismaTransactionOptions;
  /** How long processed ids are remembered, in ms. Default 24 hours. */
  readonly retentionMs?: number;
  /** Clock (ms since the epoch), for tests. */
  readonly now?: () => number;
}

function checkKey({ source, id }: WebhookEventKey): void {
  if (typeof source !== 'string' || source.length === 0 || source.length > 64) {
    throw new InvalidInputError('A webhook event needs a source of 1–64 characters.');
  }
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) {
    throw new InvalidInputError('Webhook event ids are 1–256 characters.');
  }
}

/** A WebhookEventStore on the `scoped_rag_webhook_events` table. */
export function createPrismaWebhookEventStore(
  options: PrismaWebhookEventStoreOptions,
): WebhookEventStore {
  const runner: TransactionRunner = {
    client: checkClient(options?.prisma, 'createPrismaWebhookEventStore'),
    options: options.transactionOptions,
  };
  const retentionMs = options.retentionMs ?? 24 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;

  return {
    specificationVersion: 'v1',

    async claim(event) {
      checkKey(event);
      if (!Number.isFinite(event.leaseMs) || event.leaseMs <= 0) {
        throw new InvalidInputError('leaseMs must be a positive number of milliseconds.');
      }
      const at = now();
      const token = crypto.randomUUID();
      const key = { source: event.source, id: event.id };
      const claimed = {
        state: 'in-progress',
        token,
        leaseUntil: new Date(at + event.leaseMs),
        processedAt: null,
      };
      return asLifecycle(runner, 'webhook claim', async (tx): Promise<WebhookClaim> => {
        const created = await tx.scopedRagWebhookEvent.createMany({
          data: [{ ...key, ...claimed }],
          skipDuplicates: true,
        });
        if (created.count === 1) return { status: 'claimed', token };
        // Take the row over when its lease ran out or its processed mark is past retention. The
        // UPDATE re-checks its condition after waiting for a concurrent claim's row lock.
        const taken = await tx.scopedRagWebhookEvent.updateMany({
          where: {
            ...key,
            OR: [
              { state: 'in-progress', leaseUntil: { lt: new Date(at + 1) } },
              { state: 'processed', processedAt: { lt: new Date(at - retentionMs + 1) } },
            ],
          },
          data: claimed,
        });
        if (taken.count === 1) return { status: 'claimed', token };
        const row = await tx.scopedRagWebhookEvent.findFirst({
          where: key,
          select: { state: true },
        });
        return { status: row?.state === 'processed' ? 'processed' : 'in-progress' };
      });
    },

    async complete(event) {
      checkKey(event);
      const at = now();
      const processed = {
        state: 'processed',
        token: null,
        leaseUntil: null,
        processedAt: new Date(at),
      };
      await asLifecycle(runner, 'webhook complete', async (tx) => {
        await tx.scopedRagWebhookEvent.upsert({
          where: { source_id: { source: event.source, id: event.id } },
          create: { source: event.source, id: event.id, ...processed },
          update: processed,
        });
        // Retention: forget what is past it (cheap, indexed by processed_at).
        await tx.scopedRagWebhookEvent.deleteMany({
          where: { state: 'processed', processedAt: { lt: new Date(at - retentionMs) } },
        });
      });
    },

    async release(event) {
      checkKey(event);
      await asLifecycle(runner, 'webhook release', async (tx) => {
        await tx.scopedRagWebhookEvent.deleteMany({
          where: {
            source: event.source,
            id: event.id,
            state: 'in-progress',
            token: event.token,
          },
        });
      });
    },
  };
}
