// The persistence suites against core's in-memory stores, and proof that the suites catch the
// classic bugs: a store that forgets the visibility rule, or lists another user's threads.
import {
  createMemoryAuditSink,
  createMemoryDocumentStore,
  createMemoryThreadStore,
  type DocumentStore,
  type Scope,
  type ThreadStore,
} from '@scoped-rag/core';
import { describe, expect, it } from 'vitest';
import {
  attackDocumentStore,
  attackThreadStore,
  describeAuditLogConformance,
  describeDocumentStoreConformance,
  describeThreadStoreConformance,
} from '../src/index.js';

describeDocumentStoreConformance('MemoryDocumentStore', () => createMemoryDocumentStore(), {
  attackRuns: 200,
});
describeThreadStoreConformance('MemoryThreadStore', () => createMemoryThreadStore(), {
  attackRuns: 200,
});
describeAuditLogConformance('MemoryAuditSink', () => createMemoryAuditSink(), { attackRuns: 200 });

/** Reads another member's private documents: what a forgotten `owner = $user OR visibility = 'org'` does. */
function ignoringVisibility(): DocumentStore {
  const inner = createMemoryDocumentStore();
  const owners = new Map<string, Scope>();
  return {
    ...inner,
    async putDocument(scope, document, options) {
      const stored = await inner.putDocument(scope, document, options);
      owners.set(`${scope.tenantKey}\u0000${stored.id}`, scope);
      return stored;
    },
    async getDocument(scope, id) {
      const owner = owners.get(`${scope.tenantKey}\u0000${id}`);
      return inner.getDocument(owner ?? scope, id);
    },
  };
}

/** Lists the threads of everyone in the tenant: the seed's missing `where userId = …`. */
function listingEveryonesThreads(): ThreadStore {
  const inner = createMemoryThreadStore();
  const scopes = new Map<string, Scope[]>();
  return {
    ...inner,
    async createThread(scope, input) {
      const list = scopes.get(scope.tenantKey) ?? [];
      list.push(scope);
      scopes.set(scope.tenantKey, list);
      return inner.createThread(scope, input);
    },
    async listThreads(scope, request) {
      const pages = await Promise.all(
        (scopes.get(scope.tenantKey) ?? [scope]).map((s) => inner.listThreads(s, request)),
      );
      return { items: pages.flatMap((page) => page.items), nextCursor: null };
    },
  };
}

/** The message of the assertion that made fast-check fail. */
const causeOf = (error: Error) =>
  String((error.cause as Error | undefined)?.message ?? error.message);

describe('the persistence attack suites catch leaky stores', () => {
  it('a DocumentStore that ignores visibility fails', async () => {
    const error = await attackDocumentStore(ignoringVisibility, {
      attackRuns: 100,
      operationsPerRun: 40,
      seed: 1,
    }).then(() => null, causeOf);
    expect(error).toMatch(/LEAK|"result"/);
  });

  it("a ThreadStore that lists other users' threads fails", async () => {
    await expect(
      attackThreadStore(listingEveryonesThreads, {
        attackRuns: 100,
        operationsPerRun: 40,
        seed: 1,
      }),
    ).rejects.toThrow();
  });
});
