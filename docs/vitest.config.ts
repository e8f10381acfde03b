import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['@scoped-rag/source'] } },
  test: {
    name: 'docs',
    include: ['test/**/*.test.ts'],
    // Generates the Prisma test client that the Prisma README's examples import.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
