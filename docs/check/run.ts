// Runs a ` ```ts run ` block: written to a module file under `docs/test/.runs/` (gitignored) and
// imported, so vitest resolves and transforms it like any test module.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeBlock } from './markdown.js';

export function runnableSource(block: CodeBlock): string {
  const prelude = block.prelude ? `${block.prelude.value.trim()}\n` : '';
  const epilogue = block.epilogue ? `\n${block.epilogue.value.trim()}\n` : '';
  return `${prelude}${block.code}${epilogue}export {};\n`;
}

/** Imports the block as a module; resolves when its top-level code has finished. */
export async function runBlock(root: string, block: CodeBlock): Promise<void> {
  const dir = join(root, 'docs', 'test', '.runs');
  mkdirSync(dir, { recursive: true });
  const name = `${block.file.replace(/[^a-zA-Z0-9]+/g, '-')}-L${block.line}-${Date.now()}.ts`;
  const path = join(dir, name);
  writeFileSync(path, runnableSource(block));
  await import(pathToFileURL(path).href);
}
