// WebhookEventStore on PostgreSQL through Drizzle: replay protection shared by every instance of
// the app. A claim is one atomic upsert, so two deliveries racing on two servers can't both win.
import {
  InvalidInputError,
  type WebhookClaim,
  type WebhookEventKey,
  type WebhookEventStore,
} from '@scoped-rag/core';
import { and, eq, lt, or } from 'drizzle-orm';
import { webhookEvents } from './schema.js';
import { type AnyPgDatabase, asLifecycle } from './tenant-db.js';

export interface DrizzleWebhookEventStoreOptions {
  /** A drizzle PostgreSQL database whose schema has had `migrate()`. */
  readonly db: AnyPgDatabase;
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
export function createDrizzleWebhookEventStore(
  options: DrizzleWebhookEventStoreOptions,
): WebhookEventStore {
  const { db } = options;
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
      return asLifecycle(db, 'webhook claim', async (tx): Promise<WebhookClaim> => {
        // Take the row when it is new, its lease ran out, or its processed mark is past retention.
        const [claimed] = await tx
          .insert(webhookEvents)
          .values({
            source: event.source,
            id: event.id,
            state: 'in-progress',
            token,
            leaseUntil: new Date(at + event.leaseMs),
            processedAt: null,
          })
          .onConflictDoUpdate({
            target: [webhookEvents.source, webhookEvents.id],
            set: {
              state: 'in-progress',
              token,
              leaseUntil: new Date(at + event.leaseMs),
              processedAt: null,
            },
            setWhere: or(
              and(
                eq(webhookEvents.state, 'in-progress'),
                lt(webhookEvents.leaseUntil, new Date(at + 1)),
              ),
              and(
                eq(webhookEvents.state, 'processed'),
                lt(webhookEvents.processedAt, new Date(at - retentionMs + 1)),
              ),
            )!,
          })
          .returning({ token: webhookEvents.token });
        if (claimed?.token === token) return { status: 'claimed', token };
        const [row] = await tx
          .select({ state: webhookEvents.state })
          .from(webhookEvents)
          .where(and(eq(webhookEvents.source, event.source), eq(webhookEvents.id, event.id)));
        return { status: row?.state === 'processed' ? 'processed' : 'in-progress' };
      });
    },

    async complete(event) {
      checkKey(event);
      const at = now();
      await asLifecycle(db, 'webhook complete', async (tx) => {
        await tx
          .insert(webhookEvents)
          .values({
            source: event.source,
            id: event.id,
            state: 'processed',
            token: null,
            leaseUntil: null,
            processedAt: new Date(at),
          })
          .onConflictDoUpdate({
            target: [webhookEvents.source, webhookEvents.id],
            set: { state: 'processed', token: null, leaseUntil: null, processedAt: new Date(at) },
          });
        // Retention: forget what is past it (cheap, indexed by processed_at).
        await tx
          .delete(webhookEvents)
          .where(
            and(
              eq(webhookEvents.state, 'processed'),
              lt(webhookEvents.processedAt, new Date(at - retentionMs)),
            ),
          );
      });
    },

    async release(event) {
      checkKey(event);
      await asLifecycle(db, 'webhook release', async (tx) => {
        await tx
          .delete(webhookEvents)
          .where(
            and(
              eq(webhookEvents.source, event.source),
              eq(webhookEvents.id, event.id),
              eq(webhookEvents.state, 'in-progress'),
              eq(webhookEvents.token, event.token),
            ),
          );
      });
    },
  };
}
