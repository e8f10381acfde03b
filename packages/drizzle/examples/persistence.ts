import { PGlite } from '@electric-sql/pglite';
import { createIdentity, orgPolicy } from '@scoped-rag/core';
import {
  createDrizzleDocumentStore,
  createDrizzleThreadStore,
  migrate,
  scopedDb,
} from '@scoped-rag/drizzle';
import { eq } from 'drizzle-orm';
import { pgTable, text } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/pglite';

// Any drizzle PostgreSQL database: PGlite here, node-postgres (`drizzle-orm/node-postgres`) in production.
const db = drizzle({ client: new PGlite() });
await migrate(db); // the scoped-rag tables, with forced row-level security

const policy = orgPolicy();
// In an app the identity comes from a resolver (e.g. @scoped-rag/clerk), never from the request body.
const scope = policy.scopeFor(
  createIdentity({ userId: 'user_alice', orgId: 'org_acme', orgRole: 'org:admin' }),
);

const documents = createDrizzleDocumentStore({ db });
const doc = await documents.putDocument(
  scope,
  { id: 'handbook', state: 'pending', contentHash: 'sha256-1', title: 'Handbook' },
  { expectedRevision: null }, // create; pass the revision you read to replace
);
await documents.putDocument(
  scope,
  { ...doc, state: 'indexed' },
  { expectedRevision: doc.revision },
);

const threads = createDrizzleThreadStore({ db });
const thread = await threads.createThread(scope, { title: 'Onboarding' });
await threads.appendMessages(scope, thread.id, [
  { role: 'user', content: 'Where is the handbook?' },
]);
const { items } = await threads.listThreads(scope); // this user's threads, newest first

// The app's own tenant tables: the tenant is added to every query and stamped on every insert.
const projects = pgTable('projects', {
  tenantKey: text('tenant_key').notNull(),
  id: text('id').primaryKey(),
  name: text('name').notNull(),
});
await db.execute(
  'CREATE TABLE projects (tenant_key text NOT NULL, id text PRIMARY KEY, name text NOT NULL)',
);
const tenant = scopedDb(db, scope);
await tenant.insert(projects, { id: 'p1', name: 'Launch' });
const mine = await tenant.select(projects, eq(projects.name, 'Launch'));

console.log(items.length, mine.length); // 1 1
