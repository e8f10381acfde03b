import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createScoringKernel,
  growScoringKernel,
  kernelBytes,
  MAX_KERNEL_BYTES,
  maxKernelRows,
  scoringModule,
} from './scores.js';

function naive(kind: 'dot' | 'sqdist', rows: number[][], query: number[]): number[] {
  return rows.map((row) =>
    row.reduce(
      (sum, value, i) => sum + (kind === 'dot' ? value * query[i]! : (value - query[i]!) ** 2),
      0,
    ),
  );
}

describe('WASM SIMD scoring kernels', () => {
  it('load on this runtime (WebAssembly SIMD is available in Node 20+)', () => {
    expect(scoringModule()).not.toBeNull();
  });

  it.each([
    ['dot', true],
    ['sqdist', true],
    ['dot', false],
    ['sqdist', false],
  ] as const)(
    '%s (shared memory: %s) agrees with a naive loop for every dimension count, tails included',
    (kind, shared) => {
      fc.assert(
        fc.property(
          fc
            .integer({ min: 1, max: 19 })
            .chain((dims) =>
              fc.tuple(
                fc.constant(dims),
                fc.array(
                  fc.array(fc.integer({ min: -50, max: 50 }), { minLength: dims, maxLength: dims }),
                  { minLength: 1, maxLength: 12 },
                ),
                fc.array(fc.integer({ min: -50, max: 50 }), { minLength: dims, maxLength: dims }),
              ),
            ),
          ([dims, rows, query]) => {
            const kernel = createScoringKernel(rows.length, dims, { shared })!;
            expect(kernel.memory.buffer instanceof SharedArrayBuffer).toBe(shared);
            new Float32Array(kernel.memory.buffer, 0, rows.length * dims).set(rows.flat());
            const queryAt = rows.length * dims * 4;
            const outAt = queryAt + dims * 4;
            new Float32Array(kernel.memory.buffer, queryAt, dims).set(query);
            kernel[kind](0, queryAt, outAt, rows.length, dims);
            // Small integers: float32 sums are exact, so the results must be equal, ties included.
            expect(Array.from(new Float32Array(kernel.memory.buffer, outAt, rows.length))).toEqual(
              naive(kind, rows, query),
            );
          },
        ),
        { numRuns: 500 },
      );
    },
  );

  it("scores zero rows as 0 (dot) and as the query's squared norm (sqdist)", () => {
    const kernel = createScoringKernel(2, 5)!;
    new Float32Array(kernel.memory.buffer, 0, 10).set([0, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
    new Float32Array(kernel.memory.buffer, 40, 5).set([1, 1, 1, 1, 1]);
    kernel.dot(0, 40, 60, 2, 5);
    expect(Array.from(new Float32Array(kernel.memory.buffer, 60, 2))).toEqual([0, 15]);
    kernel.sqdist(0, 40, 60, 2, 5);
    expect(Array.from(new Float32Array(kernel.memory.buffer, 60, 2))).toEqual([
      5,
      0 + 1 + 4 + 9 + 16,
    ]);
  });

  it.each([true, false])(
    'grows in place keeping the rows (shared memory: %s), and stops at its maximum',
    (shared) => {
      const kernel = createScoringKernel(1, 4, { shared })!;
      new Float32Array(kernel.memory.buffer, 0, 4).set([1, 2, 3, 4]);
      expect(growScoringKernel(kernel, 100_000, 4)).toBe(true);
      const grown = new Float32Array(kernel.memory.buffer);
      expect(grown.length).toBeGreaterThanOrEqual(100_000 * 4);
      expect(Array.from(grown.subarray(0, 4))).toEqual([1, 2, 3, 4]);
      expect(growScoringKernel(kernel, 2 ** 29, 2)).toBe(false);
    },
  );

  it.each([1, 3, 384, 1536, 3072, 20_000])(
    'maxKernelRows(%i) is the largest capacity that fits one kernel',
    (dims) => {
      const rows = maxKernelRows(dims);
      expect(kernelBytes(rows, dims)).toBeLessThanOrEqual(MAX_KERNEL_BYTES);
      expect(kernelBytes(rows + 1, dims)).toBeGreaterThan(MAX_KERNEL_BYTES);
    },
  );

  it('refuses partitions too large for its memory (callers then use the TypeScript loops)', () => {
    expect(createScoringKernel(2 ** 29, 2)).toBeNull();
  });
});
