import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['@scoped-rag/source'] } },
  test: { name: 'clerk', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000 },
});
