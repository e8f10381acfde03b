// The WebhookEventStore port: replay protection for lifecycle webhooks. Providers such as Clerk
// (via Svix) deliver at least once, so the same event id can arrive twice; it must act once.
import { InvalidInputError } from './errors.js';

/** The outcome of claiming an event id. */
export type WebhookClaim =
  /**
   * First delivery (or a retry after a failure, or after a lease expired): process it, then
   * `complete` or `release` it with `token`, which identifies this claim.
   */
  | { readonly status: 'claimed'; readonly token: string }
  /** Already processed: acknowledge without acting again. */
  | { readonly status: 'processed' }
  /** Another delivery is processing it right now: ask the sender to retry later. */
  | { readonly status: 'in-progress' };

export interface WebhookEventKey {
  /** Who sent it, e.g. `clerk`. Ids are unique per source only. */
  readonly source: string;
  /** The sender's event id, e.g. the `svix-id` header. */
  readonly id: string;
}

export interface WebhookEventStore {
  readonly specificationVersion: 'v1';
  /**
   * Atomically claims an event for processing. A claim expires after `leaseMs`, so a worker that
   * died mid-way doesn't block the event forever.
   */
  claim(event: WebhookEventKey & { readonly leaseMs: number }): Promise<WebhookClaim>;
  /** Marks the event processed (the work was done); later deliveries get `processed`. */
  complete(event: WebhookEventKey & { readonly token: string }): Promise<void>;
  /**
   * Gives a claim back after a failure, so the sender's retry processes the event again. Only the
   * claim identified by `token` is released: a stale owner can't free a newer owner's claim.
   */
  release(event: WebhookEventKey & { readonly token: string }): Promise<void>;
}

export interface MemoryWebhookEventStoreOptions {
  /**
   * How long processed ids are remembered, in ms. Default 24 hours: far beyond the 5-minute
   * timestamp tolerance after which deliveries are refused anyway.
   */
  retentionMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

type Entry =
  | { state: 'in-progress'; until: number; token: string }
  | { state: 'processed'; at: number };

function checkKey({ source, id }: WebhookEventKey): string {
  if (
    typeof source !== 'string' ||
    source.length === 0 ||
    typeof id !== 'string' ||
    id.length === 0
  ) {
    throw new InvalidInputError('A webhook event needs a non-empty source and id.');
  }
  if (id.length > 256) throw new InvalidInputError('Webhook event ids are at most 256 characters.');
  return `${source}\u0000${id}`;
}

/** In-process replay protection, for the embedded default and single-instance servers. */
export function createMemoryWebhookEventStore(
  options: MemoryWebhookEventStoreOptions = {},
): WebhookEventStore {
  const retentionMs = options.retentionMs ?? 24 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  let lastPrune = Number.NEGATIVE_INFINITY;
  // Drops processed ids past retention and claims whose lease ran out (a later claim would take
  // them over anyway). A full scan, at most once a second, so nothing at the head can stall it.
  function prune(at: number): void {
    if (at - lastPrune < 1_000) return;
    lastPrune = at;
    for (const [key, entry] of entries) {
      const expired =
        entry.state === 'processed' ? at - entry.at >= retentionMs : entry.until <= at;
      if (expired) entries.delete(key);
    }
  }

  return {
    specificationVersion: 'v1',
    async claim(event) {
      const key = checkKey(event);
      if (!Number.isFinite(event.leaseMs) || event.leaseMs <= 0) {
        throw new InvalidInputError('leaseMs must be a positive number of milliseconds.');
      }
      const at = now();
      prune(at);
      const entry = entries.get(key);
      if (entry?.state === 'processed') {
        if (at - entry.at < retentionMs) return { status: 'processed' };
      } else if (entry?.state === 'in-progress' && entry.until > at) {
        return { status: 'in-progress' };
      }
      const token = crypto.randomUUID();
      entries.set(key, { state: 'in-progress', until: at + event.leaseMs, token });
      return { status: 'claimed', token };
    },
    async complete(event) {
      const key = checkKey(event);
      entries.delete(key);
      entries.set(key, { state: 'processed', at: now() });
    },
    async release(event) {
      const key = checkKey(event);
      const entry = entries.get(key);
      if (entry?.state === 'in-progress' && entry.token === event.token) entries.delete(key);
    },
  };
}
