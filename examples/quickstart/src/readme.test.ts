import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

const readmeUrl = new URL('../../../README.md', import.meta.url);
const exampleUrl = new URL('./readme-example.ts', import.meta.url);

/** The first ```ts block in the README's "## Usage" section. */
function usageBlock(readme: string): string | undefined {
  const usage = readme.split(/^## /m).find((section) => section.startsWith('Usage\n'));
  return usage?.match(/^```ts\n([\s\S]*?)^```$/m)?.[1];
}

describe("the README's usage example", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is src/readme-example.ts, character for character', () => {
    const block = usageBlock(readFileSync(readmeUrl, 'utf8'));
    expect(block, 'README.md has no ```ts block under "## Usage"').toBeDefined();
    expect(block).toBe(readFileSync(exampleUrl, 'utf8'));
  });

  it('runs and finds only the tenant document it wrote', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import('./readme-example.js');
    expect(log).toHaveBeenCalledWith(['handbook']);
  });
});
