import { NATIVE_ENGINE_SOURCE } from '../kernel/native-kernel.js';
import { WASM_ENGINE_SOURCE } from '../kernel/wasm-kernel.js';
import { tsEngineSource } from '../kernel/ts-kernel.js';
import type { KernelName } from '../kernel/types.js';

/** Int32 slots of the SharedArrayBuffer every worker of a pool shares. */
export const CONTROL = {
  /** Non-zero: stop after the current chunk (set on abort, on a find, on close). */
  STOP: 0,
  /** Index of the next unclaimed chunk of the current search. */
  NEXT: 1,
  SLOTS: 2,
} as const;

/** What a worker is told to scan: the range [start, end) in chunks claimed from CONTROL.NEXT. */
export interface ScanJob {
  header: Uint8Array;
  /** The target as 8 LE u32 words, word 7 most significant. */
  targetWords: Uint32Array;
  start: number;
  end: number;
  chunk: number;
}

export type WorkerMessage = { type: 'ready' } | { type: 'done'; nonce: number; hashes: number };

export interface WorkerInit {
  kernel: KernelName;
  /** The compiled WebAssembly.Module, when kernel is 'wasm-simd'. */
  module: object | null;
  /** The path of native/mine.c's module, when kernel is 'sha-ni' (each thread loads it). */
  nativePath: string | null;
  control: SharedArrayBuffer;
  /** One BigUint64 hash counter per worker, read by the pool for its rate. */
  counters: SharedArrayBuffer;
  slot: number;
}

/**
 * The worker's whole program, run with `new Worker(source, { eval: true })`. It is a string built
 * from the engines' JavaScript sources, so it runs the same from dist/ and from src/ under jest,
 * where no compiled worker file exists. Chunks are claimed from a shared counter, so fast and slow
 * threads share the range evenly and the nonces go roughly in order; the stop flag is read between
 * chunks, so an abort or another worker's find takes effect within one chunk (~10 ms).
 */
export function workerSource(): string {
  return `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const kernel = workerData.kernel;
const engine =
  kernel === 'sha-ni' ? (${NATIVE_ENGINE_SOURCE})(require(workerData.nativePath)) :
  kernel === 'wasm-simd' ? (${WASM_ENGINE_SOURCE})(workerData.module) :
  (${tsEngineSource()})();
const control = new Int32Array(workerData.control);
const counters = new BigUint64Array(workerData.counters);
const slot = workerData.slot;
const STOP = ${CONTROL.STOP}, NEXT = ${CONTROL.NEXT};
parentPort.on('message', (job) => {
  engine.prepare(job.header, job.targetWords);
  const chunks = Math.ceil((job.end - job.start) / job.chunk);
  let hashes = 0;
  let nonce = -1;
  while (Atomics.load(control, STOP) === 0) {
    const c = Atomics.add(control, NEXT, 1);
    if (c >= chunks) break;
    const start = job.start + c * job.chunk;
    const count = Math.min(job.chunk, job.end - start);
    const found = engine.scan(start, count);
    const scanned = found < 0 ? count : found - start + 1;
    hashes += scanned;
    Atomics.add(counters, slot, BigInt(scanned));
    if (found >= 0) {
      nonce = found;
      Atomics.store(control, STOP, 1);
      break;
    }
  }
  parentPort.postMessage({ type: 'done', nonce, hashes });
});
parentPort.postMessage({ type: 'ready' });
`;
}
