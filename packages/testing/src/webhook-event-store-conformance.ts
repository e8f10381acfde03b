// describeWebhookEventStoreConformance: replay protection that every WebhookEventStore keeps.
import type { WebhookEventStore } from '@scoped-rag/core';
import { describe, expect, it } from 'vitest';

export type MakeWebhookEventStore = () => WebhookEventStore | Promise<WebhookEventStore>;

let counter = 0;
const freshId = () => `msg_${Date.now().toString(36)}_${(counter++).toString(36)}`;

/** Registers the conformance suite for a WebhookEventStore. */
export function describeWebhookEventStoreConformance(
  name: string,
  makeStore: MakeWebhookEventStore,
): void {
  describe(`${name}: WebhookEventStore conformance`, () => {
    it('claims a new event once; a second delivery while processing is in progress', async () => {
      const store = await makeStore();
      const event = { source: 'clerk', id: freshId(), leaseMs: 60_000 };
      expect(await store.claim(event)).toMatchObject({ status: 'claimed' });
      expect(await store.claim(event)).toEqual({ status: 'in-progress' });
    });

    it('answers processed for every delivery after completion', async () => {
      const store = await makeStore();
      const event = { source: 'clerk', id: freshId(), leaseMs: 60_000 };
      const claim = await store.claim(event);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      await store.complete({ ...event, token: claim.token });
      expect(await store.claim(event)).toEqual({ status: 'processed' });
      expect(await store.claim(event)).toEqual({ status: 'processed' });
    });

    it('lets a retry claim the event again after a failure released it', async () => {
      const store = await makeStore();
      const event = { source: 'clerk', id: freshId(), leaseMs: 60_000 };
      const claim = await store.claim(event);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      await store.release({ ...event, token: claim.token });
      expect(await store.claim(event)).toMatchObject({ status: 'claimed' });
    });

    it("ignores a release with a token that is not the current claim's", async () => {
      const store = await makeStore();
      const event = { source: 'clerk', id: freshId(), leaseMs: 60_000 };
      const claim = await store.claim(event);
      if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
      await store.release({ ...event, token: `${claim.token}-stale` });
      expect(await store.claim(event)).toEqual({ status: 'in-progress' });
    });

    it('hands each claim a distinct token', async () => {
      const store = await makeStore();
      const tokens = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const claim = await store.claim({ source: 'clerk', id: freshId(), leaseMs: 60_000 });
        if (claim.status === 'claimed') tokens.add(claim.token);
      }
      expect(tokens.size).toBe(20);
    });

    it('grants exactly one of many concurrent claims', async () => {
      const store = await makeStore();
      const event = { source: 'clerk', id: freshId(), leaseMs: 60_000 };
      const results = await Promise.all(Array.from({ length: 20 }, () => store.claim(event)));
      expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'in-progress')).toHaveLength(19);
    });

    it('keeps sources apart: the same id from two senders is two events', async () => {
      const store = await makeStore();
      const id = freshId();
      expect(await store.claim({ source: 'clerk', id, leaseMs: 60_000 })).toMatchObject({
        status: 'claimed',
      });
      expect(await store.claim({ source: 'stripe', id, leaseMs: 60_000 })).toMatchObject({
        status: 'claimed',
      });
    });

    it('refuses empty ids and sources with INVALID_INPUT', async () => {
      const store = await makeStore();
      await expect(store.claim({ source: 'clerk', id: '', leaseMs: 1 })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(store.claim({ source: '', id: 'x', leaseMs: 1 })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });
  });
}
