// PrismaDocumentStore passes the DocumentStore conformance suite (the contract and the
// model-checked multi-tenant attack) on PGlite and PostgreSQL.
import { describeDocumentStoreConformance } from '@scoped-rag/testing';
import { createPrismaDocumentStore } from '../src/index.js';
import { ATTACK, freshStoreOptions } from './conformance.ts';
import { describeDatabases } from './databases.ts';

describeDatabases('prisma documents', (database) => {
  describeDocumentStoreConformance(
    'PrismaDocumentStore',
    async () => createPrismaDocumentStore(await freshStoreOptions(database())),
    ATTACK,
  );
});
