// pgvector behind scoped-rag on embedded PostgreSQL (PGlite): no server, no credentials. For a
// real PostgreSQL, pass drizzle(new Pool({ connectionString })) from drizzle-orm/node-postgres,
// connected as a role that is not a superuser (row-level security does not bind superusers).
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { createIdentity, createScopedVectorStore, orgPolicy } from '@scoped-rag/core';
import { createPgVectorStore } from '@scoped-rag/drizzle';
import { drizzle } from 'drizzle-orm/pglite';

export async function quickstart() {
  const client = new PGlite({ extensions: { vector } });
  const db = drizzle({ client });
  const store = createPgVectorStore({ db, dimensions: 3, metric: 'cosine' });
  // Creates the table, its row-level-security policy and the extension if missing; safe at every
  // start. Or put pgVectorTableSQL({ dimensions: 3 }) in a migration.
  await store.ensureTable();
  const vectors = createScopedVectorStore({ store, policy: orgPolicy() });

  const alice = vectors.forIdentity(createIdentity({ userId: 'user_alice', orgId: 'org_acme' }));
  const carol = vectors.forIdentity(createIdentity({ userId: 'user_carol', orgId: 'org_globex' }));
  await alice.upsert([
    { id: 'handbook', values: [1, 0, 0], metadata: { kind: 'policy', year: 2026 } },
    { id: 'pricing', values: [0, 1, 0], metadata: { kind: 'sales', year: 2025 } },
  ]);
  await carol.upsert([{ id: 'handbook', values: [1, 0.1, 0], metadata: { kind: 'policy' } }]);

  // Each tenant queries only its own records; filters become parameterised SQL.
  const acme = await alice.query({
    vector: [1, 0.2, 0],
    topK: 5,
    filter: { year: { $gte: 2026 } },
  });
  const globex = await carol.query({ vector: [1, 0.2, 0], topK: 5 });
  await client.close();
  return { acme: acme.matches, globex: globex.matches };
}
