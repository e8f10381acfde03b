import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['@scoped-rag/source'] } },
  test: {
    name: 'example-nextjs',
    include: ['test/**/*.test.ts'],
    // The first request of a file starts PGlite (~3 s on a busy machine).
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
