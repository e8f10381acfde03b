// Prisma's own schema engine, offline: `prisma migrate diff` needs the native schema-engine binary,
// which the CLI downloads (no network here), but the same engine ships as WebAssembly inside the
// `prisma` package (build/schema_engine_bg.wasm). This drives that exact wasm (the JS glue comes
// from @prisma/schema-engine-wasm, whose import and export names match) through a PGlite driver
// adapter, whose `connectToShadowDb` gives the engine a fresh in-memory shadow database.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

const require = createRequire(import.meta.url);
const packageRoot = new URL('..', import.meta.url).pathname;

/** The migrations shipped in prisma/migrations, in order. */
export const MIGRATIONS_DIR = join(packageRoot, 'prisma', 'migrations');
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
export function migrationSql(name: string): string {
  return readFileSync(join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8');
}

/** The datamodel `prisma migrate diff --to-schema` sees for the fragment alone. */
export function fragmentSchema(): string {
  const fragment = readFileSync(join(packageRoot, 'prisma', 'scoped-rag.prisma'), 'utf8');
  return `datasource db {\n  provider = "postgresql"\n}\n\n${fragment}`;
}

let loaded = false;
function loadEngine(): void {
  if (loaded) return;
  const wasmPath = join(
    dirname(require.resolve('prisma/package.json')),
    'build',
    'schema_engine_bg.wasm',
  );
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, {
    './schema_engine_bg.js': glue as unknown as WebAssembly.ModuleImports,
  });
  (glue as unknown as { __wbg_set_wasm(exports: unknown): void }).__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  loaded = true;
}

type DiffTarget =
  | { tag: 'empty' }
  | { tag: 'schemaDatamodel'; files: { path: string; content: string }[] }
  | {
      tag: 'migrations';
      baseDir: string;
      lockfile: { path: string; content: string | null };
      shadowDbInitScript: string;
      migrationDirectories: {
        path: string;
        migrationFile: { path: string; content: { tag: 'ok'; value: string } };
      }[];
    };

/** The committed migrations as the engine's `migrations` diff target. */
export function migrationsTarget(): DiffTarget {
  return {
    tag: 'migrations',
    baseDir: MIGRATIONS_DIR,
    lockfile: {
      path: 'migration_lock.toml',
      content: readFileSync(join(MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8'),
    },
    shadowDbInitScript: '',
    migrationDirectories: migrationNames().map((name) => ({
      path: name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: migrationSql(name) } },
    })),
  };
}

export function schemaTarget(content = fragmentSchema()): DiffTarget {
  return { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content }] };
}

/**
 * `prisma migrate diff --from … --to … --script [--exit-code]`: the SQL that takes `from` to `to`
 * (and whether there is any).
 */
export async function migrateDiff(
  from: DiffTarget,
  to: DiffTarget,
): Promise<{ script: string; changed: boolean }> {
  loadEngine();
  // The engine's own connection: one PGlite per process (starting one takes seconds). A migrations
  // target also gets a fresh shadow database from the adapter.
  engineDatabase ??= new PGlite();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(engineDatabase));
  const SchemaEngine = (glue as unknown as { SchemaEngine: SchemaEngineStatic }).SchemaEngine;
  const engine = await SchemaEngine.new(
    { datamodels: [['schema.prisma', fragmentSchema()]] },
    () => {},
    adapter,
  );
  const result = await engine.diff({
    from,
    to,
    script: true,
    exitCode: true,
    filters: { externalTables: [], externalEnums: [] },
  });
  return { script: result.stdout ?? '', changed: result.exitCode === 2 };
}

let engineDatabase: PGlite | undefined;

/** Closes the engine's database (call after the last migrateDiff of a test file). */
export async function closeSchemaEngine(): Promise<void> {
  await engineDatabase?.close();
  engineDatabase = undefined;
}

interface SchemaEngineStatic {
  new: (
    options: { datamodels: [string, string][] },
    log: (message: string) => void,
    adapter: object,
  ) => Promise<{
    diff(params: {
      from: DiffTarget;
      to: DiffTarget;
      script: boolean;
      exitCode: boolean;
      filters: { externalTables: string[]; externalEnums: string[] };
    }): Promise<{ exitCode: number; stdout: string | null }>;
  }>;
}
