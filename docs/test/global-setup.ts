// The Prisma README's examples import the client that @scoped-rag/prisma generates for its tests
// (offline, skipped when up to date): generate it before the docs are type-checked.
// @ts-expect-error: a plain .mjs script without declarations
import { generateTestClient } from '../../packages/prisma/scripts/generate-test-client.mjs';

export default function setup(): void {
  generateTestClient();
}
