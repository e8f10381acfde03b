// What the route handlers compose, made once per server process: one database (embedded PGlite or
// PostgreSQL) holding the Drizzle documents, threads and audit trail and the pgvector table, the
// embedder, and the RAG pipeline over them.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import {
  createLocalEmbedder,
  createOpenAIEmbedder,
  createRag,
  createRecursiveChunker,
  type Embedder,
  orgPolicy,
  type Rag,
  type ThreadStore,
} from '@scoped-rag/core';
import {
  type AnyPgDatabase,
  createDrizzleAuditLog,
  createDrizzleDocumentStore,
  createDrizzleThreadStore,
  createPgVectorStore,
  migrate,
} from '@scoped-rag/drizzle';
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { type AppConfig, currentConfig, type DatabaseConfig, type EmbedderConfig } from './config';

export interface Services {
  readonly rag: Rag;
  readonly threads: ThreadStore;
  readonly description: {
    readonly database: DatabaseConfig['kind'];
    readonly embedder: string;
  };
  close(): Promise<void>;
}

/**
 * The role the app runs as on PGlite. PGlite's own user is a superuser, and row-level security
 * does not bind superusers: statements run as this ordinary role, so the tables' policies (the
 * second line of defence behind the scoped stores) apply as they do on a real server.
 */
const PGLITE_APP_ROLE = 'scoped_rag_app';
const PGLITE_APP_SCHEMA = 'scoped_rag';

interface OpenDatabase {
  readonly db: AnyPgDatabase;
  close(): Promise<void>;
}

async function openPglite(dataDir: string): Promise<OpenDatabase> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir, { extensions: { vector } });
  try {
    // As PGlite's superuser, once: the extension, then a schema owned by the app role.
    await client.exec(`
      CREATE EXTENSION IF NOT EXISTS vector;
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PGLITE_APP_ROLE}') THEN
          CREATE ROLE ${PGLITE_APP_ROLE} NOSUPERUSER NOBYPASSRLS;
        END IF;
      END $$;
      CREATE SCHEMA IF NOT EXISTS ${PGLITE_APP_SCHEMA} AUTHORIZATION ${PGLITE_APP_ROLE};
      SET ROLE ${PGLITE_APP_ROLE};
      SET search_path TO ${PGLITE_APP_SCHEMA}, public;`);
  } catch (error) {
    await client.close();
    throw error;
  }
  return { db: drizzlePglite({ client }), close: () => client.close() };
}

function openPostgres(url: string): OpenDatabase {
  // Connect as a role that is neither a superuser nor BYPASSRLS, or row-level security won't bind.
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return { db: drizzleNodePostgres({ client: pool }), close: () => pool.end() };
}

function createEmbedder(config: EmbedderConfig): Embedder {
  if (config.kind === 'local') return createLocalEmbedder();
  return createOpenAIEmbedder({
    apiKey: config.apiKey,
    model: config.model,
    ...(config.baseURL !== null ? { baseURL: config.baseURL } : {}),
  });
}

export async function createServices(config: AppConfig): Promise<Services> {
  const embedder = createEmbedder(config.embedder);
  const database =
    config.database.kind === 'pglite'
      ? await openPglite(config.database.dataDir)
      : openPostgres(config.database.url);
  try {
    const { db } = database;
    // Idempotent, under advisory locks: safe at every start and from several instances.
    await migrate(db);
    // One vector table per database; it refuses to open with another embedder's dimensions.
    const vectors = createPgVectorStore({ db, dimensions: embedder.dimensions, metric: 'cosine' });
    await vectors.ensureTable();
    const threads = createDrizzleThreadStore({ db });
    const rag = createRag({
      // The active organization is the tenant; without one, the user's personal workspace.
      // Documents are shared with the organization or private to their owner.
      policy: orgPolicy(),
      vectors,
      documents: createDrizzleDocumentStore({ db }),
      threads,
      audit: createDrizzleAuditLog({ db }),
      embedder,
      chunker: createRecursiveChunker({ chunkSize: 500, chunkOverlap: 80 }),
    });
    return {
      rag,
      threads,
      description: {
        database: config.database.kind,
        embedder: `${embedder.provider}/${embedder.model} (${embedder.dimensions} dimensions)`,
      },
      close: () => database.close(),
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

// On globalThis rather than in a module variable: `next dev` re-evaluates modules on every edit,
// and a second PGlite on the same data directory (or a second pool) must never be opened.
const SERVICES = Symbol.for('@scoped-rag/example-nextjs.services');
type ServicesHolder = { [SERVICES]?: { fingerprint: string; services: Promise<Services> } };
const holder = globalThis as ServicesHolder;

/**
 * The process-wide services for the current configuration, made on first use. When the
 * configuration changes (`next dev` reloads `.env.local` without restarting), the old services
 * are closed before new ones open: never two PGlite instances on one data directory.
 */
export function getServices(): Promise<Services> {
  const config = currentConfig();
  const fingerprint = JSON.stringify(config);
  const held = holder[SERVICES];
  if (held && held.fingerprint === fingerprint) return held.services;
  const previous = held?.services.then(
    (services) => services.close(),
    () => {},
  );
  const services = (previous ?? Promise.resolve()).then(() => createServices(config));
  holder[SERVICES] = { fingerprint, services };
  // A failed start (database unreachable, wrong dimensions) is retried by the next request.
  services.catch(() => {
    if (holder[SERVICES]?.services === services) delete holder[SERVICES];
  });
  return services;
}

/** Closes the process-wide services (tests, graceful shutdown). */
export async function closeServices(): Promise<void> {
  const held = holder[SERVICES];
  delete holder[SERVICES];
  if (held) await (await held.services.catch(() => null))?.close();
}
