import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['@scoped-rag/source'] } },
  test: { name: 'core', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
