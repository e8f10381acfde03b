// lib/db.ts: one PrismaClient per server process, on PostgreSQL through the pg driver adapter.
// (Here the client generated for the tests stands in for your app's `@/generated/prisma/client`.)
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../test/generated/client/client.ts';

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

export const prisma =
  globalForPrisma.prisma ??
  new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL }) });

// Next.js dev reloads modules: keep one client (and one pool) across reloads.
if (process.env.NODE_ENV !== 'production') globalForPrisma.prisma = prisma;
