import { hashToHex } from '../../encoding/hex.js';
import { EventHub } from '../../web/sse.js';
import type { NodeContext } from '../context.js';
import { RecentOrphans } from './tree.js';

/** Mempool and index changes are announced at most this often (a busy pool changes constantly). */
const COALESCE_MS = 500;

/**
 * The explorer's live feed: what the chain, mempool and network announce, as server-sent events
 * (docs/explorer.md lists them). `block` carries the wall-clock time the block joined this node's
 * main chain, which the testnet dashboard compares across peers for propagation delays.
 */
export class LiveFeed {
  readonly hub = new EventHub();
  readonly orphans = new RecentOrphans();
  private readonly timer: NodeJS.Timeout;
  private indexSize: number;
  private mempoolDirty = false;

  constructor(private readonly ctx: NodeContext) {
    // The chain's events are its announcements; its state is read through the node's queries.
    const { chain, queries, mempool, net } = ctx;
    const hub = this.hub;
    this.indexSize = queries.storedBlocks();
    chain.on('connect', ({ entry }) =>
      hub.publish('block', { hash: hashToHex(entry.hash), height: entry.height, at: Date.now() }),
    );
    chain.on('tip', (e) => {
      this.indexSize = queries.storedBlocks();
      hub.publish('tip', { hash: hashToHex(e.hash), height: e.height, time: e.header.time });
    });
    chain.on('reorg', ({ fork, disconnected, connected }) =>
      hub.publish('reorg', {
        fork: hashToHex(fork.hash),
        forkHeight: fork.height,
        disconnected: disconnected.map((e) => hashToHex(e.hash)),
        connected: connected.map((e) => hashToHex(e.hash)),
      }),
    );
    chain.on('block-invalid', (i) => hub.publish('invalid', { hash: hashToHex(i.hash), code: i.code }));
    chain.on('orphan', (o) => {
      const orphan = { hash: hashToHex(o.hash), missing: hashToHex(o.missing), source: o.source };
      this.orphans.add(orphan);
      hub.publish('orphan', { hash: orphan.hash, missing: orphan.missing });
    });
    mempool.on('added', () => (this.mempoolDirty = true));
    mempool.on('removed', () => (this.mempoolDirty = true));
    net.on('peer:connect', () => hub.publish('peers', { count: net.peers().length }));
    net.on('peer:disconnect', () => hub.publish('peers', { count: net.peers().length }));
    // A block stored on a side branch moves no tip and has no event of its own: the index's size
    // tells (the tree view redraws on `stored`).
    this.timer = setInterval(() => {
      if (this.mempoolDirty) {
        this.mempoolDirty = false;
        hub.publish('mempool', { size: mempool.size, bytes: mempool.totalBytes });
      }
      if (queries.storedBlocks() !== this.indexSize) {
        this.indexSize = queries.storedBlocks();
        hub.publish('stored', { blocks: this.indexSize });
      }
    }, COALESCE_MS);
    this.timer.unref();
  }

  /** The state a new page starts from (the first event of its stream). */
  hello(): { type: string; data: unknown } {
    const { queries, mempool, net } = this.ctx;
    const tip = queries.tip();
    return {
      type: 'hello',
      data: {
        network: queries.params.name,
        height: tip.height,
        hash: hashToHex(tip.hash),
        mempool: mempool.size,
        peers: net.peers().length,
      },
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.hub.close();
  }
}
