// The WASM SIMD scoring kernels (see scores.wat), loaded from bytes embedded in the bundle: no
// file system, no fetch, so core stays edge-safe. Where WebAssembly SIMD is unavailable, callers
// fall back to the TypeScript loops.
import { SCORES_WASM_BASE64 } from './scores.wasm.js';

export interface ScoringKernel {
  /** Memory holding the rows at byte 0, then the query, then one float32 score per row. */
  readonly memory: WebAssembly.Memory;
  dot(data: number, query: number, out: number, rows: number, dims: number): void;
  sqdist(data: number, query: number, out: number, rows: number, dims: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is not available. */
export function scoringModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const binary = atob(SCORES_WASM_BASE64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    compiled =
      typeof WebAssembly === 'object' && WebAssembly.validate(bytes)
        ? new WebAssembly.Module(bytes)
        : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

const PAGE = 65_536;
/** Largest memory a kernel gets (2 GiB); larger partitions use the TypeScript loops. */
export const MAX_KERNEL_BYTES = 2 ** 31;

/** Bytes a partition of `capacity` rows needs: rows, the query, the scores. */
export function kernelBytes(capacity: number, dims: number): number {
  return (capacity * dims + dims + capacity) * 4;
}

/** A kernel with its own memory sized for `capacity` rows, or null (no SIMD, too large, or the
 * runtime refused the memory). */
export function createScoringKernel(capacity: number, dims: number): ScoringKernel | null {
  const module = scoringModule();
  const bytes = kernelBytes(capacity, dims);
  if (module === null || bytes > MAX_KERNEL_BYTES) return null;
  try {
    const memory = new WebAssembly.Memory({
      initial: Math.ceil(bytes / PAGE),
      maximum: MAX_KERNEL_BYTES / PAGE,
    });
    const { exports } = new WebAssembly.Instance(module, { env: { memory } });
    return {
      memory,
      dot: exports.dot as ScoringKernel['dot'],
      sqdist: exports.sqdist as ScoringKernel['sqdist'],
    };
  } catch {
    return null; // e.g. address space exhausted: the caller uses the TypeScript loops
  }
}

/**
 * Grows a kernel's memory in place to hold `capacity` rows (contents kept, no copy); false when
 * it can't. Views of the old buffer are detached afterwards: take new ones.
 */
export function growScoringKernel(kernel: ScoringKernel, capacity: number, dims: number): boolean {
  const bytes = kernelBytes(capacity, dims);
  if (bytes > MAX_KERNEL_BYTES) return false;
  const missing = Math.ceil(bytes / PAGE) - kernel.memory.buffer.byteLength / PAGE;
  if (missing <= 0) return true;
  try {
    kernel.memory.grow(missing);
    return true;
  } catch {
    return false;
  }
}
