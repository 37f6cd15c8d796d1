import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { sha256d } from '../../crypto/hash.js';
import { loadBestKernel } from '../kernel/index.js';
import { HEADER_BYTES, NONCE_SPACE, targetToWords } from '../kernel/types.js';
import { NATIVE_MINER_PATH } from '../kernel/native-kernel.js';
import { loadWasmModule } from '../kernel/wasm-kernel.js';
import type { KernelName } from '../kernel/types.js';
import { RateMeter } from './rate.js';
import { CONTROL, workerSource } from './worker-source.js';
import type { ScanJob, WorkerInit, WorkerMessage } from './worker-source.js';

export interface HasherPoolOptions {
  /** Worker threads; default max(1, availableParallelism() - 1), leaving a core for the node. */
  threads?: number;
  /** Kernel for the workers; 'auto' (default) takes the one loadBestKernel picks. */
  kernel?: KernelName | 'auto';
  /** Nonces per claimed chunk (>= 256): the granularity of aborts. Default 2^16. */
  chunkSize?: number;
  /** Window of hashRate(), in ms. Default 5000. */
  rateWindowMs?: number;
  /** Clock in ms, injectable like every clock in powchain; default performance.now. */
  now?: () => number;
  /** Told why a faster kernel was not used (only with kernel 'auto'). */
  onFallback?: (reason: Error, skipped: KernelName) => void;
}

export interface SearchOptions {
  signal?: AbortSignal;
  /** First nonce to try (default 0). */
  startNonce?: number;
  /** End of the range, exclusive (default 2^32). */
  endNonce?: number;
}

export type SearchResult =
  { found: true; nonce: number; hashes: number } | { found: false; hashes: number; aborted: boolean };

const SAMPLE_MS = 250;

/**
 * Worker threads that search a header's nonce range for a hash <= target.
 * Searches run one at a time (a second call waits for the first). The found nonce is some nonce in
 * the range that meets the target, usually but not necessarily the lowest one.
 */
export class HasherPool {
  readonly threads: number;
  readonly kernel: KernelName;
  private readonly workers: Worker[];
  private readonly control: Int32Array;
  private readonly counters: BigUint64Array;
  private readonly chunkSize: number;
  private readonly now: () => number;
  private readonly meter: RateMeter;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;
  private closed = false;
  /** Settles the running search when a worker fails. */
  private onFailure: ((err: Error) => void) | null = null;

