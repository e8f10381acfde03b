// Writes prisma/migrations/20261207000000_scoped_rag_init/migration.sql: what
// `prisma migrate diff --from-empty --to-schema prisma/scoped-rag.prisma --script` prints, computed
// offline by Prisma's own schema engine (see test/schema-engine.ts). Run after changing the
// fragment: `pnpm --filter @scoped-rag/prisma run write:migration`. A test keeps them equal.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR, migrateDiff, schemaTarget } from '../test/schema-engine.js';

export const INIT_MIGRATION = '20261207000000_scoped_rag_init';

const { script } = await migrateDiff({ tag: 'empty' }, schemaTarget());
mkdirSync(join(MIGRATIONS_DIR, INIT_MIGRATION), { recursive: true });
writeFileSync(join(MIGRATIONS_DIR, INIT_MIGRATION, 'migration.sql'), script);
console.log(`wrote prisma/migrations/${INIT_MIGRATION}/migration.sql`);
