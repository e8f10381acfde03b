// Which services the demo uses, from its environment: embedded defaults with nothing set, the real
// service when its variables are set, and an error (not a silent fallback) when half of them are.
import { describe, expect, it } from 'vitest';
import { frontendApiOf, loadConfig } from '../src/config.js';

const PUBLISHABLE_KEY = `pk_test_${btoa('clerk.example.com$')}`;

describe('loadConfig', () => {
  it('uses the embedded defaults on port 3000 of this machine with nothing set', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      appOrigins: null,
      identity: { mode: 'development' },
      webhookSigningSecret: null,
      vectors: { kind: 'memory' },
      database: { kind: 'memory' },
      embedder: { kind: 'local' },
    });
  });

  it('takes the port from --port before PORT, and refuses what is not a port', () => {
    expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
    expect(loadConfig({ PORT: '8080' }, ['--port', '0']).port).toBe(0);
    expect(loadConfig({}, ['--port=4000']).port).toBe(4000);
    expect(() => loadConfig({ PORT: 'http' })).toThrow(/PORT must be a port number/);
    expect(() => loadConfig({}, ['--port', '70000'])).toThrow(/--port must be a port number/);
    expect(() => loadConfig({}, ['--port'])).toThrow(/--port needs a value/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ CLERK_SECRET_KEY: '', DATABASE_URL: ' ' })).toMatchObject({
      identity: { mode: 'development' },
      database: { kind: 'memory' },
    });
  });

  it('switches to Clerk, off the development switcher, with a publishable key and a JWT key', () => {
    const config = loadConfig({
      CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
      CLERK_JWT_KEY: '-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----',
      APP_ORIGIN: 'https://app.example.com, https://www.example.com/',
    });
    expect(config.identity).toEqual({
      mode: 'clerk',
      publishableKey: PUBLISHABLE_KEY,
      jwtKey: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
      secretKey: null,
      issuer: 'https://clerk.example.com',
    });
    expect(config.appOrigins).toEqual(['https://app.example.com', 'https://www.example.com']);
  });

  it('accepts a secret key instead of the JWT key, and a webhook signing secret', () => {
    const config = loadConfig({
      CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
      CLERK_SECRET_KEY: 'sk_test_123',
      CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_abc',
    });
    expect(config.webhookSigningSecret).toBe('whsec_abc');
    expect(config.identity).toMatchObject({
      mode: 'clerk',
      secretKey: 'sk_test_123',
      jwtKey: null,
    });
  });

  it('refuses half a Clerk configuration', () => {
    expect(() => loadConfig({ CLERK_SECRET_KEY: 'sk_test_123' })).toThrow(
      /CLERK_PUBLISHABLE_KEY is not/,
    );
    expect(() => loadConfig({ CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY })).toThrow(
      /neither CLERK_JWT_KEY .* nor CLERK_SECRET_KEY/,
    );
    expect(() =>
      loadConfig({ CLERK_PUBLISHABLE_KEY: 'pk_nope', CLERK_SECRET_KEY: 'sk_test_123' }),
    ).toThrow(/not a Clerk publishable key/);
  });

  it('uses Pinecone, PostgreSQL and OpenAI when their variables are set', () => {
    const config = loadConfig({
      PINECONE_API_KEY: 'pc-key',
      PINECONE_INDEX_HOST: 'https://docs-abc.svc.pinecone.io',
      DATABASE_URL: 'postgres://app@db/app',
      OPENAI_API_KEY: 'sk-openai',
    });
    expect(config.vectors).toEqual({
      kind: 'pinecone',
      apiKey: 'pc-key',
      host: 'https://docs-abc.svc.pinecone.io',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://app@db/app' });
    expect(config.embedder).toEqual({
      kind: 'openai',
      apiKey: 'sk-openai',
      model: 'text-embedding-3-small',
      baseURL: null,
    });
  });

  it('refuses a Pinecone key without an index host, and the reverse', () => {
    expect(() => loadConfig({ PINECONE_API_KEY: 'pc-key' })).toThrow(
      'PINECONE_API_KEY is set but PINECONE_INDEX_HOST is not: set PINECONE_API_KEY and PINECONE_INDEX_HOST together, or none of them for the embedded default.',
    );
    expect(() => loadConfig({ PINECONE_INDEX_HOST: 'https://x.pinecone.io' })).toThrow(
      /PINECONE_INDEX_HOST is set but PINECONE_API_KEY is not/,
    );
  });
});

describe('frontendApiOf', () => {
  it('reads the Frontend API host out of a publishable key', () => {
    expect(frontendApiOf(PUBLISHABLE_KEY)).toBe('clerk.example.com');
    expect(frontendApiOf(`pk_live_${btoa('clerk.shop.example$')}`)).toBe('clerk.shop.example');
  });

  it('refuses keys that do not decode to a host', () => {
    expect(() => frontendApiOf(`pk_test_${btoa('no dollar sign')}`)).toThrow(
      /not a Clerk publishable key/,
    );
    expect(() => frontendApiOf('sk_test_abc')).toThrow(/not a Clerk publishable key/);
  });
});
