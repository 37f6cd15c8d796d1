import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { passesVerifyPrechecks } from './signature.js';
import { NATIVE_BINDINGS_SPECIFIER, SYSTEM_VERIFIER_PATH, selectVerifyBackend } from './verify.js';
import type { VerifyBackend, VerifyBackendName } from './verify.js';
import { packItems, type VerifyItem } from './verify-items.js';
import { VERIFY_WORKER_SOURCE } from './verify-worker-source.js';
import type { WorkerData, WorkerRequest, WorkerResponse } from './verify-worker-source.js';

export type { VerifyItem } from './verify-items.js';

export interface VerifyPoolOptions {
  /** Worker threads; default os.availableParallelism(), at least 1. */
  readonly size?: number;
  /** Backend for inline checks; workers load the library of the same name. Default: selectVerifyBackend(). */
  readonly backend?: VerifyBackend;
  /** Batches with fewer items are verified on the calling thread: a worker round trip costs more. */
  readonly inlineThreshold?: number;
}

// Absolute library locations for the workers, resolved from this file so that dist/ and the
// jest-run sources both find the project's own node_modules.
const requireCjs = createRequire(import.meta.url);

export const DEFAULT_INLINE_THRESHOLD = 16;
// Below this many items per worker the message overhead outweighs the parallelism. (Measured:
// splitting a block's chunks of 64 over both workers connects ~8% more tx/s than sending each
// chunk whole to one worker in turn.)
const MIN_ITEMS_PER_WORKER = 16;

interface Pending {
  readonly resolve: (index: number) => void;
  readonly reject: (err: Error) => void;
}

/** One worker and the requests it has not answered yet. */
class PoolWorker {
  private readonly pending = new Map<number, Pending>();
  private dead = false;

  constructor(
    private readonly worker: Worker,
    private readonly onDeath: (w: PoolWorker) => void,
  ) {
    // Idle workers must not keep the process alive; run() refs while a request is in flight.
    worker.unref();
    worker.on('message', (msg: WorkerResponse) => this.settle(msg));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`verify worker exited with code ${code}`)));
  }

  get alive(): boolean {
    return !this.dead;
  }

  run(req: WorkerRequest): Promise<number> {
    if (this.dead) return Promise.reject(new Error('verify worker is not running'));
    return new Promise<number>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(req.id, { resolve, reject });
      try {
        this.worker.postMessage(req, [req.buffer]);
      } catch (err) {
        this.pending.delete(req.id);
        if (this.pending.size === 0) this.worker.unref();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  terminate(): Promise<number> {
    this.fail(new Error('verify pool closed'));
    return this.worker.terminate();
  }

  private settle(msg: WorkerResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0) this.worker.unref();
    if (msg.error !== undefined) p.reject(new Error(`verify worker failed: ${msg.error}`));
    else p.resolve(msg.index);
  }

  /** A dead worker answers nothing more: reject what it holds so no batch hangs. */
  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.worker.unref();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.onDeath(this);
  }
}

/**
 * Verifies batches of signatures (a block's inputs) across worker threads.
 *
 * The answer is always the one the inline backend would give: the byte-level prechecks run
 * here with the same function the backends use, and the workers make the same library call.
 * Threads start on the first batch large enough to need them, never in the constructor.
 * A worker that dies rejects its batches (an error, not a verdict on the block) and is
 * replaced on the next batch.
 */
export class VerifyPool {
  readonly size: number;
  readonly backend: VerifyBackend;
  private readonly inlineThreshold: number;
  private workers: PoolWorker[] = [];
  private nextId = 1;
  /** Which worker takes the next batch's first chunk: batches too small to split still alternate. */
  private rotor = 0;
  private closed = false;
  private inWorkers = 0;

  constructor(options: VerifyPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
    this.backend = options.backend ?? selectVerifyBackend();
    this.inlineThreshold = options.inlineThreshold ?? DEFAULT_INLINE_THRESHOLD;
  }

