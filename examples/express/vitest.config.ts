import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['@scoped-rag/source'] } },
  test: {
    name: 'example-express',
    include: ['test/**/*.test.ts'],
    // Starting Chromium and walking through the demo takes a few seconds on a busy machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
