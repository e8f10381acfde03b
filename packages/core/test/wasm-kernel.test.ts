// The committed kernel module must be exactly what scripts/build-wasm.mjs makes of scores.wat.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('the committed WASM kernel matches its .wat source (run `pnpm build:wasm` after editing it)', async () => {
  const script = new URL('../../../scripts/build-wasm.mjs', import.meta.url).href;
  const { compileKernels, kernelsModuleSource } = (await import(/* @vite-ignore */ script)) as {
    compileKernels: () => Promise<{ plain: string; shared: string }>;
    kernelsModuleSource: (kernels: { plain: string; shared: string }) => string;
  };
  const committed = readFileSync(new URL('../src/kernels/scores.wasm.ts', import.meta.url), 'utf8');
  expect(committed).toBe(kernelsModuleSource(await compileKernels()));
});
