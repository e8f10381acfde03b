// The environment → configuration rules: each service has a default or a clear error, and a
// half-configured one is refused with a message naming what to set (never its value).
import { createClerkTestIssuer } from '@scoped-rag/testing/clerk';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PGLITE_DIR, loadConfig } from '../lib/config';

const issuer = await createClerkTestIssuer({ frontendApi: 'clerk.example-nextjs.test' });
const CLERK = {
  NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: issuer.publishableKey,
  CLERK_SECRET_KEY: 'sk_test_abc123',
  CLERK_JWT_KEY: issuer.jwtKey,
};

function refusal(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}

describe('loadConfig', () => {
  it('takes the three Clerk variables, and defaults to PGlite on disk and the local embedder', () => {
    const config = loadConfig(CLERK);
    expect(config.clerk).toEqual({
      publishableKey: issuer.publishableKey,
      jwtKey: issuer.jwtKey,
      issuer: 'https://clerk.example-nextjs.test',
      authorizedParties: ['http://localhost:3000'],
    });
    expect(config.database).toEqual({ kind: 'pglite', dataDir: DEFAULT_PGLITE_DIR });
    expect(config.embedder).toEqual({ kind: 'local' });
  });

  it('refuses to run without Clerk, and names what is missing when half-configured', () => {
    expect(refusal({})).toMatch(
      /Clerk is not configured: set NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY and CLERK_JWT_KEY/,
    );
    expect(refusal({ CLERK_JWT_KEY: issuer.jwtKey })).toMatch(
      /^CLERK_JWT_KEY is set but NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY are not/,
    );
    const message = refusal({ ...CLERK, CLERK_JWT_KEY: '' });
    expect(message).toMatch(/CLERK_SECRET_KEY are set but CLERK_JWT_KEY is not/);
    expect(message).not.toContain('sk_test_abc123');
  });

  it('accepts CLERK_PUBLISHABLE_KEY as well, but not two different publishable keys', () => {
    const { NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY, ...rest } = CLERK;
    expect(
      loadConfig({ ...rest, CLERK_PUBLISHABLE_KEY: NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY }).clerk
        .issuer,
    ).toBe('https://clerk.example-nextjs.test');
    expect(refusal({ ...CLERK, CLERK_PUBLISHABLE_KEY: 'pk_test_b3RoZXIuZXhhbXBsZSQ' })).toMatch(
      /both set and differ/,
    );
  });

  it('refuses keys of the wrong shape, and reads a PEM written with literal \\n', () => {
    expect(refusal({ ...CLERK, NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: 'pk_test_nope' })).toMatch(
      /not a Clerk publishable key/,
    );
    expect(refusal({ ...CLERK, CLERK_SECRET_KEY: 'secret' })).toMatch(/sk_test_… or sk_live_…/);
    expect(refusal({ ...CLERK, CLERK_JWT_KEY: 'MIIBIjANBgkq' })).toMatch(/PEM public key/);
    const escaped = issuer.jwtKey.replace(/\n/g, '\\n');
    expect(loadConfig({ ...CLERK, CLERK_JWT_KEY: escaped }).clerk.jwtKey).toBe(issuer.jwtKey);
  });

  it('needs APP_ORIGIN in production, and takes only origins', () => {
    expect(refusal({ ...CLERK, NODE_ENV: 'production' })).toMatch(/APP_ORIGIN is not set/);
    const config = loadConfig({
      ...CLERK,
      NODE_ENV: 'production',
      APP_ORIGIN: 'https://app.example.com/, https://www.example.com',
    });
    expect(config.clerk.authorizedParties).toEqual([
      'https://app.example.com',
      'https://www.example.com',
    ]);
    expect(refusal({ ...CLERK, APP_ORIGIN: 'https://app.example.com/chat' })).toMatch(
      /not an origin/,
    );
    expect(refusal({ ...CLERK, APP_ORIGIN: 'app.example.com' })).toMatch(/not an origin/);
    expect(refusal({ ...CLERK, APP_ORIGIN: ' , ' })).toMatch(/APP_ORIGIN is empty/);
  });

  it('uses PostgreSQL with DATABASE_URL, and refuses it beside PGLITE_DATA_DIR', () => {
    const url = 'postgres://app:secret@127.0.0.1:5432/app';
    expect(loadConfig({ ...CLERK, DATABASE_URL: url }).database).toEqual({
      kind: 'postgres',
      url,
    });
    expect(loadConfig({ ...CLERK, PGLITE_DATA_DIR: 'memory://' }).database).toEqual({
      kind: 'pglite',
      dataDir: 'memory://',
    });
    expect(refusal({ ...CLERK, DATABASE_URL: url, PGLITE_DATA_DIR: 'memory://' })).toMatch(
      /both set/,
    );
    expect(refusal({ ...CLERK, DATABASE_URL: 'mysql://x' })).toMatch(/PostgreSQL connection/);
  });

  it('uses OpenAI embeddings with OPENAI_API_KEY, and refuses its options without the key', () => {
    expect(
      loadConfig({
        ...CLERK,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_EMBEDDING_MODEL: 'text-embedding-3-large',
      }).embedder,
    ).toEqual({
      kind: 'openai',
      apiKey: 'sk-test',
      model: 'text-embedding-3-large',
      baseURL: null,
    });
    expect(refusal({ ...CLERK, OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1' })).toMatch(
      /OPENAI_BASE_URL is set but OPENAI_API_KEY is not/,
    );
  });

  it('treats empty and blank variables as unset', () => {
    expect(
      loadConfig({ ...CLERK, DATABASE_URL: '', OPENAI_API_KEY: '   ', APP_ORIGIN: '' }),
    ).toMatchObject({ database: { kind: 'pglite' }, embedder: { kind: 'local' } });
  });
});
