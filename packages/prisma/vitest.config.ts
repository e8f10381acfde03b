import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['@scoped-rag/source'] } },
  test: {
    name: 'prisma',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Generates the test Prisma Client (offline) before any test file imports it.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
