// Generates test/generated/client (gitignored) before the tests import it: a clean clone runs
// `pnpm test` with no prior step.
// @ts-expect-error -- a plain .mjs script without type declarations.
import { generateTestClient } from '../scripts/generate-test-client.mjs';

export default function setup(): void {
  generateTestClient();
}
