// Writes ../migrations/<id>.sql from src/persistence-sql.ts (the single source). Run after changing
// a migration: `pnpm --filter @scoped-rag/drizzle run write:migrations`. A test keeps them equal.
import { writeFileSync } from 'node:fs';
import { MIGRATIONS } from '../src/persistence-sql.js';

for (const migration of MIGRATIONS) {
  const file = new URL(`../migrations/${migration.id}.sql`, import.meta.url);
  writeFileSync(file, migration.sql);
  console.log(`wrote migrations/${migration.id}.sql`);
}
