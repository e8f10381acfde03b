// Next.js configuration for the example. Nothing here reads secrets: Clerk keys and the database
// are read per request (lib/config.ts), so `next build` runs with no environment at all.
import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // The workspace packages are TypeScript libraries built by tsup; let Next compile them with the app.
  transpilePackages: ['@scoped-rag/core', '@scoped-rag/clerk', '@scoped-rag/drizzle'],
  // Loaded by Node at run time, not bundled: PGlite reads its WebAssembly and data files from its
  // own package directory, and pg has optional native bindings.
  serverExternalPackages: ['@electric-sql/pglite', '@electric-sql/pglite-pgvector', 'pg'],
  // Inlined at build time: Clerk's SDK sends no telemetry and never falls back to "keyless" mode
  // (which would create a temporary Clerk application over the network when keys are missing).
  env: {
    NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED: '1',
    NEXT_PUBLIC_CLERK_KEYLESS_DISABLED: '1',
  },
  experimental: {
    // `next dev` would otherwise check the registry for an upgrade advisory.
    agentUpgrade: false,
  },
};

export default nextConfig;
