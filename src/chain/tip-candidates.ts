import type { BlockIndex, IndexEntry } from './block-index.js';
import { BlockStatus } from './layout.js';

/** More work wins; on equal work the block this node stored first wins. */
function beats(a: IndexEntry, b: IndexEntry): boolean {
  return a.chainWork > b.chainWork || (a.chainWork === b.chainWork && a.sequence < b.sequence);
}

/**
 * The stored, not-invalid blocks that would make a better tip than the current one: the
 * chain tries them best first. Pure bookkeeping over the block index, no I/O.
 */
export class TipCandidates {
  private readonly set = new Set<IndexEntry>();

  constructor(private readonly index: BlockIndex) {}

  /** Would `e` make a better tip than the current one? (The tip itself never does.) */
  betterThanTip(e: IndexEntry): boolean {
    const tip = this.index.tip;
    return e !== tip && beats(e, tip);
  }

  offer(e: IndexEntry): void {
    if (e.status !== BlockStatus.Invalid && this.betterThanTip(e)) this.set.add(e);
  }

  remove(e: IndexEntry): void {
    this.set.delete(e);
  }

  /** Recompute from the whole index (after start-up, invalidation or reconsideration). */
  rebuild(): void {
    this.set.clear();
    for (const e of this.index.entries()) this.offer(e);
  }

  /** Drop candidates the current tip now beats or equals. */
  prune(): void {
    for (const c of [...this.set]) if (!this.betterThanTip(c)) this.set.delete(c);
  }

  /** The best candidate that still beats the tip, if any. */
  best(): IndexEntry | undefined {
    this.prune();
    let best: IndexEntry | undefined;
    for (const e of this.set) if (!best || beats(e, best)) best = e;
    return best;
  }
}
