import { EventEmitter } from 'node:events';
import type { Chain } from '../chain/chain.js';
import { isAccepted, type ProcessResult } from '../chain/types.js';
import type { Block } from '../consensus/block.js';
import type { Mempool } from '../mempool/mempool.js';
import { HasherPool, type HasherPoolOptions } from './hasher/index.js';
import { buildTemplate, headerBytes, templateBlock } from './template.js';

export interface MinerOptions {
  chain: Chain;
  mempool?: Mempool;
  /** pubKeyHash the coinbase pays. */
  payTo: Uint8Array;
  /** Seconds since the epoch (injected). */
  clock: () => number;
  threads?: number;
  kernel?: HasherPoolOptions['kernel'];
  /** Rebuild the template at least this often, for the clock and new transactions (ms). */
  refreshMs?: number;
}

export interface MinerStatus {
  mining: boolean;
  threads: number;
  kernel: string;
  hashRate: number;
  totalHashes: number;
  blocksFound: number;
  /** Why the loop stopped on its own, if it did (also emitted as 'error'). */
  lastError?: string;
}

export interface MinerEvents {
  /** A block was found and handed to the chain; `result` is what processBlock said. */
  found: [info: { block: Block; result: ProcessResult }];
  error: [err: Error];
}

/**
 * The miner loop: build a template on the tip, search its nonce space on the hasher pool's
 * worker threads, and hand a found block to `chain.processBlock` like any block from the
 * network. A new tip aborts the round at once; mempool changes and a timer refresh it.
 */
export class Miner extends EventEmitter<MinerEvents> {
  private pool: HasherPool | undefined;
  private running = false;
  /** The pending start(), so concurrent calls share one pool and one loop. */
  private starting: Promise<void> | undefined;
  /** Bumped by stop(): a start() still creating its pool must not begin mining after it. */
  private generation = 0;
  private loop: Promise<void> | undefined;
  private round: AbortController | undefined;
  /** Ends the pause after a block the chain did not connect (see run). */
  private wake: (() => void) | undefined;
  private blocksFound = 0;
  private extraNonce = 0n;
  private lastError: Error | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly onTip = () => {
    this.round?.abort();
    this.wake?.();
  };
  private readonly onMempool = () => {
    // Batch bursts of new transactions into one refresh.
    if (!this.refreshTimer) {
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = undefined;
        this.round?.abort();
        this.wake?.();
      }, 500);
    }
  };

  constructor(private readonly opts: MinerOptions) {
    super();
  }

  get isMining(): boolean {
    return this.running;
  }

  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.starting ??= this.startOnce().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const generation = this.generation;
    this.pool ??= await HasherPool.create({ threads: this.opts.threads, kernel: this.opts.kernel });
    // stop() or close() was called while the workers started: they win.
    if (generation !== this.generation) return;
    this.running = true;
    this.lastError = undefined;
    this.opts.chain.on('tip', this.onTip);
    this.opts.mempool?.on('added', this.onMempool);
    this.loop = this.run(generation).catch((err: Error) => {
      this.lastError = err;
      if (generation === this.generation) this.halt();
      // An 'error' event without a listener would throw here and leave an unhandled rejection.
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
  }

  /**
   * Stop: no round starts after this is called (a start() still creating its workers does not
   * begin mining); resolves when the current round has ended. A start() called meanwhile wins.
   */
  async stop(): Promise<void> {
    this.generation++;
    const { starting, loop } = this;
    this.halt();
    await starting?.catch(() => undefined);
    await loop;
  }

  private halt(): void {
    this.running = false;
    this.opts.chain.off('tip', this.onTip);
    this.opts.mempool?.off('added', this.onMempool);
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.round?.abort();
    this.wake?.();
  }

  async close(): Promise<void> {
    await this.stop();
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  status(): MinerStatus {
    return {
      mining: this.running,
      threads: this.pool?.threads ?? this.opts.threads ?? 0,
      kernel: this.pool?.kernel ?? 'none',
      hashRate: this.pool?.hashRate() ?? 0,
      totalHashes: this.pool?.totalHashes ?? 0,
      blocksFound: this.blocksFound,
      ...(this.lastError ? { lastError: this.lastError.message } : {}),
    };
  }

  /** The loop of one start(); it ends once stop() has moved the generation on. */
  private async run(generation: number): Promise<void> {
    const refreshMs = this.opts.refreshMs ?? 5_000;
    const pool = this.pool!;
    const live = (): boolean => this.running && generation === this.generation;
    while (live()) {
      const template = await buildTemplate(this.opts.chain, this.opts.mempool, this.opts.payTo, this.opts.clock());
      // stop() may have come while the template was built: do not start a round it cannot end.
      if (!live()) break;
      const block = templateBlock(template, this.extraNonce);
      const round = (this.round = new AbortController());
      const timer = setTimeout(() => round.abort(), refreshMs);
      // The tip may have moved while the template was built: do not search a stale one.
      if (this.opts.chain.tip !== template.parent) round.abort();
      let result;
      try {
        result = await pool.search(headerBytes(block), template.target, { signal: round.signal });
      } finally {
        clearTimeout(timer);
      }
      if (result.found) {
        block.header.nonce = result.nonce;
        const processed = await this.opts.chain.processBlock(block, { source: 'miner' });
        if (isAccepted(processed)) this.blocksFound++;
        this.emit('found', { block, result: processed });
        // A block the chain did not take (say its time is too far ahead of the clock) leaves the
        // tip where it was, and the same template would be found again at once: wait for a new
        // tip, new transactions or the refresh timer instead of spinning.
        if (this.opts.chain.tip === template.parent) await this.pause(refreshMs);
      } else if (!result.aborted) {
        // The whole 32-bit nonce space failed: a new extraNonce gives a new merkle root.
        this.extraNonce++;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      if (!this.running) done();
    });
  }
}
