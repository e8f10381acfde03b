// The slice of a Prisma Client the stores use, typed structurally: any client generated from a
// schema that includes prisma/scoped-rag.prisma (generator `prisma-client` or `prisma-client-js`,
// Prisma 7) has it. The stores never import the app's generated client.

/** Interactive-transaction options, passed to `$transaction(fn, options)` as they are. */
export interface PrismaTransactionOptions {
  /** Longest wait for a connection, in ms (Prisma's default: 2,000). */
  readonly maxWait?: number;
  /** Longest a transaction may run, in ms (Prisma's default: 5,000). */
  readonly timeout?: number;
}

/**
 * A Prisma Client (or an extended one) whose schema includes the scoped-rag models. Typed loosely on
 * purpose: generated clients differ per app, and the stores check at run time that the models exist.
 */
export interface ScopedRagPrismaClient {
  // biome-ignore lint/suspicious/noExplicitAny: every generated client's $transaction overloads fit.
  $transaction(...args: any[]): Promise<any>;
}

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface DocumentRow {
  tenantKey: string;
  id: string;
  ownerId: string;
  visibility: string;
  state: string;
  contentHash: string;
  title: string | null;
  source: string | null;
  metadata: JsonValue;
  chunkCount: number;
  error: string | null;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ChunkRow {
  tenantKey: string;
  documentId: string;
  generation: string;
  position: number;
  text: string;
  vectorId: string;
}

export interface ThreadRow {
  tenantKey: string;
  id: string;
  ownerId: string;
  title: string | null;
  archived: boolean;
  metadata: JsonValue;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageRow {
  tenantKey: string;
  threadId: string;
  seq: number;
  id: string;
  role: string;
  content: string;
  metadata: JsonValue;
  createdAt: Date;
}

export interface AuditEventRow {
  seq: bigint;
  tenantKey: string;
  userId: string;
  action: string;
  at: Date;
  policy: string;
  namespace: string;
  ids: JsonValue;
  filter: string | null;
  reason: string | null;
}

export interface WebhookEventRow {
  source: string;
  id: string;
  state: string;
  token: string | null;
  leaseUntil: Date | null;
  processedAt: Date | null;
}

/** A model delegate as the stores call it (arguments are Prisma's, checked by Prisma at run time). */
export interface Delegate<Row> {
  findFirst(args: object): Promise<Row | null>;
  findMany(args: object): Promise<Row[]>;
  count(args: object): Promise<number>;
  create(args: object): Promise<Row>;
  createMany(args: object): Promise<{ count: number }>;
  createManyAndReturn(args: object): Promise<Row[]>;
  updateMany(args: object): Promise<{ count: number }>;
  updateManyAndReturn(args: object): Promise<Row[]>;
  upsert(args: object): Promise<Row>;
  deleteMany(args: object): Promise<{ count: number }>;
}

/** The interactive-transaction client the stores work with. */
export interface ScopedRagTx {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): Promise<number>;
  scopedRagDocument: Delegate<DocumentRow>;
  scopedRagChunk: Delegate<ChunkRow>;
  scopedRagThread: Delegate<ThreadRow>;
  scopedRagMessage: Delegate<MessageRow>;
  scopedRagAuditEvent: Delegate<AuditEventRow>;
  scopedRagWebhookEvent: Delegate<WebhookEventRow>;
}
