import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe('README', () => {
  it('shows exactly the example that this test runs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = readme.match(/## Example\s+```ts\n([\s\S]*?)```/)?.[1];
    const example = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');
    expect(block).toBe(example);
  });

  it('runs, and prints what its comments say', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import('./readme-example.js');
    expect(log.mock.calls).toEqual([[['plan 1.00']], [0], ['SCOPE_VIOLATION']]);
    log.mockRestore();
  });
});
