// `json` blocks must parse; `sql` blocks must run on PostgreSQL (embedded PGlite with pgvector),
// each in a transaction that is rolled back, after its prelude.

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { CodeBlock } from './markdown.js';
import type { Problem } from './typecheck.js';

export function checkJsonBlock(block: CodeBlock): Problem[] {
  try {
    JSON.parse(block.code);
    return [];
  } catch (error) {
    return [{ at: `${block.file}:${block.line}`, message: `JSON: ${(error as Error).message}` }];
  }
}

export async function checkSqlBlocks(blocks: readonly CodeBlock[]): Promise<Problem[]> {
  if (blocks.length === 0) return [];
  const db = await PGlite.create({ extensions: { vector } });
  const problems: Problem[] = [];
  try {
    for (const block of blocks) {
      const prelude = block.prelude ? `${block.prelude.value.trim()}\n` : '';
      await db.exec('BEGIN');
      try {
        await db.exec(`${prelude}${block.code}`);
      } catch (error) {
        problems.push({
          at: `${block.file}:${block.line}`,
          message: `SQL: ${(error as Error).message}`,
        });
      } finally {
        await db.exec('ROLLBACK');
      }
    }
  } finally {
    await db.close();
  }
  return problems;
}
