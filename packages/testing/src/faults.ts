// Fault injection for the ports: wrappers that fail a share of calls at random, before the call
// (nothing happened) or after it (it happened, but the caller hears a failure), the two ways a
// network call between two systems can fail.
import {
  BackendUnavailableError,
  type DocumentStore,
  type Embedder,
  type VectorStore,
} from '@scoped-rag/core';

export interface FaultPlan {
  /** Share of calls that fail while enabled, 0–1. */
  readonly rate: number;
  /** Faults are injected only while true. */
  enabled: boolean;
  /** Injected so far, by wrapped component and timing. */
  readonly injected: Record<string, { before: number; after: number }>;
  /** Calls made through the wrappers while enabled. */
  calls: number;
  /** The plan's random source, in [0, 1). */
  random(): number;
}

/** A deterministic plan (mulberry32 seeded with `seed`). */
export function createFaultPlan(options: { rate: number; seed: number }): FaultPlan {
  let state = options.seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { rate: options.rate, enabled: true, injected: {}, calls: 0, random };
}

function wrap<T extends object>(
  target: T,
  plan: FaultPlan,
  component: string,
  methods: readonly (keyof T & string)[],
): T {
  // Everything not wrapped (capabilities, provider, …) reads through to the target.
  const wrapped = Object.create(target) as Record<string, unknown>;
  for (const method of methods) {
    const original = (target as Record<string, unknown>)[method] as (
      ...args: unknown[]
    ) => Promise<unknown>;
    // Defined, not assigned: a frozen target's properties are read-only through the prototype.
    Object.defineProperty(wrapped, method, {
      enumerable: true,
      value: async (...args: unknown[]) => {
        if (!plan.enabled) return original.apply(target, args);
        plan.calls += 1;
        const fails = plan.random() < plan.rate;
        const after = plan.random() < 0.5;
        plan.injected[component] ??= { before: 0, after: 0 };
        const count = plan.injected[component];
        const fault = (when: string) =>
          new BackendUnavailableError(
            `Injected fault in ${component}.${method} (${when} the call).`,
          );
        if (fails && !after) {
          count.before += 1;
          throw fault('before');
        }
        const result = await original.apply(target, args);
        if (fails) {
          count.after += 1;
          throw fault('after');
        }
        return result;
      },
    });
  }
  return wrapped as T;
}

/** The embedder, failing `plan.rate` of `embed` calls. */
export function withEmbedderFaults(embedder: Embedder, plan: FaultPlan): Embedder {
  return wrap(embedder, plan, 'embedder', ['embed']);
}

/** The vector store, failing `plan.rate` of its calls, before or after their effect. */
export function withVectorStoreFaults(store: VectorStore, plan: FaultPlan): VectorStore {
  return wrap(store, plan, 'vectors', [
    'upsert',
    'query',
    'fetch',
    'delete',
    'list',
    'listNamespaces',
    'deleteNamespace',
  ]);
}

/** The DocumentStore, failing `plan.rate` of its calls, before or after their effect. */
export function withDocumentStoreFaults(store: DocumentStore, plan: FaultPlan): DocumentStore {
  return wrap(store, plan, 'documents', [
    'putDocument',
    'getDocument',
    'listDocuments',
    'deleteDocument',
    'putChunks',
    'listChunks',
    'getChunks',
    'deleteChunks',
    'eraseTenant',
    'erasePrivate',
  ]);
}
