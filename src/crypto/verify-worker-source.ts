import type { VerifyBackendName } from './verify.js';

/**
 * Wire format between the pool and its workers: one transferred ArrayBuffer per chunk,
 * each item packed as sig (64) | digest (32) | pubkey (33).
 */
export const ITEM_BYTES = 64 + 32 + 33;

export interface WorkerData {
  readonly backend: VerifyBackendName;
  /**
   * Where the worker loads its library from: for libsecp256k1 the absolute path of
   * `secp256k1/bindings` (CommonJS, required); for noble the file: URL of @noble/secp256k1
   * (ESM only, imported).
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

async function loadVerifier() {
  if (workerData.backend === 'libsecp256k1') {
    const native = require(workerData.library);
    return (sig, digest, pub) => {
      try { return native.ecdsaVerify(sig, digest, pub); } catch { return false; }
    };
  }
  const secp = await import(workerData.library);
  const opts = { prehash: false, lowS: true, format: 'compact' };
  return (sig, digest, pub) => {
    try { return secp.verify(sig, digest, pub, opts); } catch { return false; }
  };
}

const ready = loadVerifier();
// A load failure is reported per request below; this only keeps it from crashing the worker first.
ready.catch(() => {});

parentPort.on('message', async (req) => {
  let verify;
  try {
    verify = await ready;
  } catch (err) {
    parentPort.postMessage({ id: req.id, index: -1, error: String(err && err.stack || err) });
    return;
  }
  const bytes = new Uint8Array(req.buffer);
  let index = -1;
  for (let i = 0; i < req.count; i++) {
    const o = i * ITEM;
    const sig = bytes.subarray(o, o + SIG);
    const digest = bytes.subarray(o + SIG, o + SIG + DIGEST);
    const pub = bytes.subarray(o + SIG + DIGEST, o + ITEM);
    if (verify(sig, digest, pub) !== true) { index = i; break; }
  }
  parentPort.postMessage({ id: req.id, index });
});
`;
