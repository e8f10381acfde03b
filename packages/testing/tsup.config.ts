import { defineConfig } from 'tsup';

// ESM only: the suites import vitest, whose CommonJS entry throws by design. `./clerk` (the local
// Clerk issuer) imports nothing from vitest, so demos and dev servers can use it. `./pinecone-server`
// is Node-only (node:http) and stays out of the main index.
export default defineConfig({
  entry: ['src/index.ts', 'src/clerk-issuer.ts', 'src/pinecone-server.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['vitest', 'fast-check', '@scoped-rag/core'],
});