  private constructor(opts: HasherPoolOptions) {
    this.threads = opts.threads ?? Math.max(1, availableParallelism() - 1);
    this.chunkSize = opts.chunkSize ?? 1 << 16;
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError('threads must be >= 1');
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 256 || this.chunkSize > NONCE_SPACE) {
      throw new RangeError('chunkSize must be an integer in [256, 2^32]');
    }
    this.now = opts.now ?? (() => performance.now());
    this.meter = new RateMeter(opts.rateWindowMs ?? 5000);
    this.kernel = loadBestKernel({ kernel: opts.kernel, onFallback: opts.onFallback }).name;
    const control = new SharedArrayBuffer(CONTROL.SLOTS * 4);
    const counters = new SharedArrayBuffer(this.threads * 8);
    this.control = new Int32Array(control);
    this.counters = new BigUint64Array(counters);
    const source = workerSource();
    const module = this.kernel === 'wasm-simd' ? loadWasmModule() : null;
    const nativePath = this.kernel === 'sha-ni' ? NATIVE_MINER_PATH : null;
    this.workers = Array.from({ length: this.threads }, (_, slot) => {
      const workerData: WorkerInit = { kernel: this.kernel, module, nativePath, control, counters, slot };
      const worker = new Worker(source, { eval: true, workerData });
      worker.on('error', (err: Error) => this.fail(err));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`hasher worker ${slot} exited with code ${code}`));
      });
      return worker;
    });
    this.meter.record(this.now(), 0);
  }

  /** Starts the workers and waits until each has built its kernel. */
  static async create(opts: HasherPoolOptions = {}): Promise<HasherPool> {
    const pool = new HasherPool(opts);
    try {
      await Promise.race([
        Promise.all(pool.workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve())))),
        new Promise<never>((_, reject) => (pool.onFailure = reject)),
      ]);
    } catch (err) {
      await pool.close();
      throw err;
    }
    pool.onFailure = null;
    pool.idle();
    return pool;
  }

  /** Hashes computed since the pool started. */
  get totalHashes(): number {
    let sum = 0n;
    for (let i = 0; i < this.counters.length; i++) sum += Atomics.load(this.counters, i);
    return Number(sum);
  }

  /** Hashes per second over the recent window (all threads together). */
  hashRate(): number {
    return this.meter.rate(this.now(), this.totalHashes);
  }

  /** Searches [startNonce, endNonce) of the header for a nonce whose sha256d is <= target. */
  search(header: Uint8Array, target: bigint, opts: SearchOptions = {}): Promise<SearchResult> {
    const run = this.queue.then(() => this.run(header, target, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(header: Uint8Array, target: bigint, opts: SearchOptions): Promise<SearchResult> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('hasher pool is closed');
    if (!(header instanceof Uint8Array) || header.length !== HEADER_BYTES) {
      throw new RangeError(`header must be ${HEADER_BYTES} bytes`);
    }
    const start = opts.startNonce ?? 0;
    const end = opts.endNonce ?? NONCE_SPACE;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > NONCE_SPACE || start > end) {
      throw new RangeError(`need integers 0 <= startNonce <= endNonce <= 2^32, got ${start}, ${end}`);
    }
    const signal = opts.signal;
    const targetWords = targetToWords(target);
    if (signal?.aborted) return { found: false, hashes: 0, aborted: true };
    if (targetWords === null || start === end) return { found: false, hashes: 0, aborted: false };

    const job: ScanJob = { header: new Uint8Array(header), targetWords, start, end, chunk: this.chunkSize };
    Atomics.store(this.control, CONTROL.STOP, 0);
    Atomics.store(this.control, CONTROL.NEXT, 0);
    const stop = (): void => {
      Atomics.store(this.control, CONTROL.STOP, 1);
    };
    signal?.addEventListener('abort', stop, { once: true });
    const sampler = setInterval(() => this.meter.record(this.now(), this.totalHashes), SAMPLE_MS);
    sampler.unref();
    for (const w of this.workers) w.ref();
    try {
      const replies = await new Promise<WorkerMessage[]>((resolve, reject) => {
        const got: WorkerMessage[] = [];
        this.onFailure = reject;
        for (const w of this.workers) {
          w.once('message', (msg: WorkerMessage) => {
            got.push(msg);
            if (got.length === this.workers.length) resolve(got);
          });
          w.postMessage(job);
        }
      });
      let hashes = 0;
      let nonce = -1;
      for (const r of replies) {
        if (r.type !== 'done') continue;
        hashes += r.hashes;
        if (r.nonce >= 0 && nonce < 0) nonce = r.nonce;
      }
      if (nonce >= 0) {
        this.verify(job.header, target, nonce);
        return { found: true, nonce, hashes };
      }
      return { found: false, hashes, aborted: signal?.aborted === true || this.closed };
    } finally {
      this.onFailure = null;
      signal?.removeEventListener('abort', stop);
      clearInterval(sampler);
      this.meter.record(this.now(), this.totalHashes);
      this.idle();
    }
  }

  /** A found nonce is re-hashed with the reference sha256d: a kernel bug must not make bad blocks. */
  private verify(header: Uint8Array, target: bigint, nonce: number): void {
    const h = new Uint8Array(header);
    new DataView(h.buffer).setUint32(76, nonce, true);
    const digest = sha256d(h);
    let value = 0n;
    for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(digest[i]!);
    if (value > target) throw new Error(`${this.kernel} kernel reported nonce ${nonce}, which misses the target`);
  }

  /** Idle workers do not keep the process alive. */
  private idle(): void {
    for (const w of this.workers) w.unref();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    Atomics.store(this.control, CONTROL.STOP, 1);
    this.onFailure?.(err);
  }

  /**
   * Stops the running search (it resolves with aborted: true; queued ones reject) and terminates
   * the workers.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, CONTROL.STOP, 1);
    await this.queue;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
