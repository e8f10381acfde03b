// Type-checks every TypeScript block with one TypeScript program: each block is its own module,
// placed where its imports resolve as they would for a reader of that page (see `blockPath`).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import type { CodeBlock } from './markdown.js';

export const TS_LANGS = new Set(['ts', 'tsx', 'typescript']);

export interface Problem {
  /** `file:line`, 1-based, of the markdown line at fault. */
  readonly at: string;
  readonly message: string;
}

interface VirtualModule {
  readonly block: CodeBlock;
  readonly path: string;
  readonly text: string;
  /** Lines in `text` before the block's own code (the prelude). */
  readonly preludeLines: number;
  readonly codeLines: number;
}

/**
 * Where a block lives for module resolution. A `file:` block takes that file's place. Otherwise a
 * package README's blocks live in that package (its dependencies resolve, and its own name through
 * `exports`); blocks of `docs/*.md` and of the root README live in `docs/`, whose package depends on
 * every package the pages import.
 */
export function blockPath(root: string, block: CodeBlock): string {
  const ext = block.lang === 'tsx' ? 'tsx' : 'ts';
  if (block.sourceFile) return resolve(root, block.sourceFile.value);
  if (block.location) return resolve(root, block.location.value);
  const home = /^(packages|examples)\/[^/]+\//.test(block.file) ? dirname(block.file) : 'docs';
  const name = block.file.replace(/[^a-zA-Z0-9]+/g, '-');
  return resolve(root, home, '.docs-check', `${name}-L${block.line}.${ext}`);
}

export function compilerOptions(root: string): ts.CompilerOptions {
  const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
  if (base.error) throw new Error(ts.flattenDiagnosticMessageText(base.error.messageText, '\n'));
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      ...base.config.compilerOptions,
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: ['node'],
      typeRoots: [join(root, 'docs', 'node_modules', '@types')],
      jsx: 'react-jsx',
      // Every block is a module, even one without imports: blocks never share globals.
      moduleDetection: 'force',
      allowImportingTsExtensions: true,
      noEmit: true,
    },
    root,
  );
  if (errors.length > 0) {
    throw new Error(errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join());
  }
  return options;
}

function lineCount(text: string): number {
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function virtualModule(root: string, block: CodeBlock): VirtualModule {
  const prelude = block.prelude ? `${block.prelude.value.trim()}\n` : '';
  const epilogue = block.epilogue ? `\n${block.epilogue.value.trim()}\n` : '';
  return {
    block,
    path: blockPath(root, block),
    text: prelude + block.code + epilogue,
    preludeLines: lineCount(prelude),
    codeLines: lineCount(block.code),
  };
}

/** The markdown line a 0-based line of a virtual module came from. */
function markdownLine(module: VirtualModule, line: number): number {
  const { block } = module;
  if (line < module.preludeLines) return block.prelude!.line;
  if (line < module.preludeLines + module.codeLines) {
    return block.line + 1 + (line - module.preludeLines);
  }
  return block.epilogue?.line ?? block.line;
}

/** `.d.ts` files next to `file:` blocks (ambient declarations their package's own check uses). */
function siblingDeclarations(modules: readonly VirtualModule[]): string[] {
  const dirs = new Set(modules.filter((m) => m.block.sourceFile).map((m) => dirname(m.path)));
  return [...dirs].flatMap((dir) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => name.endsWith('.d.ts'))
          .map((name) => join(dir, name))
      : [],
  );
}

/**
 * Type-checks `blocks` (all TypeScript) in one program and returns every diagnostic as a problem
 * at its markdown line. A `file:` block must also be byte-identical to its file.
 */
export function typecheckBlocks(root: string, blocks: readonly CodeBlock[]): Problem[] {
  const problems: Problem[] = [];
  const modules = blocks.map((block) => virtualModule(root, block));
  const byPath = new Map<string, VirtualModule>();
  for (const module of modules) {
    const { block } = module;
    if (block.sourceFile) {
      const at = `${block.file}:${block.sourceFile.line}`;
      if (!existsSync(module.path)) {
        problems.push({ at, message: `file ${block.sourceFile.value} does not exist` });
        continue;
      }
      if (readFileSync(module.path, 'utf8') !== block.code) {
        problems.push({
          at: `${block.file}:${block.line}`,
          message: `the block differs from ${block.sourceFile.value}: copy the file into the block`,
        });
      }
    }
    if (block.location && existsSync(module.path)) {
      problems.push({
        at: `${block.file}:${block.location.line}`,
        message: `${block.location.value} exists: use file: to show a file, at: for a new one`,
      });
      continue;
    }
    if (byPath.has(module.path)) {
      problems.push({
        at: `${block.file}:${block.line}`,
        message: `two blocks claim ${relative(root, module.path)}`,
      });
      continue;
    }
    byPath.set(module.path, module);
  }

  const options = compilerOptions(root);
  const host = ts.createCompilerHost(options, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (path) => byPath.has(resolve(path)) || fileExists(path);
  host.readFile = (path) => byPath.get(resolve(path))?.text ?? readFile(path);
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const module = byPath.get(resolve(path));
    if (module) return ts.createSourceFile(path, module.text, languageVersion, true);
    return getSourceFile(path, languageVersion, onError, shouldCreate);
  };
  host.getCurrentDirectory = () => join(root, 'docs');

  const rootNames = [...byPath.keys(), ...siblingDeclarations([...byPath.values()])];
  const program = ts.createProgram({ rootNames, options, host });
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const path of byPath.keys()) {
    const source = program.getSourceFile(path);
    if (!source) continue;
    diagnostics.push(
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    );
  }
  // A neighbour that a file: or at: block imports (e.g. `./db`) is checked too: an error there
  // (a missing generated client) would otherwise turn the block's types into `any`.
  const located = new Set(
    [...byPath.values()]
      .filter((m) => m.block.sourceFile || m.block.location)
      .map((m) => dirname(m.path)),
  );
  for (const source of program.getSourceFiles()) {
    const path = resolve(source.fileName);
    if (byPath.has(path) || !located.has(dirname(path)) || source.isDeclarationFile) continue;
    diagnostics.push(...program.getSemanticDiagnostics(source));
  }
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const module = diagnostic.file ? byPath.get(resolve(diagnostic.file.fileName)) : undefined;
    if (!module || diagnostic.start === undefined) {
      problems.push({ at: diagnostic.file?.fileName ?? '(program)', message: `TS: ${message}` });
      continue;
    }
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
    problems.push({
      at: `${module.block.file}:${markdownLine(module, line)}`,
      message: `TS${diagnostic.code}: ${message}`,
    });
  }
  return problems;
}
