// PrismaThreadStore passes the ThreadStore conformance suite on PGlite and PostgreSQL.
import { describeThreadStoreConformance } from '@scoped-rag/testing';
import { createPrismaThreadStore } from '../src/index.js';
import { ATTACK, freshStoreOptions } from './conformance.ts';
import { describeDatabases } from './databases.ts';

describeDatabases('prisma threads', (database) => {
  describeThreadStoreConformance(
    'PrismaThreadStore',
    async () => createPrismaThreadStore(await freshStoreOptions(database())),
    ATTACK,
  );
});
