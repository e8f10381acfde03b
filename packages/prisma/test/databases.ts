// The databases every @scoped-rag/prisma suite runs on: PGlite (embedded PostgreSQL, through
// pglite-prisma-adapter) always, and a real PostgreSQL (through @prisma/adapter-pg) when
// DATABASE_URL is set (CI starts one; without it CI fails).
//
//   describeDatabases('my store', (database) => {
//     it('does something', async () => {
//       const { prisma, query } = database();   // fresh schema per suite, non-superuser role
//       ...
//     });
//   });
//
// Each suite gets a schema of its own with the package's migrations applied (both: Prisma's and the
// hand-written row-level-security one), first on the search_path and named as Prisma's schema in
// the adapter, dropped after the suite. Statements run as a role that is NOT a superuser and owns
// the tables, so row-level security applies to them only because the tables FORCE it. On PGlite
// that role is created here and the session switches to it with SET ROLE; on PostgreSQL it is the
// DATABASE_URL user, which ../shared/scripts/start-postgres-pgvector.sh creates without superuser
// rights. PGlite takes seconds to start: a test file starts one and its suites share it.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PrismaClient } from './generated/client/client.ts';
import { migrationNames, migrationSql } from './schema-engine.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** Prisma Client on this suite's schema, as `role`. */
  readonly prisma: PrismaClient;
  /** The suite's own schema. */
  readonly schema: string;
  /** The non-superuser role statements run as (row-level security applies to it). */
  readonly role: string;
  /** Runs one SQL statement with $1-style parameters as `role`, outside any store; returns its rows. */
  query(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a script of statements (no parameters) as `role`. */
  exec(script: string): Promise<void>;
  /** A Prisma Client on the same schema with other options (each call makes a new one). */
  connect(): PrismaClient;
}

/** The PGlite role suites run as: not a superuser, so row-level security applies. */
export const PGLITE_TEST_ROLE = 'scoped_rag_test';

/** Generous interactive-transaction limits: PGlite runs one transaction at a time. */
export const TEST_TRANSACTIONS = Object.freeze({ maxWait: 60_000, timeout: 60_000 });

const START_TIMEOUT = 120_000;

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function uniqueSchema(): string {
  return `sr_prisma_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Applies every migration of prisma/migrations, in order. */
export async function applyMigrations(exec: (script: string) => Promise<void>): Promise<void> {
  for (const name of migrationNames()) await exec(migrationSql(name));
}

/** PGlite's adapter names no schema; Prisma then qualifies tables with "public". Name the suite's. */
function inSchema(
  factory: SqlMigrationAwareDriverAdapterFactory,
  schema: string,
): SqlMigrationAwareDriverAdapterFactory {
  const named = async (adapter: Promise<SqlDriverAdapter>) => {
    const connected = await adapter;
    const info = connected.getConnectionInfo?.() ?? { supportsRelationJoins: false };
    connected.getConnectionInfo = () => ({ ...info, schemaName: schema });
    return connected;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => named(factory.connect()),
    connectToShadowDb: () => factory.connectToShadowDb(),
  };
}

let pglite: Promise<PGlite> | undefined;
function sharedPglite(): Promise<PGlite> {
  pglite ??= (async () => {
    const client = new PGlite();
    await client.exec(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PGLITE_TEST_ROLE}') THEN
          CREATE ROLE ${PGLITE_TEST_ROLE} NOSUPERUSER NOBYPASSRLS;
        END IF;
        -- Prisma's migrations start with CREATE SCHEMA IF NOT EXISTS "public", which needs it.
        EXECUTE format('GRANT CREATE ON DATABASE %I TO ${PGLITE_TEST_ROLE}', current_database());
      END $$;`);
    return client;
  })();
  return pglite;
}

interface Opened {
  database: TestDatabase;
  close: () => Promise<void>;
}

