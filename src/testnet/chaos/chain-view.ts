/**
 * The block tree a chaos run has seen, and each peer's main chain in it. The run keeps one live
 * (to tell when a payment is confirmed or reorganised out on a peer) and the checker rebuilds one
 * from the history's `block` and `tips` events: the same code, so both tell the same story.
 */
import type { BlockEvent } from './history.js';

export type BlockInfo = Omit<BlockEvent, 'type' | 't'>;

export class BlockTree {
  private readonly blocks = new Map<string, BlockInfo>();
  /** txid -> hashes of the blocks that hold it (a transaction can be in blocks of two branches). */
  private readonly txBlocks = new Map<string, string[]>();

  add(b: BlockInfo): void {
    if (this.blocks.has(b.hash)) return;
    this.blocks.set(b.hash, b);
    for (const tx of b.txs) {
      const list = this.txBlocks.get(tx.txid);
      if (list) list.push(b.hash);
      else this.txBlocks.set(tx.txid, [b.hash]);
    }
  }

  get(hash: string): BlockInfo | undefined {
    return this.blocks.get(hash);
  }

  has(hash: string): boolean {
    return this.blocks.has(hash);
  }

  get size(): number {
    return this.blocks.size;
  }

  all(): IterableIterator<BlockInfo> {
    return this.blocks.values();
  }

  blocksWith(txid: string): string[] {
    return this.txBlocks.get(txid) ?? [];
  }

  /**
   * The chain ending at `tip`, as hashes by height (index 0: the genesis hash, which has no
   * record). Undefined when an ancestor is missing from the tree.
   */
  chainTo(tip: string): string[] | undefined {
    const out: string[] = [];
    let h: string | undefined = tip;
    while (h) {
      const b = this.blocks.get(h);
      if (!b) return undefined;
      out[b.height] = h;
      if (b.height === 1) {
        out[0] = b.prev;
        return out;
      }
      h = b.prev;
    }
    return undefined;
  }
}

/** What one tip change did to a peer's chain. */
export interface ChainChange {
  /** Height of the last block the old and new chains share. */
  forkHeight: number;
  /** Hashes that left the chain (highest first). */
  disconnected: string[];
  connected: string[];
}

/** Each peer's main chain, moved tip by tip through a BlockTree. */
export class PeerChains {
  /** chains[p][h] = hash of the block at height h on peer p's chain (h >= 1). */
  private readonly chains: string[][];

  constructor(
    private readonly tree: BlockTree,
    peers: number,
  ) {
    this.chains = Array.from({ length: peers }, () => []);
  }

  height(p: number): number {
    return Math.max(0, this.chains[p]!.length - 1);
  }

  tip(p: number): string | undefined {
    const c = this.chains[p]!;
    return c.length > 1 ? c[c.length - 1] : undefined;
  }

  hashAt(p: number, h: number): string | undefined {
    return this.chains[p]![h];
  }

  onChain(p: number, hash: string): boolean {
    const b = this.tree.get(hash);
    return !!b && this.chains[p]![b.height] === hash;
  }

  /** Move peer p to `tip` (every ancestor must be in the tree). */
  setTip(p: number, tip: string, height: number): ChainChange {
    const chain = this.chains[p]!;
    const connected: string[] = [];
    let h: string = tip;
    let at = height;
    // Walk down from the new tip until the old chain has the same block at that height.
    while (at >= 1 && chain[at] !== h) {
      const b = this.tree.get(h);
      if (!b) throw new Error(`block ${h} is not in the tree`);
      connected.push(h);
      h = b.prev;
      at--;
    }
    const disconnected = chain.slice(at + 1).reverse();
    chain.length = at + 1;
    for (let i = connected.length - 1; i >= 0; i--) chain.push(connected[i]!);
    return { forkHeight: at, disconnected, connected };
  }

  /** Confirmations of `txid` on peer p's chain: tip height - its block's height + 1, or 0. */
  depth(p: number, txid: string): number {
    for (const hash of this.tree.blocksWith(txid)) {
      if (this.onChain(p, hash)) return this.height(p) - this.tree.get(hash)!.height + 1;
    }
    return 0;
  }
}
