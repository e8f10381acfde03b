import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('the README shows exactly examples/serverless.ts, which is type-checked', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(/## Serverless setup\s+```ts\n([\s\S]*?)```/)?.[1];
  expect(block).toBe(readFileSync(new URL('../examples/serverless.ts', import.meta.url), 'utf8'));
});