async function openPglite(): Promise<Opened> {
  const client = await sharedPglite();
  const schema = uniqueSchema();
  await client.exec(`RESET ROLE; CREATE SCHEMA ${quoteIdent(schema)} AUTHORIZATION ${PGLITE_TEST_ROLE};
    SET ROLE ${PGLITE_TEST_ROLE}; SET search_path TO ${quoteIdent(schema)}, public;`);
  const exec = async (script: string) => {
    await client.exec(script);
  };
  await applyMigrations(exec);
  const connect = () => new PrismaClient({ adapter: inSchema(new PrismaPGlite(client), schema) });
  const prisma = connect();
  return {
    database: {
      kind: 'pglite',
      prisma,
      schema,
      role: PGLITE_TEST_ROLE,
      exec,
      connect,
      async query(text, params = []) {
        return (await client.query<Record<string, unknown>>(text, [...params])).rows;
      },
    },
    close: async () => {
      await prisma.$disconnect();
      await client.exec(`RESET ROLE; DROP SCHEMA ${quoteIdent(schema)} CASCADE;`);
    },
  };
}

async function openPostgres(url: string): Promise<Opened> {
  const schema = uniqueSchema();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  let role: string;
  try {
    const { rows } = await admin.query<{ role: string; superuser: boolean }>(
      "SELECT current_user AS role, current_setting('is_superuser') = 'on' AS superuser",
    );
    role = rows[0]!.role;
    if (rows[0]!.superuser) {
      throw new Error(
        `DATABASE_URL connects as ${role}, a superuser: row-level security would not apply. Use a non-superuser role (start-postgres-pgvector.sh creates one).`,
      );
    }
    await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  } finally {
    await admin.end();
  }
  const config = { connectionString: url, options: `-c search_path=${schema},public`, max: 4 };
  const pool = new pg.Pool(config);
  const exec = async (script: string) => {
    await pool.query(script);
  };
  await applyMigrations(exec);
  const clients: PrismaClient[] = [];
  const connect = () => {
    const client = new PrismaClient({ adapter: new PrismaPg(config, { schema }) });
    clients.push(client);
    return client;
  };
  const prisma = connect();
  return {
    database: {
      kind: 'postgres',
      prisma,
      schema,
      role,
      exec,
      connect,
      async query(text, params = []) {
        return (await pool.query<Record<string, unknown>>(text, [...params])).rows;
      },
    },
    close: async () => {
      try {
        await Promise.all(clients.map((client) => client.$disconnect()));
        await pool.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}

function describeOn(
  label: string,
  name: string,
  open: () => Promise<Opened>,
  suite: (database: () => TestDatabase) => void,
): void {
  describe(`${name} [${label}]`, () => {
    let opened: Opened | undefined;
    beforeAll(async () => {
      opened = await open();
    }, START_TIMEOUT);
    afterAll(async () => {
      await opened?.close();
    }, START_TIMEOUT);
    suite(() => {
      if (!opened) throw new Error('The test database is only available inside tests and hooks.');
      return opened.database;
    });
  });
}

/**
 * Registers `suite` twice: on PGlite, and on the PostgreSQL at DATABASE_URL. Without DATABASE_URL
 * the PostgreSQL leg is one skipped test saying why, or, when CI is set, one failing test.
 */
export function describeDatabases(
  name: string,
  suite: (database: () => TestDatabase) => void,
): void {
  describeOn('PGlite', name, openPglite, suite);
  const url = process.env.DATABASE_URL;
  if (url) {
    describeOn('PostgreSQL', name, () => openPostgres(url), suite);
  } else if (isCI()) {
    describe(`${name} [PostgreSQL]`, () => {
      it('fails: CI must run the PostgreSQL leg, but DATABASE_URL is not set (.ci/run starts PostgreSQL and exports it)', () => {
        throw new Error(
          'DATABASE_URL is not set while CI is: start PostgreSQL with ../shared/scripts/start-postgres-pgvector.sh and export the DATABASE_URL line it prints.',
        );
      });
    });
  } else {
    describe(`${name} [PostgreSQL]`, () => {
      it.skip('skipped: DATABASE_URL is not set (start PostgreSQL with ../shared/scripts/start-postgres-pgvector.sh and export the line it prints)', () => {});
    });
  }
}

afterAll(async () => {
  const client = await pglite;
  pglite = undefined;
  await client?.close();
}, START_TIMEOUT);
