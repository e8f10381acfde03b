// The docs check itself: pages with deliberately broken blocks, commands, links and citations
// must fail, at the right file and line; their correct twins must pass.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkDocs, formatProblems } from '../check/index.js';
import { codeBlocks, headingAnchors, type MarkdownFile } from '../check/markdown.js';
import { runBlock } from '../check/run.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fence = '```';

// Lines are numbered from 1: the fixture's line numbers are asserted below.
const broken: MarkdownFile = {
  path: 'docs/fixture-broken.md',
  text: [
    '# Broken', //                                                      1
    '', //                                                              2
    `${fence}ts`, //                                                    3
    "import { createMemoryVectorStore } from '@scoped-rag/core';", //    4
    "const store = createMemoryVectorStore({ dimensions: 'three' });", // 5
    'export { store };', //                                             6
    fence, //                                                           7
    '', //                                                              8
    `${fence}ts`, //                                                    9
    'const n: number = scope.tenantKey;', //                            10
    fence, //                                                           11
    '', //                                                              12
    '<!-- file: packages/core/test/readme-rag-example.ts -->', //       13
    `${fence}ts`, //                                                    14
    "console.log('not the file');", //                                  15
    fence, //                                                           16
    '', //                                                              17
    `${fence}sh`, //                                                    18
    'pnpm no-such-script', //                                           19
    'pnpm --filter @scoped-rag/nope test', //                           20
    'pnpm vitest run --project nope', //                                21
    'npm install @scoped-rag/nope left-pad-unknown', //                 22
    fence, //                                                           23
    '', //                                                              24
    `${fence}json`, //                                                  25
    '{ "a": 1, }', //                                                   26
    fence, //                                                           27
    '', //                                                              28
    `${fence}sql`, //                                                   29
    'SELEC 1;', //                                                      30
    fence, //                                                           31
    '', //                                                              32
    'See [a page](no-such-page.md), [a heading](concepts.md#no-such-heading) and', // 33
    '[the filter tests](../packages/core/src/filter.test.ts) “refuses everything always”.', // 34
    '', //                                                              35
    `${fence}yaml`, //                                                  36
    'a: 1', //                                                          37
    fence, //                                                           38
    '', //                                                              39
    `${fence}ts runn`, //                                               40
    'export {};', //                                                    41
    fence, //                                                           42
    '', //                                                              43
    fence, //                                                           44
    'no language', //                                                   45
    fence, //                                                           46
    '', //                                                              47
    `${fence}ts`, //                                                    48
    '// @ts-nocheck', //                                                49
    'const w: number = "nope";', //                                     50
    fence, //                                                           51
    '', //                                                              52
    '<!-- at: docs/escape.d.ts -->', //                                 53
    `${fence}ts`, //                                                    54
    'const w: number = "nope";', //                                     55
    fence, //                                                           56
  ].join('\n'),
};

const good: MarkdownFile = {
  path: 'docs/fixture-good.md',
  text: [
    '# Good',
    '',
    '<!-- prelude:',
    "import type { Scope } from '@scoped-rag/core';",
    'declare const scope: Scope;',
    '-->',
    `${fence}ts`,
    'const key: string = scope.tenantKey;',
    'export { key };',
    fence,
    '',
    '<!-- file: packages/core/test/readme-example.ts -->',
    `${fence}ts`,
    codeOf('packages/core/test/readme-example.ts').trimEnd(),
    fence,
    '',
    `${fence}sh`,
    'pnpm test && pnpm --filter @scoped-rag/example-quickstart demo',
    'PORT=8080 pnpm demo   # a comment',
    'npx -y pnpm@10.34.9 vitest run --project core',
    'npm install @scoped-rag/core @clerk/backend',
    fence,
    '',
    `${fence}json`,
    '{ "a": [1, 2] }',
    fence,
    '',
    '<!-- prelude: CREATE TEMPORARY TABLE t (namespace text); -->',
    `${fence}sql`,
    "SELECT 1 FROM t WHERE namespace = current_setting('scoped_rag.namespace', true);",
    fence,
    '',
    'See [the concepts](concepts.md#reserved-keys), [the Next.js example](../examples/nextjs-pending/README.md),',
    '[the filter tests](../packages/core/src/filter.test.ts) “never coerces types: "2019" is not 2019, 1 is not true”,',
    'and [the Clerk attacks](../packages/clerk/test/attacks.test.ts) “refuses alg none with UNAUTHENTICATED (401) and the reason”.',
  ].join('\n'),
};

function codeOf(path: string): string {
  return readFileSync(`${root}/${path}`, 'utf8');
}

const report = await checkDocs(root, [broken, good], {
  pendingPaths: new Map([['examples/nextjs-pending/README.md', 'another branch']]),
});
const problems = formatProblems(report.problems);

describe('the docs check fails on broken pages', () => {
  it.each([
    ['a type error, at its line', 'docs/fixture-broken.md:5: TS2322'],
    ['a fragment that uses a name it does not declare', 'docs/fixture-broken.md:10: TS2304'],
    ['a block that differs from its file:', 'docs/fixture-broken.md:14: the block differs from'],
    ['a script no package has', 'docs/fixture-broken.md:19: pnpm no-such-script'],
    ['a filter naming no package', 'docs/fixture-broken.md:20: pnpm --filter @scoped-rag/nope'],
    ['a vitest project that does not exist', 'docs/fixture-broken.md:21: vitest --project nope'],
    ['a package that is not ours', 'docs/fixture-broken.md:22: npm install @scoped-rag/nope'],
    ['JSON that does not parse', 'docs/fixture-broken.md:25: JSON:'],
    ['SQL that PostgreSQL refuses', 'docs/fixture-broken.md:29: SQL: syntax error'],
    ['a link to a missing file', 'docs/fixture-broken.md:33: link target no-such-page.md'],
    ['a link to a missing heading', 'docs/fixture-broken.md:33: no heading in docs/concepts.md'],
    ['a test name the file lacks', 'docs/fixture-broken.md:34: packages/core/src/filter.test.ts'],
    ['a language no rule checks', 'docs/fixture-broken.md:36: no rule checks yaml'],
    ['an unknown flag', 'docs/fixture-broken.md:40: unknown flag "runn"'],
    ['a block without a language', 'docs/fixture-broken.md:44: a code block needs a language'],
    ['a block that turns the check off', 'docs/fixture-broken.md:48: @ts-nocheck'],
    [
      'a block placed where it is not checked',
      'docs/fixture-broken.md:54: file:/at: docs/escape.d.ts',
    ],
  ])('%s', (_, expected) => {
    expect(problems).toContain(expected);
  });

  it('reports nothing for the correct twins, and a pending link as pending only', () => {
    expect(problems.split('\n').filter((line) => line.startsWith('docs/fixture-good.md'))).toEqual(
      [],
    );
    expect(report.pending).toEqual([
      expect.stringMatching(
        /^docs\/fixture-good\.md:\d+: examples\/nextjs-pending\/README\.md \(another branch\)$/,
      ),
    ]);
    expect(report.counts.testNames).toBe(3);
  });
});

describe('running blocks', () => {
  const [throwing, fine] = codeBlocks({
    path: 'docs/fixture-run.md',
    text: [
      `${fence}ts run`,
      "import { createIdentity } from '@scoped-rag/core';",
      "createIdentity({ userId: '' });",
      fence,
      `${fence}ts run`,
      "import { createIdentity } from '@scoped-rag/core';",
      "createIdentity({ userId: 'user_alice' });",
      fence,
    ].join('\n'),
  });

  it('fails when a block throws', async () => {
    await expect(runBlock(root, throwing!)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('passes when it runs to the end', async () => {
    await expect(runBlock(root, fine!)).resolves.toBeUndefined();
  });
});

describe('anchors', () => {
  it('follow GitHub: lower case, punctuation dropped, spaces to dashes, repeats numbered', () => {
    expect([...headingAnchors('# `createRag(options)`: the API\n## Notes\n## Notes')]).toEqual([
      'createragoptions-the-api',
      'notes',
      'notes-1',
    ]);
  });
});
