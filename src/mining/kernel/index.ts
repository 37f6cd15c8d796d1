/**
 * mining/kernel: the hashing kernels that scan a header's nonces against a target (WebAssembly
 * SIMD, TypeScript), each self-tested against a known answer before use, and the choice of the
 * fastest one that loads.
 *
 * Part of mining: may import crypto, encoding and fsutil (to find the .wasm file); nothing of
 * chains or templates.
 */
import { createTsKernel } from './ts-kernel.js';
import { createWasmKernel } from './wasm-kernel.js';
import type { HashKernel, KernelName } from './types.js';

export type { HashKernel, KernelName, ScanEngine } from './types.js';
export { HEADER_BYTES, NONCE_SPACE, checkScanArgs, kernelFromEngine, targetToWords } from './types.js';
export { createTsEngine, createTsKernel, tsEngineSource } from './ts-kernel.js';
export type { WasmModule } from './wasm-kernel.js';
export {
  WASM_ENGINE_SOURCE,
  createWasmEngine,
  createWasmKernel,
  findWasmFile,
  loadWasmModule,
  packageRoot,
  wasmCandidates,
} from './wasm-kernel.js';

/** Bitcoin's genesis header: a known answer for the self-test (nonce 2083236893 at bits 0x1d00ffff). */
const GENESIS_HEADER =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e' +
  '67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c';
const GENESIS_NONCE = 2083236893;
const GENESIS_TARGET = 0xffffn << 208n;

/**
 * Throws unless the kernel finds the genesis nonce, honours the end of a range that is not a
 * multiple of 4 (the SIMD lanes past the end must be ignored) and leaves the caller's header alone.
 */
export function selfTest(kernel: HashKernel): void {
  const header = Buffer.from(GENESIS_HEADER, 'hex');
  const copy = new Uint8Array(header);
  const found = kernel.scan(copy, GENESIS_TARGET, GENESIS_NONCE - 6, 13);
  const short = kernel.scan(copy, GENESIS_TARGET, GENESIS_NONCE - 5, 5);
  if (found !== GENESIS_NONCE || short !== -1 || !header.equals(copy)) {
    throw new Error(`${kernel.name} kernel failed its self-test (got ${found} and ${short})`);
  }
}

/** The named kernel, self-tested; throws when it cannot load or computes wrong hashes. */
export function loadKernel(name: KernelName): HashKernel {
  const kernel = name === 'wasm-simd' ? createWasmKernel() : createTsKernel();
  selfTest(kernel);
  return kernel;
}

export interface LoadBestKernelOptions {
  /** Force one kernel ('auto', the default, prefers WASM and falls back to TypeScript). */
  kernel?: KernelName | 'auto';
  /** Told why the WASM kernel was not used, for the log. */
  onFallback?: (reason: Error) => void;
}

/** The fastest kernel that loads and passes its self-test here. */
export function loadBestKernel(options: LoadBestKernelOptions = {}): HashKernel {
  const choice = options.kernel ?? 'auto';
  if (choice !== 'auto') return loadKernel(choice);
  try {
    return loadKernel('wasm-simd');
  } catch (err) {
    options.onFallback?.(err instanceof Error ? err : new Error(String(err)));
    return loadKernel('typescript');
  }
}
