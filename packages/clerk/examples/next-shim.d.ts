// Type-checks next-route.ts without installing Next.js: the part of @clerk/nextjs/server it uses.
declare module '@clerk/nextjs/server' {
  export function auth(): Promise<{
    userId: string | null;
    sessionClaims: Record<string, unknown> | null;
    [key: string]: unknown;
  }>;
}
