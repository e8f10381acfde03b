// Writes what `prisma migrate diff … --script` prints, computed offline by Prisma's own schema
// engine (see test/schema-engine.ts):
// - prisma/migrations/20261207000000_scoped_rag_init/migration.sql, from empty to the fragment
//   (prisma/scoped-rag.prisma);
// - test/prisma/app-tables.sql, from the fragment to fragment + the test app's models.
// Run after changing either: `pnpm --filter @scoped-rag/prisma run write:migration`. Tests keep them equal.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appTablesDiff, INIT_MIGRATION } from '../test/app-tables.js';
import {
  closeSchemaEngine,
  MIGRATIONS_DIR,
  migrateDiff,
  schemaTarget,
} from '../test/schema-engine.js';

const { script } = await migrateDiff({ tag: 'empty' }, schemaTarget());
mkdirSync(join(MIGRATIONS_DIR, INIT_MIGRATION), { recursive: true });
writeFileSync(join(MIGRATIONS_DIR, INIT_MIGRATION, 'migration.sql'), script);
console.log(`wrote prisma/migrations/${INIT_MIGRATION}/migration.sql`);
writeFileSync(new URL('../test/prisma/app-tables.sql', import.meta.url), await appTablesDiff());
console.log('wrote test/prisma/app-tables.sql');
await closeSchemaEngine();
