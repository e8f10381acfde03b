// Builds what the app composes from the configuration: the identity resolver, the vector store,
// the document, thread and audit stores, the embedder, and the RAG pipeline over them.
import {
  type ClerkCredential,
  createClerkIdentityResolver,
  createClerkWebhookHandler,
} from '@scoped-rag/clerk';
import {
  type AuditLog,
  createLocalEmbedder,
  createMemoryAuditSink,
  createMemoryDocumentStore,
  createMemoryThreadStore,
  createMemoryVectorStore,
  createMemoryWebhookEventStore,
  createOpenAIEmbedder,
  createRag,
  createRecursiveChunker,
  type DocumentStore,
  type Embedder,
  type IdentityResolver,
  orgPolicy,
  type Rag,
  type ScopePolicy,
  type ThreadStore,
  type VectorStore,
  type WebhookEventStore,
} from '@scoped-rag/core';
import {
  type AnyPgDatabase,
  createDrizzleAuditLog,
  createDrizzleDocumentStore,
  createDrizzleThreadStore,
  createDrizzleWebhookEventStore,
  migrate,
} from '@scoped-rag/drizzle';
import { createPineconeVectorStore } from '@scoped-rag/pinecone';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { AppConfig, DatabaseConfig, EmbedderConfig, VectorsConfig } from './config.js';
import { createDevSessions, type DevSessions } from './dev-identities.js';

/** What the page shows about the running configuration. */
export interface ServiceDescription {
  readonly identity: 'development' | 'clerk';
  readonly vectors: 'memory' | 'pinecone';
  readonly database: 'memory' | 'postgres';
  readonly embedder: string;
}

export interface Services {
  readonly policy: ScopePolicy;
  readonly rag: Rag<Request>;
  readonly threads: ThreadStore;
  readonly resolver: IdentityResolver<ClerkCredential>;
  /** Only with the development identity (no Clerk keys). */
  readonly devSessions: DevSessions | null;
  /** `POST /api/webhooks/clerk`, with a webhook signing secret. */
  readonly clerkWebhooks: ((request: Request) => Promise<Response>) | null;
  readonly description: ServiceDescription;
  close(): Promise<void>;
}

export interface PersistenceStores {
  readonly kind: 'memory' | 'postgres';
  readonly documents: DocumentStore;
  readonly threads: ThreadStore;
  readonly audit: AuditLog;
  readonly webhookEvents: WebhookEventStore;
}

/** The Drizzle stores over a PostgreSQL database (node-postgres, or PGlite in tests), migrated. */
export async function createDrizzleStores(db: AnyPgDatabase): Promise<PersistenceStores> {
  await migrate(db);
  return {
    kind: 'postgres',
    documents: createDrizzleDocumentStore({ db }),
    threads: createDrizzleThreadStore({ db }),
    audit: createDrizzleAuditLog({ db }),
    webhookEvents: createDrizzleWebhookEventStore({ db }),
  };
}

function createEmbedder(config: EmbedderConfig): Embedder {
  if (config.kind === 'local') return createLocalEmbedder();
  return createOpenAIEmbedder({
    apiKey: config.apiKey,
    model: config.model,
    ...(config.baseURL !== null ? { baseURL: config.baseURL } : {}),
  });
}

function createVectorStore(config: VectorsConfig, dimensions: number): VectorStore {
  if (config.kind === 'memory') return createMemoryVectorStore({ dimensions });
  // The adapter makes (and caches) an SDK client without the SDK's own retries: it retries itself.
  return createPineconeVectorStore({ apiKey: config.apiKey, host: config.host, dimensions });
}

async function createPersistence(
  config: DatabaseConfig,
): Promise<PersistenceStores & { close(): Promise<void> }> {
  if (config.kind === 'memory') {
    return {
      kind: 'memory',
      documents: createMemoryDocumentStore(),
      threads: createMemoryThreadStore(),
      audit: createMemoryAuditSink(),
      webhookEvents: createMemoryWebhookEventStore(),
      close: async () => {},
    };
  }
  const pool = new pg.Pool({ connectionString: config.url });
  try {
    const stores = await createDrizzleStores(drizzle(pool));
    return { ...stores, close: () => pool.end() };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

export interface CreateServicesOptions {
  /** The origins the page is served from (session tokens' `azp` must be one of them). */
  readonly origins: readonly string[];
  /** Stores to use instead of those `config.database` names (tests pass PGlite-backed ones). */
  readonly persistence?: PersistenceStores;
}

export async function createServices(
  config: AppConfig,
  options: CreateServicesOptions,
): Promise<Services> {
  // The active organization is the tenant; without one, the user's personal workspace. Documents
  // are shared with the organization or private to their owner; only org:admin may erase.
  const policy = orgPolicy();
  const embedder = createEmbedder(config.embedder);
  const vectors = createVectorStore(config.vectors, embedder.dimensions);

  let devSessions: DevSessions | null = null;
  let resolver: IdentityResolver<ClerkCredential>;
  if (config.identity.mode === 'development') {
    devSessions = await createDevSessions(options.origins);
    resolver = createClerkIdentityResolver({
      jwtKey: devSessions.jwtKey,
      issuer: devSessions.issuer,
      authorizedParties: devSessions.authorizedParties,
    });
  } else {
    const { jwtKey, secretKey, issuer } = config.identity;
    resolver = createClerkIdentityResolver({
      ...(jwtKey !== null ? { jwtKey } : {}),
      ...(secretKey !== null ? { secretKey } : {}),
      issuer,
      authorizedParties: options.origins,
    });
  }

  const persistence = options.persistence
    ? { ...options.persistence, close: async () => {} }
    : await createPersistence(config.database);
  const rag = createRag<Request>({
    policy,
    vectors,
    documents: persistence.documents,
    threads: persistence.threads,
    audit: persistence.audit,
    embedder,
    // Smaller than the default 1,000 characters, so a pasted page yields several chunks to rank.
    chunker: createRecursiveChunker({ chunkSize: 500, chunkOverlap: 80 }),
    resolver,
    // After an erasure the pipeline refuses ingests into the erased tenant for a while (default 10
    // minutes), because sessions issued before a deletion in Clerk stay valid a minute or so.
    // Without webhooks the only erasure is the page's, which wipes a workspace that goes on
    // existing: new uploads are accepted right away then.
    ...(config.webhookSigningSecret === null ? { tombstoneMs: 0 } : {}),
  });
  const clerkWebhooks =
    config.webhookSigningSecret === null
      ? null
      : // Verified (svix), processed once per delivery, and a deletion erases it from every store
        // of the pipeline: vectors, documents, chunks, threads and the audit trail.
        createClerkWebhookHandler({
          signingSecret: config.webhookSigningSecret,
          events: persistence.webhookEvents,
          rag,
          onEvent: (event, { receipts: { rag: receipt } }) => {
            if (receipt)
              console.log(
                `${event.type}: erased ${receipt.documents} document(s), ${receipt.vectors} vector(s), ${receipt.threads ?? 0} thread(s).`,
              );
          },
        });

  return {
    policy,
    rag,
    threads: persistence.threads,
    resolver,
    devSessions,
    clerkWebhooks,
    description: {
      identity: config.identity.mode,
      vectors: config.vectors.kind,
      database: persistence.kind,
      embedder: `${embedder.provider}/${embedder.model} (${embedder.dimensions} dimensions)`,
    },
    close: () => persistence.close(),
  };
}
