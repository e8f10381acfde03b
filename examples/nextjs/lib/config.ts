// The app's configuration, read from environment variables at request time (never at build time:
// `next build` runs with no secrets). A half-configured service is an error that names the
// missing variable, never a silent fallback.
import { z } from 'zod';

export interface ClerkConfig {
  readonly publishableKey: string;
  /** PEM public key: session tokens are verified with no network call. */
  readonly jwtKey: string;
  /** `https://` + the Frontend API host the publishable key names: the only accepted `iss`. */
  readonly issuer: string;
  /** Origins allowed in the session token's `azp` (`APP_ORIGIN`, comma-separated). */
  readonly authorizedParties: readonly string[];
}

export type DatabaseConfig =
  /** Embedded PostgreSQL in this process: a data directory, or `memory://` for nothing on disk. */
  | { readonly kind: 'pglite'; readonly dataDir: string }
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
  readonly clerk: ClerkConfig;
  readonly database: DatabaseConfig;
  readonly embedder: EmbedderConfig;
}

/** The configuration is missing or inconsistent: the server's fault, answered with a 500. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_PGLITE_DIR = '.data/pglite';
const DEVELOPMENT_ORIGIN = 'http://localhost:3000';

const optional = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const envSchema = z.object({
  NODE_ENV: optional,
  NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: optional,
  CLERK_PUBLISHABLE_KEY: optional,
  CLERK_SECRET_KEY: optional,
  CLERK_JWT_KEY: optional,
  APP_ORIGIN: optional,
  DATABASE_URL: optional,
  PGLITE_DATA_DIR: optional,
  OPENAI_API_KEY: optional,
  OPENAI_EMBEDDING_MODEL: optional,
  OPENAI_BASE_URL: optional,
});

type Env = z.infer<typeof envSchema>;

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
    throw new ConfigError(
      'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY is not a Clerk publishable key (pk_test_… or pk_live_… from the Clerk Dashboard, API keys page).',
    );
  }
  return decoded.slice(0, -1);
}

const CLERK_VARIABLES = [
  'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY',
  'CLERK_SECRET_KEY',
  'CLERK_JWT_KEY',
] as const;

function clerkConfig(env: Env): ClerkConfig {
  if (
    env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY !== undefined &&
    env.CLERK_PUBLISHABLE_KEY !== undefined &&
    env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY !== env.CLERK_PUBLISHABLE_KEY
  ) {
    throw new ConfigError(
      'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY and CLERK_PUBLISHABLE_KEY are both set and differ: set one of them.',
    );
  }
  const values = {
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY:
      env.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY ?? env.CLERK_PUBLISHABLE_KEY,
    CLERK_SECRET_KEY: env.CLERK_SECRET_KEY,
    CLERK_JWT_KEY: env.CLERK_JWT_KEY,
  };
  const missing = CLERK_VARIABLES.filter((name) => values[name] === undefined);
  if (missing.length === CLERK_VARIABLES.length) {
    throw new ConfigError(
      'Clerk is not configured: set NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY and CLERK_JWT_KEY (Clerk Dashboard, API keys page; the JWT public key is under "Show JWT public key").',
    );
  }
  if (missing.length > 0) {
    const set = CLERK_VARIABLES.filter((name) => values[name] !== undefined);
    throw new ConfigError(
      `${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not: set all three. CLERK_JWT_KEY lets clerkMiddleware and the resolver verify sessions with no network call; @clerk/nextjs needs CLERK_SECRET_KEY.`,
    );
  }
  const publishableKey = values.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY!;
  if (!/^sk_(test|live)_\S+$/.test(values.CLERK_SECRET_KEY!)) {
    throw new ConfigError('CLERK_SECRET_KEY must be a Clerk secret key (sk_test_… or sk_live_…).');
  }
  // Dashboards and .env files often carry the PEM with literal "\n".
  const jwtKey = values.CLERK_JWT_KEY!.replace(/\\n/g, '\n');
  if (!/^-----BEGIN PUBLIC KEY-----\s[\s\S]+\s-----END PUBLIC KEY-----$/.test(jwtKey)) {
    throw new ConfigError(
      'CLERK_JWT_KEY must be the PEM public key from the Clerk Dashboard (-----BEGIN PUBLIC KEY----- …), with its line breaks (or \\n).',
    );
  }
  const issuer = `https://${frontendApiOf(publishableKey)}`;
  const authorizedParties = appOrigins(env);
  return { publishableKey, jwtKey, issuer, authorizedParties };
}

function appOrigins(env: Env): readonly string[] {
  if (env.APP_ORIGIN === undefined) {
    if (env.NODE_ENV === 'production') {
      throw new ConfigError(
        'APP_ORIGIN is not set: in production, set it to the origin(s) the app is served from (comma-separated, e.g. https://app.example.com); session tokens minted for any other site are refused.',
      );
    }
    return [DEVELOPMENT_ORIGIN];
  }
  const origins = env.APP_ORIGIN.split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      url = null;
    }
    if (
      url === null ||
      !/^https?:$/.test(url.protocol) ||
      url.origin !== origin.replace(/\/$/, '')
    ) {
      throw new ConfigError(
        `APP_ORIGIN holds "${origin}", which is not an origin: write scheme, host and port only, e.g. https://app.example.com or http://localhost:3000.`,
      );
    }
  }
  if (origins.length === 0) {
    throw new ConfigError('APP_ORIGIN is empty: set the origin(s) the app is served from.');
  }
  return origins.map((origin) => origin.replace(/\/$/, ''));
}

function databaseConfig(env: Env): DatabaseConfig {
  if (env.DATABASE_URL !== undefined) {
    if (env.PGLITE_DATA_DIR !== undefined) {
      throw new ConfigError(
        'DATABASE_URL and PGLITE_DATA_DIR are both set: set DATABASE_URL for PostgreSQL, or PGLITE_DATA_DIR for the embedded database, not both.',
      );
    }
    if (!/^postgres(ql)?:\/\/\S+$/.test(env.DATABASE_URL)) {
      throw new ConfigError(
        'DATABASE_URL must be a PostgreSQL connection string (postgres://user:password@host:5432/db).',
      );
    }
    return { kind: 'postgres', url: env.DATABASE_URL };
  }
  return { kind: 'pglite', dataDir: env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DIR };
}

function embedderConfig(env: Env): EmbedderConfig {
  if (env.OPENAI_API_KEY === undefined) {
    const stray = (['OPENAI_EMBEDDING_MODEL', 'OPENAI_BASE_URL'] as const).filter(
      (name) => env[name] !== undefined,
    );
    if (stray.length > 0) {
      throw new ConfigError(
        `${stray.join(' and ')} ${stray.length === 1 ? 'is' : 'are'} set but OPENAI_API_KEY is not: set the key too, or unset ${stray.length === 1 ? 'it' : 'them'} for the local embedder.`,
      );
    }
    return { kind: 'local' };
  }
  return {
    kind: 'openai',
    apiKey: env.OPENAI_API_KEY,
    model: env.OPENAI_EMBEDDING_MODEL ?? 'text-embedding-3-small',
    baseURL: env.OPENAI_BASE_URL ?? null,
  };
}

/** Validates the environment into the app's configuration, or throws a ConfigError saying what to set. */
export function loadConfig(rawEnv: Readonly<Record<string, string | undefined>>): AppConfig {
  const parsed = envSchema.safeParse(rawEnv);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const env = parsed.data;
  return {
    clerk: clerkConfig(env),
    database: databaseConfig(env),
    embedder: embedderConfig(env),
  };
}

const CONFIG_VARIABLES = Object.keys(envSchema.shape) as (keyof Env)[];

let cached: { readonly key: string; readonly config: AppConfig } | null = null;

/**
 * The configuration of `process.env`, validated once per distinct environment. Called at request
 * time by the proxy, the route handlers and the page, so `next build` needs no variables.
 */
export function currentConfig(): AppConfig {
  const env: Record<string, string | undefined> = {};
  for (const name of CONFIG_VARIABLES) env[name] = process.env[name];
  const key = JSON.stringify(env);
  if (cached?.key !== key) cached = { key, config: loadConfig(env) };
  return cached.config;
}
