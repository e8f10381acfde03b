// The process-wide services: one per configuration, kept across module reloads on globalThis,
// reopened (old ones closed first) when the configuration changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity } from '@scoped-rag/core';
import { createClerkTestIssuer } from '@scoped-rag/testing/clerk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeServices, getServices } from '../lib/services';

const dataDir = mkdtempSync(join(tmpdir(), 'scoped-rag-nextjs-'));

beforeAll(async () => {
  const issuer = await createClerkTestIssuer();
  vi.stubEnv('NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', issuer.publishableKey);
  vi.stubEnv('CLERK_SECRET_KEY', 'sk_test_offline');
  vi.stubEnv('CLERK_JWT_KEY', issuer.jwtKey);
  vi.stubEnv('DATABASE_URL', '');
  vi.stubEnv('PGLITE_DATA_DIR', dataDir);
});
afterAll(async () => {
  await closeServices();
  vi.unstubAllEnvs();
  rmSync(dataDir, { recursive: true, force: true });
});

const alice = createIdentity({ userId: 'user_alice', orgId: 'org_acme' });

describe('getServices', () => {
  it('makes the services once per configuration, on globalThis', async () => {
    const first = getServices();
    expect(getServices()).toBe(first);
    const services = await first;
    expect(services.description).toEqual({
      database: 'pglite',
      embedder: expect.stringMatching(/^local\/.+ \(384 dimensions\)$/),
    });
    expect(
      (globalThis as Record<symbol, unknown>)[Symbol.for('@scoped-rag/example-nextjs.services')],
    ).toMatchObject({ services: first });
  });

  it('keeps the data in PGLITE_DATA_DIR across a restart, and reopens on a configuration change', async () => {
    const docs = (await getServices()).rag.forIdentity(alice);
    await docs.ingest({ id: 'kept', title: 'Kept', text: 'Written before the restart.' });

    // Another configuration: the on-disk database is closed first, then the new one opens.
    vi.stubEnv('PGLITE_DATA_DIR', 'memory://');
    const inMemory = await getServices();
    expect((await inMemory.rag.forIdentity(alice).listDocuments()).items).toEqual([]);

    // Back to the directory: a new PGlite on the same files sees what was written.
    vi.stubEnv('PGLITE_DATA_DIR', dataDir);
    const reopened = await getServices();
    expect(reopened).not.toBe(inMemory);
    const titles = (await reopened.rag.forIdentity(alice).listDocuments()).items.map(
      (doc) => doc.title,
    );
    expect(titles).toEqual(['Kept']);
  });
});
