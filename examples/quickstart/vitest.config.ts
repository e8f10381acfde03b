import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['@scoped-rag/source'] } },
  test: { name: 'example-quickstart', include: ['src/**/*.test.ts'] },
});
