/** Names of the interchangeable hashing kernels, fastest first. */
export type KernelName = 'sha-ni' | 'wasm-simd' | 'typescript';

/** Every kernel, fastest first: the order loadBestKernel tries them in. */
export const KERNELS: readonly KernelName[] = ['sha-ni', 'wasm-simd', 'typescript'];

/** A nonce scanner for 80-byte block headers (docs/consensus.md has the header layout). */
export interface HashKernel {
  readonly name: KernelName;
  /**
   * Scan nonces [startNonce, startNonce+count) (count <= 2^32 - startNonce) of an 80-byte header
   * (the nonce field at bytes 76..79 is overwritten per nonce, little-endian). Returns the first
   * nonce whose sha256d(header), read as a little-endian 256-bit integer, is <= target; or -1 if
   * none. The caller's header bytes are not modified.
   */
  scan(header: Uint8Array, target: bigint, startNonce: number, count: number): number;
}

/**
 * The low-level engine every kernel implements, written as plain JavaScript source so the exact same
 * code runs on the main thread and inside worker threads (a worker cannot load a .ts module).
 * `prepare` takes the header and the target as 8 little-endian u32 words (word 7 most significant);
 * `scan` takes an already validated range and returns the first matching nonce or -1.
 */
export interface ScanEngine {
  prepare(header: Uint8Array, targetWords: Uint32Array): void;
  scan(startNonce: number, count: number): number;
}

export const HEADER_BYTES = 80;
export const NONCE_SPACE = 2 ** 32;
const MAX_TARGET = (1n << 256n) - 1n;

/**
 * The target as 8 u32 words, least significant first, or null when no hash can meet it (negative).
 * A target above 2^256-1 is clamped: every hash meets it.
 */
export function targetToWords(target: bigint): Uint32Array | null {
  if (target < 0n) return null;
  const t = target > MAX_TARGET ? MAX_TARGET : target;
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = Number((t >> BigInt(32 * i)) & 0xffffffffn);
  return words;
}

/** Throws a RangeError unless header/startNonce/count describe a scannable range. */
export function checkScanArgs(header: Uint8Array, startNonce: number, count: number): void {
  if (!(header instanceof Uint8Array) || header.length !== HEADER_BYTES) {
    throw new RangeError(`header must be ${HEADER_BYTES} bytes`);
  }
  if (!Number.isInteger(startNonce) || startNonce < 0 || startNonce >= NONCE_SPACE) {
    throw new RangeError(`startNonce must be an integer in [0, 2^32), got ${startNonce}`);
  }
  if (!Number.isInteger(count) || count < 0 || count > NONCE_SPACE - startNonce) {
    throw new RangeError(`count must be an integer in [0, 2^32 - startNonce], got ${count}`);
  }
}

/** A HashKernel over an engine: argument checks and the target conversion, done once per scan. */
export function kernelFromEngine(name: KernelName, engine: ScanEngine): HashKernel {
  return {
    name,
    scan(header: Uint8Array, target: bigint, startNonce: number, count: number): number {
      checkScanArgs(header, startNonce, count);
      const words = targetToWords(target);
      if (words === null || count === 0) return -1;
      engine.prepare(header, words);
      return engine.scan(startNonce, count);
    },
  };
}
