import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe('README: RAG pipeline', () => {
  it('shows exactly the example that this test runs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = readme.match(/## RAG pipeline[\s\S]*?```ts\n([\s\S]*?)```/)?.[1];
    const example = readFileSync(new URL('./readme-rag-example.ts', import.meta.url), 'utf8');
    expect(block).toBe(example);
  });

  it('runs, and prints what its comments say', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import('./readme-rag-example.js');
    expect(log.mock.calls).toEqual([
      ['created', 2],
      ['unchanged', 0],
      ['Refunds are paid within five days.', 'Handbook'],
      ['exhausted', 2],
      [0],
      [{ deleted: true, vectors: 2, chunks: 2, verified: true }],
    ]);
    log.mockRestore();
  });
});