  /** Index of the first item whose signature is not valid, or -1 when all are. */
  verifyBatch(items: readonly VerifyItem[]): Promise<number> {
    return this.check(items, this.inlineThreshold);
  }

  /** Signatures handed to the worker threads and not yet answered (the verify queue, for metrics). */
  get queuedSignatures(): number {
    return this.inWorkers;
  }

  /**
   * As verifyBatch, but on the worker threads however few the items are: for a caller whose own
   * thread has other work waiting (the mempool checks payments' signatures there while the main
   * thread answers the next requests).
   */
  verifyOffThread(items: readonly VerifyItem[]): Promise<number> {
    return this.check(items, 1);
  }

  /** The answer of verifyBatch; batches of fewer than `inlineBelow` checkable items stay on this thread. */
  private async check(items: readonly VerifyItem[], inlineBelow: number): Promise<number> {
    if (this.closed) throw new Error('verify pool is closed');
    // The prechecks are cheap; doing them all first bounds the curve work to the prefix
    // before the first structurally bad item, which is the earliest any later item can lose to.
    let end = items.length;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (!passesVerifyPrechecks(it.sig, it.digest, it.pubkey)) {
        end = i;
        break;
      }
    }
    const curveInvalid =
      end === 0 || end < inlineBelow ? this.verifyInline(items, end) : await this.verifyInWorkers(items, end);
    if (curveInvalid >= 0) return curveInvalid;
    return end < items.length ? end : -1;
  }

  /** Stops every worker; pending batches reject. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private verifyInline(items: readonly VerifyItem[], end: number): number {
    for (let i = 0; i < end; i++) {
      const it = items[i]!;
      if (!this.backend.verify(it.sig, it.digest, it.pubkey)) return i;
    }
    return -1;
  }

  private async verifyInWorkers(items: readonly VerifyItem[], end: number): Promise<number> {
    const chunks = Math.max(1, Math.min(this.size, Math.floor(end / MIN_ITEMS_PER_WORKER)));
    const workers = this.ensureWorkers(this.size);
    const rotated = this.rotor++ % workers.length;
    const per = Math.ceil(end / chunks);
    const runs: Promise<number>[] = [];
    for (let c = 0, start = 0; start < end; c++, start += per) {
      const count = Math.min(per, end - start);
      const offset = start;
      const req: WorkerRequest = {
        id: this.nextId++,
        buffer: packItems(items, start, count).buffer as ArrayBuffer,
        count,
      };
      runs.push(workers[(rotated + c) % workers.length]!.run(req).then((i) => (i < 0 ? -1 : offset + i)));
    }
    this.inWorkers += end;
    let results: number[];
    try {
      results = await Promise.all(runs);
    } finally {
      this.inWorkers -= end;
    }
    let first = -1;
    for (const r of results) if (r >= 0 && (first < 0 || r < first)) first = r;
    return first;
  }

  private ensureWorkers(n: number): PoolWorker[] {
    while (this.workers.length < n) this.workers.push(this.spawn());
    return this.workers.slice(0, n);
  }

  private spawn(): PoolWorker {
    const workerData: WorkerData = {
      backend: this.backend.name,
      library: workerLibrary(this.backend.name),
    };
    const worker = new Worker(VERIFY_WORKER_SOURCE, { eval: true, workerData });
    return new PoolWorker(worker, (dead) => {
      this.workers = this.workers.filter((w) => w !== dead);
    });
  }
}

/** Where a worker loads the library of `backend` from (see WorkerData.library). */
function workerLibrary(backend: VerifyBackendName): string {
  switch (backend) {
    case 'system-libsecp256k1':
      return SYSTEM_VERIFIER_PATH;
    case 'libsecp256k1':
      return requireCjs.resolve(NATIVE_BINDINGS_SPECIFIER);
    case 'noble':
      return pathToFileURL(requireCjs.resolve('@noble/secp256k1')).href;
  }
}
