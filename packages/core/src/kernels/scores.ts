// The WASM SIMD scoring kernels (see scores.wat), loaded from bytes embedded in the bundle: no
// file system, no fetch, so core stays edge-safe. Where WebAssembly SIMD is unavailable, callers
// fall back to the TypeScript loops.
import { SCORES_SHARED_WASM_BASE64, SCORES_WASM_BASE64 } from './scores.wasm.js';

export interface ScoringKernel {
  /** Memory holding the rows at byte 0, then the query, then one float32 score per row. */
  readonly memory: WebAssembly.Memory;
  dot(data: number, query: number, out: number, rows: number, dims: number): void;
  sqdist(data: number, query: number, out: number, rows: number, dims: number): void;
}

function compile(base64: string): WebAssembly.Module | null {
  try {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes)
      ? new WebAssembly.Module(bytes)
      : null;
  } catch {
    return null;
  }
}

let compiled: WebAssembly.Module | null | undefined;
let compiledShared: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is not available. */
export function scoringModule(): WebAssembly.Module | null {
  if (compiled === undefined) compiled = compile(SCORES_WASM_BASE64);
  return compiled;
}

/** The kernels over a shared memory, or null where shared memories are unavailable. */
function sharedScoringModule(): WebAssembly.Module | null {
  if (compiledShared === undefined) {
    compiledShared =
      typeof SharedArrayBuffer === 'function' ? compile(SCORES_SHARED_WASM_BASE64) : null;
  }
  return compiledShared;
}

const PAGE = 65_536;
/** Largest memory a kernel gets (2 GiB); larger partitions use the TypeScript loops. */
export const MAX_KERNEL_BYTES = 2 ** 31;

function instantiate(
  module: WebAssembly.Module,
  initialPages: number,
  shared: boolean,
): ScoringKernel {
  const memory = new WebAssembly.Memory({
    initial: initialPages,
    maximum: MAX_KERNEL_BYTES / PAGE,
    shared,
  });
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  return {
    memory,
    dot: exports.dot as ScoringKernel['dot'],
    sqdist: exports.sqdist as ScoringKernel['sqdist'],
  };
}

/** Bytes a partition of `capacity` rows needs: rows, the query, the scores. */
export function kernelBytes(capacity: number, dims: number): number {
  return (capacity * dims + dims + capacity) * 4;
}

/** Most rows one kernel's memory holds: the largest capacity `kernelBytes` keeps within MAX_KERNEL_BYTES. */
export function maxKernelRows(dims: number): number {
  return Math.floor((MAX_KERNEL_BYTES / 4 - dims) / (dims + 1));
}

/**
 * A kernel with its own memory sized for `capacity` rows, or null (no SIMD, too large, or the
 * runtime refused the memory). The memory is shared where the runtime allows it (Node, Deno, Bun,
 * cross-origin isolated pages): growing an ordinary WebAssembly memory detaches its buffer and
 * V8 then accounts the whole grown memory as newly allocated, collecting garbage again and again
 * while a store fills (about 40% of a 100,000-row upsert); growing a shared one does not. Nothing
 * else shares it: no other thread ever sees the memory.
 */
export function createScoringKernel(
  capacity: number,
  dims: number,
  options: { shared?: boolean } = {},
): ScoringKernel | null {
  const bytes = kernelBytes(capacity, dims);
  if (bytes > MAX_KERNEL_BYTES) return null;
  const pages = Math.ceil(bytes / PAGE);
  const shared = options.shared !== false ? sharedScoringModule() : null;
  if (shared !== null) {
    try {
      return instantiate(shared, pages, true);
    } catch {
      // e.g. shared memories refused on a page that is not cross-origin isolated
    }
  }
  const module = scoringModule();
  if (module === null) return null;
  try {
    return instantiate(module, pages, false);
  } catch {
    return null; // e.g. address space exhausted: the caller uses the TypeScript loops
  }
}

/**
 * Grows a kernel's memory in place to hold `capacity` rows (contents kept, no copy); false when
 * it can't. Views of the old buffer are detached (ordinary memory) or too short (shared memory)
 * afterwards: take new ones.
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
