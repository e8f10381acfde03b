import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const readme = () => readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = (name: string) =>
  readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8');

it('the README shows exactly examples/persistence.ts, which is type-checked', () => {
  const block = readme().match(
    /## Documents, threads and your own tables\s+```ts\n([\s\S]*?)```/,
  )?.[1];
  expect(block).toBe(example('persistence.ts'));
});

it('examples/persistence.ts runs and prints what its comment says', () => {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@scoped-rag/source', 'examples/persistence.ts'],
    { cwd: new URL('..', import.meta.url), encoding: 'utf8' },
  );
  expect(output.trim()).toBe('1 1');
}, 60_000);
