import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe('README: pipeline building blocks', () => {
  it('shows exactly the example that this test runs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = readme.match(/## Pipeline building blocks[\s\S]*?```ts\n([\s\S]*?)```/)?.[1];
    const example = readFileSync(new URL('./readme-pipeline-example.ts', import.meta.url), 'utf8');
    expect(block).toBe(example);
  });

  it('runs, and prints what its comments say', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import('./readme-pipeline-example.js');
    expect(log.mock.calls).toEqual([
      [['system', 'user']],
      ['Refunds are paid to the original card within 14 days of the return arriving.'],
      [['Customer handbook']],
    ]);
    log.mockRestore();
  });
});
