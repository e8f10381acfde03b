// The databases every @scoped-rag/drizzle suite runs on: PGlite (embedded PostgreSQL with pgvector)
// always, and a real PostgreSQL when DATABASE_URL is set (CI starts one; without it CI fails).
//
//   describeDatabases('my store', (database, kind) => {
//     it('does something', async () => {
//       const { db, query } = database();   // fresh schema per suite, non-superuser role
//       await query('CREATE TABLE t (x int)');
//       ...
//     });
//     // `kind` ('pglite' | 'postgres') is known while registering, e.g. for run counts.
//   });
//
// Each suite gets a schema of its own, first on the search_path (then `public`, where the vector
// extension lives), dropped after the suite: suites never see each other's tables. Statements run
// as a role that is NOT a superuser and owns that schema, so row-level security applies to them
// (to a table's owner only with FORCE ROW LEVEL SECURITY). On PGlite that role is created here and
// the session switches to it with SET ROLE; on PostgreSQL it is the DATABASE_URL user, which
// ../shared/scripts/start-postgres-pgvector.sh creates without superuser rights.
//
// PGlite takes ~3 s to start, so a test file starts one instance and its suites share it (one after
// another, as vitest runs them; each suite's beforeAll points the session at its own schema).
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';

export type DatabaseKind = 'pglite' | 'postgres';

/** A drizzle database as the stores take it (either driver). */
export type TestDrizzle = PgDatabase<PgQueryResultHKT>;

export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** Drizzle on this suite's database; statements run as `role`, in `schema`. */
  readonly db: TestDrizzle;
  /** The suite's own schema (first on the search_path; created empty, dropped after the suite). */
  readonly schema: string;
  /** The non-superuser role statements run as (row-level security applies to it). */
  readonly role: string;
  /** Runs one SQL statement with $1-style parameters as `role`, outside any store; returns its rows. */
  query(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

/** The PGlite role suites run as: not a superuser, so row-level security applies. */
export const PGLITE_TEST_ROLE = 'scoped_rag_test';

const START_TIMEOUT = 120_000;

/** True when CI is set to anything but "", "0" or "false". */
function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function uniqueSchema(): string {
  return `sr_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

// One PGlite per test file (module instance), started on first use, closed after the file.
let pglite: Promise<PGlite> | undefined;
function sharedPglite(): Promise<PGlite> {
  pglite ??= (async () => {
    const client = new PGlite({ extensions: { vector } });
    await client.exec(`
      CREATE EXTENSION IF NOT EXISTS vector;
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PGLITE_TEST_ROLE}') THEN
          CREATE ROLE ${PGLITE_TEST_ROLE} NOSUPERUSER NOBYPASSRLS;
        END IF;
      END $$;`);
    return client;
  })();
  return pglite;
}

async function openPglite(): Promise<{ database: TestDatabase; close: () => Promise<void> }> {
  const client = await sharedPglite();
  const schema = uniqueSchema();
  // As the superuser: the schema, owned by the test role; then the session becomes that role.
  await client.exec(`RESET ROLE; CREATE SCHEMA ${quoteIdent(schema)} AUTHORIZATION ${PGLITE_TEST_ROLE};
    SET ROLE ${PGLITE_TEST_ROLE}; SET search_path TO ${quoteIdent(schema)}, public;`);
  const db = drizzlePglite({ client }) as unknown as TestDrizzle;
  return {
    database: {
      kind: 'pglite',
      db,
      schema,
      role: PGLITE_TEST_ROLE,
      async query(text, params = []) {
        return (await client.query<Record<string, unknown>>(text, [...params])).rows;
      },
    },
    close: async () => {
      await client.exec(`RESET ROLE; DROP SCHEMA ${quoteIdent(schema)} CASCADE;`);
    },
  };
}

async function openPostgres(
  url: string,
): Promise<{ database: TestDatabase; close: () => Promise<void> }> {
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
  // Every pooled connection starts with the suite's schema first on its search_path.
  const pool = new pg.Pool({
    connectionString: url,
    options: `-c search_path=${schema},public`,
    max: 4,
  });
  const db = drizzleNodePg({ client: pool }) as unknown as TestDrizzle;
  return {
    database: {
      kind: 'postgres',
      db,
      schema,
      role,
      async query(text, params = []) {
        return (await pool.query<Record<string, unknown>>(text, [...params])).rows;
      },
    },
    close: async () => {
      try {
        await pool.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}

function describeOn(
  kind: DatabaseKind,
  name: string,
  open: () => Promise<{ database: TestDatabase; close: () => Promise<void> }>,
  suite: (database: () => TestDatabase, kind: DatabaseKind) => void,
): void {
  describe(`${name} [${kind === 'pglite' ? 'PGlite' : 'PostgreSQL'}]`, () => {
    let opened: { database: TestDatabase; close: () => Promise<void> } | undefined;
    beforeAll(async () => {
      opened = await open();
    }, START_TIMEOUT);
    afterAll(async () => {
      await opened?.close();
    }, START_TIMEOUT);
    suite(() => {
      if (!opened) {
        throw new Error('The test database is only available inside tests and hooks.');
      }
      return opened.database;
    }, kind);
  });
}

/**
 * Registers `suite` twice: on PGlite, and on the PostgreSQL at DATABASE_URL. Without DATABASE_URL
 * the PostgreSQL leg is one skipped test saying why, or, when CI is set, one failing test.
 * `suite` receives a getter for the database (usable inside tests and hooks) and, for choices made
 * while registering tests (run counts), the kind of database.
 */
export function describeDatabases(
  name: string,
  suite: (database: () => TestDatabase, kind: DatabaseKind) => void,
): void {
  describeOn('pglite', name, openPglite, suite);
  const url = process.env.DATABASE_URL;
  if (url) {
    describeOn('postgres', name, () => openPostgres(url), suite);
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
