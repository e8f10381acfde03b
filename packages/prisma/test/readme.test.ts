import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('the README shows exactly examples/next-route-handler.ts, which is type-checked and run by example-route.test.ts', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(
    /## A Next\.js route handler with Clerk[\s\S]*?```ts\n([\s\S]*?)```/,
  )?.[1];
  expect(block).toBe(
    readFileSync(new URL('../examples/next-route-handler.ts', import.meta.url), 'utf8'),
  );
});
