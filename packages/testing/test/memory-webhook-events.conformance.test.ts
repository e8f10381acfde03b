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
    const claim = await store.claim(event);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    await store.complete({ ...event, token: claim.token });
    clock = 999;
    expect(await store.claim(event)).toEqual({ status: 'processed' });
    clock = 1_001;
    expect(await store.claim(event)).toMatchObject({ status: 'claimed' });
  });

  it('lets a retry claim an event once the lease of a dead worker expired', async () => {
    let clock = 0;
    const store = createMemoryWebhookEventStore({ now: () => clock });
    const event = { source: 'clerk', id: 'msg_2', leaseMs: 100 };
    expect(await store.claim(event)).toMatchObject({ status: 'claimed' });
    clock = 99;
    expect(await store.claim(event)).toEqual({ status: 'in-progress' });
    clock = 100;
    expect(await store.claim(event)).toMatchObject({ status: 'claimed' });
  });

  it('keeps pruning past a claim that never finished', async () => {
    let clock = 0;
    const store = createMemoryWebhookEventStore({ retentionMs: 1_000, now: () => clock });
    await store.claim({ source: 'clerk', id: 'hung', leaseMs: 500 });
    const done = await store.claim({ source: 'clerk', id: 'done', leaseMs: 500 });
    if (done.status !== 'claimed') throw new Error('expected a claim');
    await store.complete({ source: 'clerk', id: 'done', token: done.token });
    clock = 10_000;
    expect(await store.claim({ source: 'clerk', id: 'done', leaseMs: 500 })).toMatchObject({
      status: 'claimed',
    });
    expect(await store.claim({ source: 'clerk', id: 'hung', leaseMs: 500 })).toMatchObject({
      status: 'claimed',
    });
  });
});
