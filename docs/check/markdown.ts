// Reads the markdown the docs check covers: fenced code blocks with their directives, links and
// headings, each with the line it is on, so every problem can be reported as file:line.

export interface MarkdownFile {
  /** Path from the repository root, with `/` separators, e.g. `docs/security.md`. */
  readonly path: string;
  readonly text: string;
}

/**
 * A fenced code block. Directives are HTML comments on the lines right above the fence, invisible
 * when the page is rendered:
 *
 * - `<!-- prelude: CODE -->`: code the block needs but does not show (imports, `declare const`),
 *   prepended to it;
 * - `<!-- epilogue: CODE -->`: code appended to it, e.g. to hold a shown interface against the
 *   real one;
 * - `<!-- file: PATH -->`: the block is exactly the repository file PATH (byte for byte), and is
 *   type-checked in its place, so relative imports resolve as they do for that file;
 * - `<!-- at: PATH -->`: the block is type-checked as if it were a new file at PATH (which must
 *   not exist), for snippets that import a neighbour such as `./db`.
 */
export interface CodeBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The first word of the info string, lower-cased: `ts`, `sh`, `sql`, `json`, `text`, … */
  readonly lang: string;
  /** The other words of the info string, e.g. `run` in ```` ```ts run ````. */
  readonly flags: readonly string[];
  readonly code: string;
  readonly prelude: Directive | null;
  readonly epilogue: Directive | null;
  readonly sourceFile: Directive | null;
  readonly location: Directive | null;
}

export interface Directive {
  readonly value: string;
  /** 1-based line where the comment starts. */
  readonly line: number;
}

export interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  /** The text of the paragraph or list item that holds the link, from the link on. */
  readonly after: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const DIRECTIVE = /^<!--\s*(prelude|epilogue|file|at):([\s\S]*?)-->\s*$/;

export function codeBlocks(markdown: MarkdownFile): CodeBlock[] {
  const lines = markdown.text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const words = info.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent!) ? line.slice(indent!.length) : line);
    }
    const directives = directivesAbove(lines, i);
    blocks.push({
      file: markdown.path,
      line: i + 1,
      lang: (words[0] ?? '').toLowerCase(),
      flags: words.slice(1),
      code: body.length === 0 ? '' : `${body.join('\n')}\n`,
      prelude: directives.prelude ?? null,
      epilogue: directives.epilogue ?? null,
      sourceFile: directives.file ?? null,
      location: directives.at ?? null,
    });
    i = j;
  }
  return blocks;
}

/** The directive comments directly above line `fence` (0-based), nearest last. */
function directivesAbove(lines: readonly string[], fence: number): Record<string, Directive> {
  const found: Record<string, Directive> = {};
  let end = fence - 1;
  while (end >= 0 && lines[end]!.trimEnd().endsWith('-->')) {
    let start = end;
    while (start >= 0 && !lines[start]!.trimStart().startsWith('<!--')) start--;
    if (start < 0) break;
    const comment = lines.slice(start, end + 1).join('\n');
    const match = DIRECTIVE.exec(comment.trim());
    if (!match) break;
    const kind = match[1]!;
    const value = kind === 'file' || kind === 'at' ? match[2]!.trim() : match[2]!.replace(/^ /, '');
    found[kind] = { value, line: start + 1 };
    end = start - 1;
  }
  return found;
}

/** Lines that are inside fenced code blocks (0-based), where links and quotes mean nothing. */
function fencedLines(lines: readonly string[]): Set<number> {
  const inside = new Set<number>();
  let fence: string | null = null;
  lines.forEach((line, i) => {
    const open = FENCE.exec(line);
    if (fence === null && open) {
      fence = open[2]!;
      inside.add(i);
    } else if (fence !== null) {
      inside.add(i);
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') fence = null;
    }
  });
  return inside;
}

const LINK = /(?<!!)\[(?:[^\][]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

/**
 * Inline links `[text](target)` outside code blocks and code spans. `after` is the rest of the
 * paragraph or list item from the link on (the docs check reads cited test names from it).
 */
export function links(markdown: MarkdownFile): Link[] {
  const lines = markdown.text.split('\n');
  const fenced = fencedLines(lines);
  const found: Link[] = [];
  lines.forEach((line, i) => {
    if (fenced.has(i)) return;
    const visible = line.replace(/`[^`]*`/g, (span) => ' '.repeat(span.length));
    for (const match of visible.matchAll(LINK)) {
      const rest = [line.slice(match.index)];
      for (let j = i + 1; j < lines.length && !fenced.has(j); j++) {
        const next = lines[j]!;
        if (next.trim() === '' || /^\s*([-*]|\d+\.)\s/.test(next) || /^#/.test(next)) break;
        rest.push(next);
      }
      found.push({ file: markdown.path, line: i + 1, target: match[1]!, after: rest.join('\n') });
    }
  });
  return found;
}

/** GitHub's anchors for the headings of a markdown file. */
export function headingAnchors(text: string): Set<string> {
  const lines = text.split('\n');
  const fenced = fencedLines(lines);
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  lines.forEach((line, i) => {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading || fenced.has(i)) return;
    const slug = heading[1]!
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  });
  return anchors;
}
