import { ITEM_BYTES } from './verify-items.js';
import type { VerifyBackendName } from './verify.js';

/** What a worker is started with; each request is one chunk packed as in verify-items.ts. */
export interface WorkerData {
  readonly backend: VerifyBackendName;
  /**
   * Where the worker loads its library from: for system-libsecp256k1 the absolute path of
   * powchain's native module, for libsecp256k1 that of `secp256k1/bindings` (both CommonJS,
   * required); for noble the file: URL of @noble/secp256k1 (ESM only, imported).
   */
  readonly library: string;
}

export interface WorkerRequest {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly count: number;
}

/** `index` is the first invalid item within the chunk, or -1; `error` reports a worker-side failure. */
export interface WorkerResponse {
  readonly id: number;
  readonly index: number;
  readonly error?: string;
}

/**
 * Source of the verify worker, run with `new Worker(source, { eval: true })`.
 *
 * It is a string, not a module file, because a worker cannot load the .ts sources jest runs
 * while a path into dist/ would not exist under jest: a self-contained script loading its
 * libraries by absolute path works in both. The pool has already applied the byte-level
 * prechecks (canonical signature, key shape, digest length) on the calling thread, so the
 * worker does only the curve check, with the same library call and options as the inline
 * backend of the same name.
 */
export const VERIFY_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const SIG = 64, DIGEST = 32, ITEM = ${ITEM_BYTES};

/** A function (bytes, count) -> index of the first invalid item, or -1. */
async function loadChunkVerifier() {
  if (workerData.backend === 'system-libsecp256k1') {
    // One native call per chunk: the module walks the packed items itself.
    const native = require(workerData.library);
    return (bytes, count) => native.verifyBatch(bytes.subarray(0, count * ITEM));
  }
  let verify;
  if (workerData.backend === 'libsecp256k1') {
    const native = require(workerData.library);
    verify = (sig, digest, pub) => {
      try { return native.ecdsaVerify(sig, digest, pub); } catch { return false; }
    };
  } else {
    const secp = await import(workerData.library);
    const opts = { prehash: false, lowS: true, format: 'compact' };
    verify = (sig, digest, pub) => {
      try { return secp.verify(sig, digest, pub, opts); } catch { return false; }
    };
  }
  return (bytes, count) => {
    for (let i = 0; i < count; i++) {
      const o = i * ITEM;
      const sig = bytes.subarray(o, o + SIG);
      const digest = bytes.subarray(o + SIG, o + SIG + DIGEST);
      const pub = bytes.subarray(o + SIG + DIGEST, o + ITEM);
      if (verify(sig, digest, pub) !== true) return i;
    }
    return -1;
  };
}

const ready = loadChunkVerifier();
// A load failure is reported per request below; this only keeps it from crashing the worker first.
ready.catch(() => {});

parentPort.on('message', async (req) => {
  let verifyChunk;
  try {
    verifyChunk = await ready;
  } catch (err) {
    parentPort.postMessage({ id: req.id, index: -1, error: String(err && err.stack || err) });
    return;
  }
  let index;
  try {
    index = verifyChunk(new Uint8Array(req.buffer), req.count);
  } catch (err) {
    parentPort.postMessage({ id: req.id, index: -1, error: String(err && err.stack || err) });
    return;
  }
  parentPort.postMessage({ id: req.id, index });
});
`;
