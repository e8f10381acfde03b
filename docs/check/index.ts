// The docs check: every fenced block of the covered markdown is type-checked, run or otherwise
// checked by a rule of its language, and every relative link resolves. `docs/test/docs.test.ts`
// runs it on the repository; `docs/test/checker.test.ts` proves that it fails on broken pages.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkJsonBlock, checkSqlBlocks } from './data.js';
import { checkLinks, type LinkCheckOptions } from './links.js';
import { type CodeBlock, codeBlocks, links, type MarkdownFile } from './markdown.js';
import { checkShellBlock, readWorkspace, SHELL_LANGS } from './shell.js';
import { type Problem, TS_LANGS, typecheckBlocks } from './typecheck.js';

/** Languages that are pictures, not code: diagrams and sample output. Counted, not checked. */
export const ILLUSTRATION_LANGS = new Set(['text', 'mermaid']);

const FLAGS: Record<string, ReadonlySet<string>> = { ts: new Set(['run']) };

export interface DocsReport {
  readonly problems: Problem[];
  readonly blocks: CodeBlock[];
  /** TypeScript blocks to run (` ```ts run `): the caller imports them. */
  readonly runnable: CodeBlock[];
  readonly counts: {
    readonly typechecked: number;
    readonly run: number;
    readonly shell: number;
    readonly sql: number;
    readonly json: number;
    readonly illustrations: number;
    readonly links: number;
    readonly testNames: number;
  };
  readonly pending: string[];
}

/** The markdown the check covers: docs/*.md, the root README, every package and example README. */
export function coveredFiles(root: string): MarkdownFile[] {
  const paths = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
    ...['packages', 'examples'].flatMap((group) =>
      readdirSync(join(root, group))
        .map((name) => `${group}/${name}/README.md`)
        .filter((path) => existsSync(join(root, path))),
    ),
  ];
  return paths.map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}

export async function checkDocs(
  root: string,
  files: readonly MarkdownFile[],
  options: LinkCheckOptions = {},
): Promise<DocsReport> {
  const blocks = files.flatMap(codeBlocks);
  const problems: Problem[] = [];
  const workspace = readWorkspace(root);
  const lang = (block: CodeBlock) => (TS_LANGS.has(block.lang) ? 'ts' : block.lang);
  for (const block of blocks) {
    const at = `${block.file}:${block.line}`;
    if (block.lang === '') problems.push({ at, message: 'a code block needs a language' });
    for (const flag of block.flags) {
      if (!FLAGS[lang(block)]?.has(flag)) {
        problems.push({ at, message: `unknown flag "${flag}" for a ${block.lang} block` });
      }
    }
    if ((block.epilogue || block.sourceFile || block.location) && lang(block) !== 'ts') {
      problems.push({ at, message: 'epilogue:, file: and at: apply to TypeScript blocks only' });
    }
    if (block.prelude && !['ts', 'sql'].includes(lang(block))) {
      problems.push({ at, message: 'prelude: applies to TypeScript and SQL blocks only' });
    }
    // Ways a TypeScript block would escape the type-check silently: a nocheck comment, or a
    // path the compiler skips (declaration files, under skipLibCheck) or does not check (.js).
    if (lang(block) === 'ts') {
      const text = [block.prelude?.value, block.code, block.epilogue?.value].join('\n');
      if (/@ts-nocheck/.test(text)) {
        problems.push({ at, message: '@ts-nocheck would leave the block unchecked' });
      }
      for (const path of [block.sourceFile?.value, block.location?.value]) {
        if (path !== undefined && (!/\.(c|m)?tsx?$/.test(path) || /\.d\.(c|m)?ts$/.test(path))) {
          problems.push({
            at,
            message: `file:/at: ${path} must be a .ts, .tsx, .mts or .cts file (not .d.ts): others are not type-checked`,
          });
        }
      }
    }
  }
  const typescript = blocks.filter((block) => TS_LANGS.has(block.lang));
  const shell = blocks.filter((block) => SHELL_LANGS.has(block.lang));
  const sql = blocks.filter((block) => block.lang === 'sql');
  const json = blocks.filter((block) => block.lang === 'json');
  const illustrations = blocks.filter((block) => ILLUSTRATION_LANGS.has(block.lang));
  const known = new Set([...typescript, ...shell, ...sql, ...json, ...illustrations]);
  for (const block of blocks) {
    if (!known.has(block) && block.lang !== '') {
      problems.push({
        at: `${block.file}:${block.line}`,
        message: `no rule checks ${block.lang} blocks: use ts, sh, sql, json, text or mermaid`,
      });
    }
  }

  problems.push(...typecheckBlocks(root, typescript));
  problems.push(...shell.flatMap((block) => checkShellBlock(block, workspace)));
  problems.push(...json.flatMap(checkJsonBlock));
  problems.push(...(await checkSqlBlocks(sql)));
  const linkReport = checkLinks(root, files, files.flatMap(links), options);
  problems.push(...linkReport.problems);

  const runnable = typescript.filter((block) => block.flags.includes('run'));
  return {
    problems,
    blocks,
    runnable,
    counts: {
      typechecked: typescript.length,
      run: runnable.length,
      shell: shell.length,
      sql: sql.length,
      json: json.length,
      illustrations: illustrations.length,
      links: linkReport.checked,
      testNames: linkReport.testNames,
    },
    pending: linkReport.pending,
  };
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((problem) => `${problem.at}: ${problem.message}`).join('\n');
}
