import {
  createIdentity,
  createMemoryVectorStore,
  createScopedVectorStore,
  orgPolicy,
  ScopedRagError,
} from '@scoped-rag/core';

const policy = orgPolicy({ writePermission: 'org:docs:write' });
const vectors = createScopedVectorStore({
  store: createMemoryVectorStore({ dimensions: 3 }),
  policy,
});

// In an app, an IdentityResolver (e.g. @scoped-rag/clerk) makes the identity from a verified token.
const alice = createIdentity({
  userId: 'user_alice',
  orgId: 'org_acme',
  orgRole: 'org:admin',
  orgPermissions: ['org:docs:write'],
});
const bob = createIdentity({ userId: 'user_bob', orgId: 'org_globex' });

const acme = vectors.forIdentity(alice);
await acme.upsert([
  { id: 'plan', values: [1, 0, 0], metadata: { title: 'Q3 plan' } },
  { id: 'notes', values: [0.9, 0.1, 0], metadata: { title: 'My notes' }, visibility: 'private' },
]);

const { matches } = await acme.query({ vector: [1, 0, 0], topK: 5, filter: { title: 'Q3 plan' } });
console.log(matches.map((m) => `${m.id} ${m.score.toFixed(2)}`)); // [ 'plan 1.00' ]

const globex = await vectors.forIdentity(bob).query({ vector: [1, 0, 0], topK: 5 });
console.log(globex.matches.length); // 0: another tenant sees nothing

try {
  await acme.query({ vector: [1, 0, 0], topK: 5, filter: { _sr_tenant: 'o_org_globex' } });
} catch (error) {
  if (ScopedRagError.isInstance(error)) console.log(error.code); // SCOPE_VIOLATION
}

export { globex, matches };
