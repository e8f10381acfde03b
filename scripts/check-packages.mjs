#!/usr/bin/env node
// Checks every publishable package the way npm users will receive it: `publint --strict` on the
// package, then `attw` on the tarball `pnpm pack` makes (npm pack would leave `workspace:*` in
// it). Run `pnpm build` first. Exits 1 when any package has a problem.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** True when any condition in the exports map (at any depth) is `require`. */
function hasRequireCondition(exportsField) {
  if (typeof exportsField !== 'object' || exportsField === null) return false;
  return Object.entries(exportsField).some(
    ([key, value]) => key === 'require' || hasRequireCondition(value),
  );
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error) return { ok: false, output: `${command}: ${result.error.message}` };
  return { ok: result.status === 0, output };
}

const indent = (text) =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

function listPackages() {
  const dir = join(root, 'packages');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'package.json')))
    .map((entry) => {
      const path = join(dir, entry.name);
      return { path, manifest: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) };
    })
    .filter(({ manifest }) => manifest.private !== true)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

function checkPackage({ path, manifest }) {
  const problems = [];
  const profile = hasRequireCondition(manifest.exports) ? 'strict' : 'esm-only';
  const where = relative(root, path);

  if (!existsSync(join(path, 'dist'))) {
    problems.push(`${where}/dist is missing: run \`pnpm build\` first.`);
    return { name: manifest.name, profile, problems };
  }

  const lint = run(bin('publint'), ['run', '--strict', '--pack', 'pnpm'], path);
  if (!lint.ok) problems.push(`publint --strict failed:\n${indent(lint.output)}`);

  const packDir = mkdtempSync(join(tmpdir(), 'scoped-rag-pack-'));
  try {
    const pack = run('pnpm', ['pack', '--pack-destination', packDir], path);
    const tarball = readdirSync(packDir).find((file) => file.endsWith('.tgz'));
    if (!pack.ok || tarball === undefined) {
      problems.push(`pnpm pack failed:\n${indent(pack.output)}`);
    } else {
      const args = [join(packDir, tarball), '--format', 'ascii', '--no-emoji', '--no-color'];
      if (profile !== 'strict') args.push('--profile', profile);
      const types = run(bin('attw'), args, path);
      if (!types.ok) problems.push(`attw (profile ${profile}) failed:\n${indent(types.output)}`);
    }
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
  return { name: manifest.name, profile, problems };
}

const packages = listPackages();
if (packages.length === 0) {
  console.error('check-packages: no publishable package found under packages/.');
  process.exit(1);
}

const results = packages.map((pkg) => {
  process.stdout.write(`Checking ${pkg.manifest.name} ...\n`);
  return checkPackage(pkg);
});

console.log('\ncheck-packages summary');
for (const { name, profile, problems } of results) {
  const status = problems.length === 0 ? 'ok  ' : 'FAIL';
  console.log(`  ${status} ${name} (publint --strict, attw profile ${profile})`);
  for (const problem of problems) console.log(indent(problem));
}
const failed = results.filter((result) => result.problems.length > 0).length;
console.log(
  failed === 0
    ? `\nAll ${results.length} packages are publishable.`
    : `\n${failed} of ${results.length} packages have problems.`,
);
process.exit(failed === 0 ? 0 : 1);
