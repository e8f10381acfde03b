import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it.each([
  ['Fetch API', 'fetch.ts'],
  ['Express', 'express.ts'],
  ['Next.js App Router', 'next-route.ts'],
])(
  "the README's %s example is exactly examples/%s, which the tests run or type-check",
  (heading, file) => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const block = readme.match(
      new RegExp(`### ${escaped}\\s+(?:<!--[^>]*-->\\s+)?\`\`\`ts\\n([\\s\\S]*?)\`\`\``),
    )?.[1];
    expect(block).toBe(readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8'));
  },
);
