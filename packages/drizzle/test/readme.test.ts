import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart.js';

it('the README shows exactly examples/quickstart.ts, which is type-checked', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(/## Quick start\s+```ts\n([\s\S]*?)```/)?.[1];
  expect(block).toBe(readFileSync(new URL('../examples/quickstart.ts', import.meta.url), 'utf8'));
});

it('the README example runs: each tenant finds only its own records, filtered in SQL', async () => {
  const { acme, globex } = await quickstart();
  expect(acme.map((m) => [m.id, m.metadata])).toEqual([
    ['handbook', { kind: 'policy', year: 2026 }],
  ]);
  expect(acme[0]!.score).toBeCloseTo(1 / Math.hypot(1, 0.2), 5);
  expect(globex.map((m) => [m.id, m.metadata])).toEqual([['handbook', { kind: 'policy' }]]);
});
