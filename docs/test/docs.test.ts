// The docs check on the repository: every code block in docs/*.md, the root README and the
// package and example READMEs is type-checked (TypeScript), run (` ```ts run `), or checked by
// its language's rule (sh, sql, json); every relative link resolves; every cited test exists.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { checkDocs, coveredFiles, formatProblems } from '../check/index.js';
import { citedNames } from '../check/links.js';
import { links } from '../check/markdown.js';
import { runBlock } from '../check/run.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Links that may point at a file another branch adds. Once the file exists it is checked like any
 * other link; after the merge, delete the entry.
 */

const files = coveredFiles(root);
const report = await checkDocs(root, files);

describe('the docs check', () => {
  it('finds no problem: blocks type-check, commands name real scripts, links resolve', () => {
    expect(formatProblems(report.problems)).toBe('');
  });

  it('covers every TypeScript block, and runs the getting-started example', () => {
    console.info(
      `docs check: ${files.length} files, ${report.blocks.length} blocks, ${JSON.stringify(report.counts)}`,
      report.pending.length > 0 ? `; pending links: ${report.pending.join('; ')}` : '',
    );
    expect(report.counts.typechecked).toBeGreaterThan(20);
    expect(report.runnable.filter((b) => b.file === 'docs/getting-started.md').length).toBe(
      report.blocks.filter((b) => b.file === 'docs/getting-started.md' && b.lang === 'ts').length,
    );
  });
});

describe('runnable blocks', () => {
  it.each(report.runnable.map((block) => [`${block.file}:${block.line}`, block] as const))(
    '%s runs to the end without throwing',
    async (_, block) => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        await runBlock(root, block);
      } finally {
        log.mockRestore();
      }
    },
  );
});

describe('docs/errors.md', () => {
  it('lists every error code of core with the HTTP status toHttpStatus gives it', async () => {
    const { ScopedRagError, toHttpStatus } = await import('@scoped-rag/core');
    const source = readFileSync(`${root}/packages/core/src/errors.ts`, 'utf8');
    const union = /export type ErrorCode =([^;]*);/.exec(source)?.[1] ?? '';
    const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
    const page = readFileSync(`${root}/docs/errors.md`, 'utf8');
    const rows = new Map(
      [...page.matchAll(/^\| `([A-Z_]+)`\s*\|[^|]*\|\s*(\d{3})\s*\|$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(codes.length).toBeGreaterThan(10);
    for (const code of codes) {
      expect(rows.get(code), code).toBe(
        String(toHttpStatus(new ScopedRagError(code as never, ''))),
      );
      expect(page, code).toContain(`### \`${code}\``);
    }
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
  });
});

describe('docs/security.md', () => {
  const page = files.find((file) => file.path === 'docs/security.md')!;
  const threats = page.text.split(/^### /m).slice(1);

  it('names at least fifteen threats', () => {
    expect(threats.length).toBeGreaterThanOrEqual(15);
  });

  it.each(threats.map((section) => [section.split('\n')[0]!, section] as const))(
    'cites at least one test that proves the defence against: %s',
    (_, section) => {
      const cited = links({ path: page.path, text: section })
        .filter((link) => /\.ts(#.*)?$/.test(link.target))
        .flatMap((link) => citedNames(link.after));
      expect(cited.length).toBeGreaterThan(0);
    },
  );
});
