import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart.js';

const readme = () => readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = (name: string) =>
  readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8');
const block = (heading: string) =>
  readme().match(new RegExp(`## ${heading}\\s+\`\`\`ts\\n([\\s\\S]*?)\`\`\``))?.[1];

it('the README shows exactly examples/quickstart.ts, which is type-checked', () => {
  expect(block('Quick start')).toBe(example('quickstart.ts'));
});

it('the README example runs: each tenant finds only its own records, filtered in SQL', async () => {
  const { acme, globex } = await quickstart();
  expect(acme.map((m) => [m.id, m.metadata])).toEqual([
    ['handbook', { kind: 'policy', year: 2026 }],
  ]);
  expect(acme[0]!.score).toBeCloseTo(1 / Math.hypot(1, 0.2), 5);
  expect(globex.map((m) => [m.id, m.metadata])).toEqual([['handbook', { kind: 'policy' }]]);
});

it('the README shows exactly examples/persistence.ts, which is type-checked', () => {
  expect(block('Documents, threads and your own tables')).toBe(example('persistence.ts'));
});

it('examples/persistence.ts runs and prints what its comment says', () => {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@scoped-rag/source', 'examples/persistence.ts'],
    { cwd: new URL('..', import.meta.url), encoding: 'utf8' },
  );
  expect(output.trim()).toBe('1 1');
}, 60_000);
