#!/usr/bin/env node
// Generates the Prisma Client the tests use (test/generated/client, gitignored) from the scoped-rag
// fragment (prisma/scoped-rag.prisma) plus the test app's models (test/prisma/app.prisma).
// Offline: `prisma generate` needs no schema engine, but the CLI still tries to download one unless
// PRISMA_SCHEMA_ENGINE_BINARY points at an executable, so it points at a stub that exits 1.
// Skips the work when the inputs and the Prisma version are unchanged. Run by vitest's
// globalSetup and by `pnpm typecheck`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test', 'generated');
const require = createRequire(join(root, 'package.json'));
const prismaCli = require.resolve('prisma/build/index.js');
const prismaVersion = JSON.parse(
  readFileSync(require.resolve('prisma/package.json'), 'utf8'),
).version;

export function generateTestClient() {
  const fragment = readFileSync(join(root, 'prisma', 'scoped-rag.prisma'), 'utf8');
  const app = readFileSync(join(root, 'test', 'prisma', 'app.prisma'), 'utf8');
  const stamp = createHash('sha256').update(`${prismaVersion}\n${fragment}\n${app}`).digest('hex');
  const stampFile = join(out, 'stamp');
  if (existsSync(join(out, 'client', 'client.ts')) && existsSync(stampFile)) {
    if (readFileSync(stampFile, 'utf8') === stamp) return { generated: false };
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'schema'), { recursive: true });
  writeFileSync(join(out, 'schema', 'app.prisma'), app);
  writeFileSync(join(out, 'schema', 'scoped-rag.prisma'), fragment);
  const stub = join(out, 'no-schema-engine.sh');
  writeFileSync(
    stub,
    '#!/bin/sh\necho "scoped-rag tests: no schema engine binary offline (prisma generate does not need one)" >&2\nexit 1\n',
  );
  chmodSync(stub, 0o755);
  const result = spawnSync(
    process.execPath,
    [prismaCli, 'generate', '--schema', join(out, 'schema')],
    {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: stub,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        CHECKPOINT_DISABLE: '1',
      },
    },
  );
  if (result.status !== 0 || !existsSync(join(out, 'client', 'client.ts'))) {
    throw new Error(
      `prisma generate failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  writeFileSync(stampFile, stamp);
  return { generated: true };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { generated } = generateTestClient();
  console.log(
    generated ? 'generated test/generated/client' : 'test/generated/client is up to date',
  );
}
