import { EventEmitter } from 'node:events';
import type { Chain } from '../chain/chain.js';
import type { ProcessResult } from '../chain/types.js';
import type { Block } from '../consensus/block.js';
import type { Mempool } from '../mempool/mempool.js';
import { HasherPool, type HasherPoolOptions } from './hasher/index.js';
import { buildTemplate, headerBytes, templateBlock, type BlockTemplate } from './template.js';

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
  private loop: Promise<void> | undefined;
  private round: AbortController | undefined;
  private blocksFound = 0;
  private extraNonce = 0n;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly onTip = () => this.round?.abort();
  private readonly onMempool = () => {
    // Batch bursts of new transactions into one refresh.
    if (!this.refreshTimer) this.refreshTimer = setTimeout(() => ((this.refreshTimer = undefined), this.round?.abort()), 500);
  };

  constructor(private readonly opts: MinerOptions) {
    super();
  }

  get isMining(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.pool ??= await HasherPool.create({ threads: this.opts.threads, kernel: this.opts.kernel });
    this.running = true;
    this.opts.chain.on('tip', this.onTip);
    this.opts.mempool?.on('added', this.onMempool);
    this.loop = this.run().catch((err: Error) => {
      this.running = false;
      this.emit('error', err);
    });
  }

  /** Stop mining; resolves when the current round has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.opts.chain.off('tip', this.onTip);
    this.opts.mempool?.off('added', this.onMempool);
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.round?.abort();
    await this.loop;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.pool?.close();
    this.pool = undefined;
  }

  status(): MinerStatus {
    return {
      mining: this.running,
      threads: this.pool?.threads ?? this.opts.threads ?? 0,
      kernel: this.pool?.kernel ?? 'none',
      hashRate: this.pool?.hashRate() ?? 0,
      totalHashes: this.pool?.totalHashes ?? 0,
      blocksFound: this.blocksFound,
    };
  }

  private async run(): Promise<void> {
    const refreshMs = this.opts.refreshMs ?? 5_000;
    let template: BlockTemplate | undefined;
    while (this.running) {
      template = await buildTemplate(this.opts.chain, this.opts.mempool, this.opts.payTo, this.opts.clock());
      const block = templateBlock(template, this.extraNonce);
      const round = (this.round = new AbortController());
      const timer = setTimeout(() => round.abort(), refreshMs);
      // The tip may have moved while the template was built: do not search a stale one.
      if (this.opts.chain.tip !== template.parent) round.abort();
      let result;
      try {
        result = await this.pool!.search(headerBytes(block), template.target, { signal: round.signal });
      } finally {
        clearTimeout(timer);
      }
      if (result.found) {
        block.header.nonce = result.nonce;
        const processed = await this.opts.chain.processBlock(block, { source: 'miner' });
        if (processed.status === 'connected') this.blocksFound++;
        this.emit('found', { block, result: processed });
      } else if (!result.aborted) {
        // The whole 32-bit nonce space failed: a new extraNonce gives a new merkle root.
        this.extraNonce++;
      }
    }
  }
}
