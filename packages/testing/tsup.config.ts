import { defineConfig } from 'tsup';

// ESM only: the suites import vitest, whose CommonJS entry throws by design.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['vitest', 'fast-check', '@scoped-rag/core'],
});
