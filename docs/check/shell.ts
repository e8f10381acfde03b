// Checks the commands of `sh` / `bash` blocks against the workspace: every `pnpm` script they run
// exists in the package they run it in, every vitest project they name exists, and every package
// they `npm install` is one of ours or one a workspace package depends on.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeBlock } from './markdown.js';
import type { Problem } from './typecheck.js';

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);

export interface WorkspacePackage {
  readonly name: string;
  readonly dir: string;
  readonly scripts: ReadonlySet<string>;
  readonly dependencies: ReadonlySet<string>;
  readonly vitestProject: string | null;
}

export interface Workspace {
  readonly root: WorkspacePackage;
  readonly packages: ReadonlyMap<string, WorkspacePackage>;
  /** Executables pnpm can run by name (`pnpm vitest`, `pnpm biome`). */
  readonly bins: ReadonlySet<string>;
}

// pnpm's own commands (and aliases) that are not scripts.
const PNPM_COMMANDS = new Set([
  'add',
  'audit',
  'dlx',
  'exec',
  'i',
  'install',
  'link',
  'list',
  'ls',
  'outdated',
  'pack',
  'prune',
  'publish',
  'rebuild',
  'remove',
  'rm',
  'test',
  't',
  'update',
  'up',
  'why',
]);

function readPackage(dir: string): WorkspacePackage {
  const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const config = ['vitest.config.ts', 'vitest.config.mts']
    .map((name) => join(dir, name))
    .find(existsSync);
  const project = config ? /\bname:\s*'([^']+)'/.exec(readFileSync(config, 'utf8'))?.[1] : null;
  return {
    name: json.name,
    dir,
    scripts: new Set(Object.keys(json.scripts ?? {})),
    dependencies: new Set(
      ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap(
        (field) => Object.keys(json[field] ?? {}),
      ),
    ),
    vitestProject: project ?? null,
  };
}

export function readWorkspace(root: string): Workspace {
  const dirs = ['packages', 'examples']
    .flatMap((group) =>
      existsSync(join(root, group))
        ? readdirSync(join(root, group)).map((name) => join(root, group, name))
        : [],
    )
    .concat([join(root, 'bench'), join(root, 'docs')])
    .filter((dir) => existsSync(join(dir, 'package.json')));
  const packages = new Map(dirs.map((dir) => readPackage(dir)).map((p) => [p.name, p]));
  const binDir = join(root, 'node_modules', '.bin');
  const bins = new Set(existsSync(binDir) ? readdirSync(binDir) : []);
  return { root: readPackage(root), packages, bins };
}

/** Splits a block into simple commands: continuations joined, comments dropped, `&&`/`;`/`|` split. */
export function shellCommands(code: string): { line: number; words: string[] }[] {
  const commands: { line: number; words: string[] }[] = [];
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!;
    while (text.endsWith('\\') && i + 1 < lines.length) text = text.slice(0, -1) + lines[++i];
    // Command substitutions are commands too: check what runs inside `$( … )`.
    const inner = [...text.matchAll(/\$\(([^)]*)\)/g)].map((m) => m[1]!);
    const outer = text.replace(/\$\([^)]*\)/g, 'SUBST');
    for (const part of [outer, ...inner]) {
      const withoutComment = part.replace(/(^|\s)#.*$/, '');
      for (const piece of withoutComment.split(/&&|\|\||;|\|/)) {
        const words = (piece.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) =>
          w.replace(/^["']|["']$/g, ''),
        );
        while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) words.shift();
        if (words.length > 0) commands.push({ line: start, words });
      }
    }
  }
  return commands;
}

function checkPnpm(words: string[], workspace: Workspace): string | null {
  let target = workspace.root;
  let rest = words;
  while (rest.length > 0 && rest[0]!.startsWith('-')) {
    const flag = rest[0]!;
    if (flag === '--filter' || flag === '-F') {
      const name = rest[1] ?? '';
      const found = workspace.packages.get(name);
      if (!found) return `pnpm --filter ${name}: no workspace package is called ${name}`;
      target = found;
      rest = rest.slice(2);
    } else {
      rest = rest.slice(1);
    }
  }
  const [command, ...args] = rest;
  if (command === undefined) return 'pnpm with no command';
  if (command === 'run') return checkScript(args[0], target);
  if (PNPM_COMMANDS.has(command)) return null;
  if (target.scripts.has(command)) return null;
  if (workspace.bins.has(command)) return checkBin(command, args, workspace);
  return `pnpm ${command}: ${target.name} has no script "${command}" (and it is no executable)`;
}

function checkScript(script: string | undefined, target: WorkspacePackage): string | null {
  if (script && target.scripts.has(script)) return null;
  return `pnpm run ${script ?? ''}: ${target.name} has no script "${script ?? ''}"`;
}

function checkBin(bin: string, args: string[], workspace: Workspace): string | null {
  if (bin !== 'vitest') return null;
  const projects = new Set([...workspace.packages.values()].map((p) => p.vitestProject));
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--project' && !projects.has(args[i + 1] ?? '')) {
      return `vitest --project ${args[i + 1] ?? ''}: no vitest project has that name`;
    }
  }
  return null;
}

function checkInstall(names: string[], workspace: Workspace): string | null {
  const known = new Set([...workspace.packages.values()].flatMap((p) => [...p.dependencies]));
  for (const name of names.filter((word) => !word.startsWith('-'))) {
    const bare = name.replace(/(?<=.)@[^/]*$/, '');
    if (bare.startsWith('@scoped-rag/')) {
      if (!workspace.packages.has(bare)) return `npm install ${bare}: no such workspace package`;
    } else if (!known.has(bare)) {
      return `npm install ${bare}: no workspace package depends on ${bare}`;
    }
  }
  return null;
}

/** Problems in one `sh` block. */
export function checkShellBlock(block: CodeBlock, workspace: Workspace): Problem[] {
  const problems: Problem[] = [];
  for (const { line, words } of shellCommands(block.code)) {
    let problem: string | null = null;
    const [head, ...rest] = words;
    if (head === 'pnpm') problem = checkPnpm(rest, workspace);
    else if (head === 'npx' && rest.some((w) => /^pnpm@/.test(w))) {
      problem = checkPnpm(rest.slice(rest.findIndex((w) => /^pnpm@/.test(w)) + 1), workspace);
    } else if (head === 'npm' && (rest[0] === 'install' || rest[0] === 'i')) {
      problem = checkInstall(rest.slice(1), workspace);
    }
    if (problem) problems.push({ at: `${block.file}:${block.line + 1 + line}`, message: problem });
  }
  return problems;
}
