// The one place that decides which services the demo uses: embedded defaults with no credentials,
// or the real Clerk, Pinecone, PostgreSQL and OpenAI when their environment variables are set.
import { InvalidInputError } from '@scoped-rag/core';
import { z } from 'zod';

export type IdentityConfig =
  /** Clerk-shaped session tokens from a local issuer, minted for the identity picked on the page. */
  | { readonly mode: 'development' }
  | {
      readonly mode: 'clerk';
      readonly publishableKey: string;
      readonly jwtKey: string | null;
      readonly secretKey: string | null;
      /** `https://` + the Frontend API host named by the publishable key. */
      readonly issuer: string;
    };

export type VectorsConfig =
  | { readonly kind: 'memory' }
  | { readonly kind: 'pinecone'; readonly apiKey: string; readonly host: string };

export type DatabaseConfig =
  | { readonly kind: 'memory' }
  | { readonly kind: 'postgres'; readonly url: string };

export type EmbedderConfig =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'openai';
      readonly apiKey: string;
      readonly model: string;
      readonly baseURL: string | null;
    };

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /**
   * Where the page is served from, from `APP_ORIGIN` (comma-separated): session tokens must name
   * one of them in `azp`. Null: this machine's `http://127.0.0.1:PORT` and `http://localhost:PORT`.
   */
  readonly appOrigins: readonly string[] | null;
  readonly identity: IdentityConfig;
  /** `CLERK_WEBHOOK_SIGNING_SECRET`: serve `POST /api/webhooks/clerk`, erasing on deletions. */
  readonly webhookSigningSecret: string | null;
  readonly vectors: VectorsConfig;
  readonly database: DatabaseConfig;
  readonly embedder: EmbedderConfig;
}

const optional = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const envSchema = z.object({
  PORT: optional,
  HOST: optional,
  CLERK_PUBLISHABLE_KEY: optional,
  CLERK_SECRET_KEY: optional,
  CLERK_JWT_KEY: optional,
  CLERK_WEBHOOK_SIGNING_SECRET: optional,
  APP_ORIGIN: optional,
  PINECONE_API_KEY: optional,
  PINECONE_INDEX_HOST: optional,
  DATABASE_URL: optional,
  OPENAI_API_KEY: optional,
  OPENAI_EMBEDDING_MODEL: optional,
  OPENAI_BASE_URL: optional,
});

function parsePort(value: string, where: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidInputError(`${where} must be a port number from 0 to 65535, got "${value}".`);
  }
  return port;
}

/** The `--port N` (or `--port=N`) argument, if given. */
function portArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--port') {
      const value = argv[i + 1];
      if (value === undefined) throw new InvalidInputError('--port needs a value, e.g. --port 0.');
      return value;
    }
    if (arg.startsWith('--port=')) return arg.slice('--port='.length);
  }
  return undefined;
}

/** The Frontend API host a publishable key names (`pk_test_` + base64 of `<host>$`). */
export function frontendApiOf(publishableKey: string): string {
  const match = /^pk_(test|live)_([A-Za-z0-9+/=_-]+)$/.exec(publishableKey);
  let decoded = '';
  if (match) {
    try {
      decoded = atob(match[2]!.replace(/-/g, '+').replace(/_/g, '/'));
    } catch {
      decoded = '';
    }
  }
  if (!/^[a-z0-9.-]+(:\d+)?\$$/i.test(decoded)) {
    throw new InvalidInputError(
      'CLERK_PUBLISHABLE_KEY is not a Clerk publishable key (pk_test_… or pk_live_… from the Clerk Dashboard, API keys page).',
    );
  }
  return decoded.slice(0, -1);
}

function requireTogether(env: Record<string, string | undefined>, names: readonly string[]) {
  const set = names.filter((name) => env[name] !== undefined);
  if (set.length > 0 && set.length < names.length) {
    const missing = names.filter((name) => env[name] === undefined);
    throw new InvalidInputError(
      `${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not: set ${names.join(' and ')} together, or none of them for the embedded default.`,
    );
  }
}

/**
 * Reads the configuration from environment variables and command-line arguments. Each service
 * falls back to its embedded default when its variables are absent; a half-configured service
 * is an error rather than a silent fallback.
 */
export function loadConfig(
  rawEnv: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
): AppConfig {
  const env = envSchema.parse(rawEnv);
  const portText = portArgument(argv) ?? env.PORT;
  const port =
    portText === undefined ? 3000 : parsePort(portText, portText === env.PORT ? 'PORT' : '--port');

  let identity: IdentityConfig = { mode: 'development' };
  if (
    env.CLERK_SECRET_KEY !== undefined ||
    env.CLERK_JWT_KEY !== undefined ||
    env.CLERK_PUBLISHABLE_KEY !== undefined
  ) {
    if (env.CLERK_PUBLISHABLE_KEY === undefined) {
      throw new InvalidInputError(
        'CLERK_SECRET_KEY or CLERK_JWT_KEY is set but CLERK_PUBLISHABLE_KEY is not: the publishable key names the token issuer, which is checked on every request.',
      );
    }
    if (env.CLERK_SECRET_KEY === undefined && env.CLERK_JWT_KEY === undefined) {
      throw new InvalidInputError(
        'CLERK_PUBLISHABLE_KEY is set but neither CLERK_JWT_KEY (networkless verification, recommended) nor CLERK_SECRET_KEY is.',
      );
    }
    identity = {
      mode: 'clerk',
      publishableKey: env.CLERK_PUBLISHABLE_KEY,
      // Dashboards and .env files often carry the PEM with literal "\n".
      jwtKey: env.CLERK_JWT_KEY?.replace(/\\n/g, '\n') ?? null,
      secretKey: env.CLERK_SECRET_KEY ?? null,
      issuer: `https://${frontendApiOf(env.CLERK_PUBLISHABLE_KEY)}`,
    };
  }

  requireTogether(env, ['PINECONE_API_KEY', 'PINECONE_INDEX_HOST']);
  const vectors: VectorsConfig =
    env.PINECONE_API_KEY !== undefined && env.PINECONE_INDEX_HOST !== undefined
      ? { kind: 'pinecone', apiKey: env.PINECONE_API_KEY, host: env.PINECONE_INDEX_HOST }
      : { kind: 'memory' };

  const database: DatabaseConfig =
    env.DATABASE_URL !== undefined
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'memory' };

  const embedder: EmbedderConfig =
    env.OPENAI_API_KEY !== undefined
      ? {
          kind: 'openai',
          apiKey: env.OPENAI_API_KEY,
          model: env.OPENAI_EMBEDDING_MODEL ?? 'text-embedding-3-small',
          baseURL: env.OPENAI_BASE_URL ?? null,
        }
      : { kind: 'local' };

  const appOrigins = env.APP_ORIGIN?.split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin !== '');

  return {
    port,
    // The development identity switcher signs anyone in as anyone: keep it on this machine.
    host: env.HOST ?? '127.0.0.1',
    appOrigins: appOrigins && appOrigins.length > 0 ? appOrigins : null,
    identity,
    webhookSigningSecret: env.CLERK_WEBHOOK_SIGNING_SECRET ?? null,
    vectors,
    database,
    embedder,
  };
}
