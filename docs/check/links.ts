// Relative links must point at files that exist (and at headings that exist, for `#anchors` into
// markdown); a link to a test file followed by “curly-quoted” names must name tests in that file.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { headingAnchors, type Link, type MarkdownFile } from './markdown.js';
import type { Problem } from './typecheck.js';

export interface LinkCheckOptions {
  /**
   * Repository paths that may be missing on this branch because another branch adds them. Each
   * such link is reported in `pending` instead of failing; once the file exists it is checked
   * like any other.
   */
  readonly pendingPaths?: ReadonlyMap<string, string>;
}

export interface LinkReport {
  readonly problems: Problem[];
  readonly checked: number;
  readonly pending: string[];
  readonly testNames: number;
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

function anchorsOf(root: string, path: string, files: readonly MarkdownFile[]): Set<string> {
  const inMemory = files.find((file) => file.path === path);
  return headingAnchors(inMemory?.text ?? readFileSync(join(root, path), 'utf8'));
}

export function checkLinks(
  root: string,
  files: readonly MarkdownFile[],
  linkList: readonly Link[],
  options: LinkCheckOptions = {},
): LinkReport {
  const problems: Problem[] = [];
  const pending: string[] = [];
  let checked = 0;
  let testNames = 0;
  for (const link of linkList) {
    if (EXTERNAL.test(link.target)) continue;
    checked++;
    const at = `${link.file}:${link.line}`;
    const [rawPath = '', anchor] = link.target.split('#') as [string, string | undefined];
    const path = rawPath === '' ? link.file : normalize(join(dirname(link.file), rawPath));
    const repoPath = path.replace(/\\/g, '/').replace(/\/$/, '');
    const inMemory = files.some((file) => file.path === repoPath);
    if (!inMemory && !existsSync(join(root, repoPath))) {
      const reason = options.pendingPaths?.get(repoPath);
      if (reason) pending.push(`${at}: ${repoPath} (${reason})`);
      else problems.push({ at, message: `link target ${link.target} does not exist` });
      continue;
    }
    if (anchor && repoPath.endsWith('.md') && !anchorsOf(root, repoPath, files).has(anchor)) {
      problems.push({ at, message: `no heading in ${repoPath} has the anchor #${anchor}` });
    }
    if (/\.ts$/.test(repoPath) && !inMemory && statSync(join(root, repoPath)).isFile()) {
      const quoted = citedNames(link.after);
      testNames += quoted.length;
      const names = testNamesIn(join(root, repoPath));
      const sourceText = readFileSync(join(root, repoPath), 'utf8');
      for (const name of quoted) {
        const matches = names.some((pattern) =>
          pattern
            .exec(name)
            ?.slice(1)
            .every((filled) => /^[\d,]+$/.test(filled) || sourceText.includes(filled)),
        );
        if (!matches) {
          problems.push({ at, message: `${repoPath} has no test named “${name}”` });
        }
      }
    }
  }
  return { problems, checked, pending, testNames };
}

/** The “curly-quoted” strings after a link, up to the next link. */
export function citedNames(after: string): string[] {
  const own = after.replace(/^\[[^\]]*\]\([^)]*\)/, '');
  const upToNextLink = own.split(/(?<!!)\[[^\]]*\]\(/)[0]!;
  return [...upToNextLink.matchAll(/“([^”]+)”/g)].map((m) => m[1]!.replace(/\s+/g, ' '));
}

const cache = new Map<string, RegExp[]>();

/**
 * The names of the `describe` / `it` / `test` calls in a file (`.each`, `.skipIf(…)` and the like
 * included), as patterns: a `%s`-style or `${…}` placeholder matches text that occurs in the file
 * (a case label of an `.each` table, a label of a loop) or a number. A pattern needs 20 literal
 * characters, so a name made only of placeholders matches nothing.
 */
export function testNamesIn(path: string): RegExp[] {
  const cached = cache.get(path);
  if (cached) return cached;
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022);
  const patterns: RegExp[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && isTestCallee(node.expression)) {
      const name = node.arguments[0];
      const parts = name ? nameParts(name) : null;
      const literal = parts?.filter((part) => typeof part === 'string').join('') ?? '';
      if (parts && literal.replace(/\s/g, '').length >= 20) {
        const regex = parts
          .map((part) =>
            typeof part === 'string' ? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '(.+?)',
          )
          .join('');
        patterns.push(new RegExp(`^${regex}$`, 's'));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  cache.set(path, patterns);
  return patterns;
}

function isTestCallee(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return ['describe', 'it', 'test'].includes(callee.text);
  if (ts.isPropertyAccessExpression(callee)) return isTestCallee(callee.expression);
  if (ts.isCallExpression(callee)) return isTestCallee(callee.expression);
  return false;
}

/** A name as literal strings and placeholders (`null` entries). */
function nameParts(node: ts.Expression): (string | null)[] | null {
  const placeholders = (text: string) =>
    text.split(/(%[sdifjo#%]|\$[a-zA-Z_][\w.]*)/).map((part, i) => (i % 2 === 1 ? null : part));
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    return placeholders(node.text);
  }
  if (ts.isTemplateExpression(node)) {
    return [
      ...placeholders(node.head.text),
      ...node.templateSpans.flatMap((span) => [null, ...placeholders(span.literal.text)]),
    ];
  }
  return null;
}
