import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('the README shows exactly the example file that runs as a test beside it', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.match(/## Example\s+```ts\n([\s\S]*?)```/)?.[1];
  expect(block).toBe(readFileSync(new URL('./readme-example.test.ts', import.meta.url), 'utf8'));
});
