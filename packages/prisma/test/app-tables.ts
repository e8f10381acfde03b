// The test app's own tables (test/prisma/app.prisma), created the way an app would: with the SQL
// `prisma migrate diff --from <scoped-rag fragment> --to <fragment + app models> --script` prints,
// committed as test/prisma/app-tables.sql (a test keeps it equal to what the engine computes).
import { readFileSync } from 'node:fs';
import { fragmentSchema, migrateDiff, schemaTarget } from './schema-engine.ts';

/** The name of the migration Prisma generates from the fragment. */
export const INIT_MIGRATION = '20261207000000_scoped_rag_init';

/** The committed SQL creating the test app's tables. */
export function appTablesSql(): string {
  return readFileSync(new URL('./prisma/app-tables.sql', import.meta.url), 'utf8');
}

/** What Prisma's schema engine computes for it now. */
export async function appTablesDiff(): Promise<string> {
  const app = readFileSync(new URL('./prisma/app.prisma', import.meta.url), 'utf8');
  const fragment = fragmentSchema().replace(/^datasource db \{[^}]*\}/m, '');
  const { script } = await migrateDiff(
    schemaTarget(fragmentSchema()),
    schemaTarget(`${app}\n${fragment}`),
  );
  return script;
}
