import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How often the node looks at its memory. */
export const CHECK_MS = 5_000;
/** RSS this far above the lowest it has been since start is worth giving back. */
export const GROWTH_BYTES = 16 * 1024 * 1024;
/** A settle that gives back less than this was not needed: wait longer before the next (up to MAX_BACKOFF_MS). */
export const WORTHWHILE_BYTES = 4 * 1024 * 1024;
export const MAX_BACKOFF_MS = 5 * 60_000;
/**
 * A full collection of a heap this small takes a few ms (about 10 ms at 30 MB here); above it the
 * collector's own schedule is left alone rather than stop the thread for longer.
 */
export const MAX_COLLECT_HEAP_BYTES = 128 * 1024 * 1024;
/**
 * From the collection to malloc_trim. What the collector frees outside V8's heap (buffers'
 * backing stores, closed sockets' native state) reaches free() only after the collection, from
 * V8's sweeper and finalizer tasks: a trim at once gave back 3 MB of what a connection flood
 * left, the next one, seconds later, 60 MB.
 */
export const TRIM_DELAY_MS = 500;

export interface MemoryHooks {
  /** Nothing is arriving or being worked through (a burst is over): the moment to settle. */
  quiet(): boolean;
  /** After each settle, with the RSS before and after. */
  settled?(info: { before: number; after: number; ms: number }): void;
}

/** What the settler measures and does; the process's own unless given (tests give their own). */
export interface MemoryMeans {
  rss(): number;
  heapUsed(): number;
  /** A full collection, if V8's collector can be had. */
  collect?: () => void;
  /** malloc_trim, if native/memory.c was built. */
  trim?: () => boolean;
  nowMs(): number;
  /** Let the event loop run for `ms` (the collector's frees reach malloc meanwhile). */
  wait(ms: number): Promise<void>;
}

type Gc = (opts?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

/** V8's collector, as `--expose-gc` would give it (the way jest's leak detector gets it). */
function loadGc(): Gc | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as Gc;
  } catch {
    return undefined;
  }
}

/** native/memory.c's trim (malloc_trim), when `npm install` could build it. */
function loadTrim(): (() => boolean) | undefined {
  const path = fileURLToPath(new URL('../../native/build/Release/powchain_memory.node', import.meta.url));
  if (!existsSync(path)) return undefined;
  try {
    return (createRequire(import.meta.url)(path) as { trim(): boolean }).trim;
  } catch {
    return undefined;
  }
}

/** This process: its RSS and heap, V8's collector and native/memory.c's trim when they load. */
export function processMeans(): MemoryMeans {
  const gc = loadGc();
  return {
    rss: () => process.memoryUsage.rss(),
    heapUsed: () => process.memoryUsage().heapUsed,
    collect: gc && (() => gc({ type: 'major' })),
    trim: loadTrim(),
    nowMs: () => performance.now(),
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
  };
}

/**
 * Gives memory back once a burst of traffic is over. What a flood fills is bounded (docs/
 * architecture.md, "Hostile peers"), but what passes through it (decrypted frames, copied
 * messages) stays in the process: as garbage V8 has no reason to collect while nothing new is
 * allocated, and as pages glibc's malloc keeps once freed. After a flood of orphan blocks that was
 * about 60 MB of RSS over an idle node's, with the heap and its buffers back to their size before.
 * So every few seconds, when the node is quiet and its RSS is GROWTH_BYTES above the lowest it has
 * been, it runs one full collection (for a small heap) and malloc_trim (native/memory.c). Memory the
 * node really uses (a fuller mempool, warm caches) does not come back: then settles give back
 * little, and the node waits longer before each next one.
 */
export class MemorySettler {
  private readonly means: MemoryMeans;
  /** The lowest RSS seen (at start, or after a settle). */
  private floor: number;
  /** RSS right after the last settle (at start: the start's). */
  private settledRss: number;
  private backoffMs = CHECK_MS;
  private nextAt = 0;
  private settling = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly hooks: MemoryHooks,
    means?: MemoryMeans,
  ) {
    this.means = means ?? processMeans();
    this.floor = this.settledRss = this.means.rss();
  }

  /** What it can do here: collect (V8), trim (glibc malloc). */
  get abilities(): { collect: boolean; trim: boolean } {
    return { collect: this.means.collect !== undefined, trim: this.means.trim !== undefined };
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * One look (the timer's): settle if the node is quiet and RSS has grown enough. The back-off
   * after settles that gave little back is for memory in use; RSS GROWTH_BYTES above where the
   * last settle left it is a new burst, looked at now (so floods minutes apart each get theirs).
   */
  async check(): Promise<void> {
    const now = this.means.nowMs();
    const rss = this.means.rss();
    this.floor = Math.min(this.floor, rss);
    if (this.settling || (now < this.nextAt && rss - this.settledRss < GROWTH_BYTES)) return;
    if (rss - this.floor < GROWTH_BYTES || !this.hooks.quiet()) return;
    const freed = await this.settle();
    // A burst's worth of garbage found counts too: what it held outside the heap may reach
    // malloc only after this trim (sockets closing, finalizers), and the next look gives it back.
    const worthwhile = freed.rss >= WORTHWHILE_BYTES || freed.heap >= GROWTH_BYTES;
    this.backoffMs = worthwhile ? CHECK_MS : Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.nextAt = this.means.nowMs() + this.backoffMs;
  }

  /** Collect now and trim TRIM_DELAY_MS later; resolves with the bytes of RSS given back, and of heap collected. */
  async settle(): Promise<{ rss: number; heap: number }> {
    const { rss, heapUsed, collect, trim, nowMs, wait } = this.means;
    this.settling = true;
    try {
      const before = rss();
      const start = nowMs();
      const heapBefore = heapUsed();
      if (collect && heapBefore < MAX_COLLECT_HEAP_BYTES) collect();
      const heap = heapBefore - heapUsed();
      if (trim) {
        await wait(TRIM_DELAY_MS);
        trim();
      }
      const after = rss();
      this.floor = Math.min(this.floor, after);
      this.settledRss = after;
      this.hooks.settled?.({ before, after, ms: nowMs() - start });
      return { rss: before - after, heap };
    } finally {
      this.settling = false;
    }
  }
}
