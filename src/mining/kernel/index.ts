/**
 * mining/kernel: the hashing kernels that scan a header's nonces against a target (native SHA-NI
 * when built and the CPU has it, WebAssembly SIMD, TypeScript), each self-tested against a known answer before use, and the choice of the
 * fastest one that loads.
 *
 * Part of mining: may import crypto, encoding and fsutil (to find the .wasm file and the native module); nothing of
 * chains or templates.
 */
import { createNativeKernel } from './native-kernel.js';
import { createTsKernel } from './ts-kernel.js';
import { KERNELS } from './types.js';
import { createWasmKernel } from './wasm-kernel.js';
import type { HashKernel, KernelName } from './types.js';

export type { HashKernel, KernelName, ScanEngine } from './types.js';
export { HEADER_BYTES, KERNELS, NONCE_SPACE, checkScanArgs, kernelFromEngine, targetToWords } from './types.js';
export type { NativeMiner } from './native-kernel.js';
export {
  NATIVE_ENGINE_SOURCE,
  NATIVE_MINER_PATH,
  createNativeEngine,
  createNativeKernel,
  loadNativeMiner,
} from './native-kernel.js';
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

const creators: Record<KernelName, () => HashKernel> = {
  'sha-ni': () => createNativeKernel(),
  'wasm-simd': () => createWasmKernel(),
  typescript: () => createTsKernel(),
};

/** The named kernel, self-tested; throws when it cannot load or computes wrong hashes. */
export function loadKernel(name: KernelName): HashKernel {
  const kernel = creators[name]();
  selfTest(kernel);
  return kernel;
}

export interface LoadBestKernelOptions {
  /** Force one kernel ('auto', the default, takes the fastest that loads and passes its self-test). */
  kernel?: KernelName | 'auto';
  /** Told, for the log, why a kernel faster than the one chosen was not used. */
  onFallback?: (reason: Error, skipped: KernelName) => void;
}

/** The fastest kernel that loads and passes its self-test here: native SHA-NI, WebAssembly, TypeScript. */
export function loadBestKernel(options: LoadBestKernelOptions = {}): HashKernel {
  const choice = options.kernel ?? 'auto';
  if (choice !== 'auto') return loadKernel(choice);
  for (const name of KERNELS) {
    if (name === 'typescript') break;
    try {
      return loadKernel(name);
    } catch (err) {
      options.onFallback?.(err instanceof Error ? err : new Error(String(err)), name);
    }
  }
  return loadKernel('typescript');
}

/**
 * The best kernel, and why each faster one is not in use ('sha-ni: ...'), for the node's start-up
 * line as the verifier's backend is logged.
 */
export function loadBestKernelExplained(): { kernel: HashKernel; fallbackReasons: string[] } {
  const fallbackReasons: string[] = [];
  const kernel = loadBestKernel({ onFallback: (err, name) => fallbackReasons.push(`${name}: ${err.message}`) });
  return { kernel, fallbackReasons };
}
