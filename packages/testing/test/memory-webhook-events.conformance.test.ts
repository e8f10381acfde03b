import { createMemoryWebhookEventStore } from '@scoped-rag/core';
import { describe, expect, it } from 'vitest';
import { describeWebhookEventStoreConformance } from '../src/index.js';

describeWebhookEventStoreConformance('MemoryWebhookEventStore', () =>
  createMemoryWebhookEventStore(),
);

describe('MemoryWebhookEventStore retention', () => {
  it('forgets processed ids after the retention period, and not before', async () => {
    let clock = 0;
    const store = createMemoryWebhookEventStore({ retentionMs: 1_000, now: () => clock });
    const event = { source: 'clerk', id: 'msg_1', leaseMs: 100 };
    await store.claim(event);
    await store.complete(event);
    clock = 999;
    expect(await store.claim(event)).toBe('processed');
    clock = 1_001;
    expect(await store.claim(event)).toBe('claimed');
  });

  it('lets a retry claim an event once the lease of a dead worker expired', async () => {
    let clock = 0;
    const store = createMemoryWebhookEventStore({ now: () => clock });
    const event = { source: 'clerk', id: 'msg_2', leaseMs: 100 };
    expect(await store.claim(event)).toBe('claimed');
    clock = 99;
    expect(await store.claim(event)).toBe('in-progress');
    clock = 100;
    expect(await store.claim(event)).toBe('claimed');
  });
});
