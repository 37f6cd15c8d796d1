import { BoundedMap } from '../collections/bounded-map.js';
import type { Block } from '../consensus/block.js';
import { RuleError, TEMPORARY_REJECTS, type RuleResult } from '../consensus/errors.js';
import { ASERT_ANCHOR_HEIGHT } from '../consensus/next-bits.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { checkHeaderContext, headerContextAfter } from '../consensus/rules/contextual.js';
import type { BlockIndex, IndexEntry } from './block-index.js';
import { BlockStatus } from './layout.js';

/**
 * How many side-branch blocks remember their ASERT anchor. The next block of a branch asks
 * about its parent, the block remembered last, so a few thousand keep a long branch (a whole
 * other chain from genesis, met when two networks join) at one step per block.
 */
const MAX_REMEMBERED_ANCHORS = 4096;

/**
 * The header rules that need a block's parent and ancestors (expected bits, median time past, the
 * future limit against the injected clock), answered from the block index.
 */
export class HeaderRules {
  /** Side-branch block → block 1 of its chain (main-chain blocks read it from the main chain). */
  private readonly anchors = new BoundedMap<IndexEntry, IndexEntry>(MAX_REMEMBERED_ANCHORS);

  constructor(
    private readonly params: NetworkParams,
    private readonly index: BlockIndex,
    private readonly clock: () => number,
  ) {}

  /** Check `block`'s header as the child of `parent`. */
  check(block: Block, parent: IndexEntry): RuleResult {
    return checkHeaderContext(block.header, this.after(parent));
  }

  /**
   * A block never connected is checked against its parent again before it connects: processBlock
   * did so before storing, but a reindex resets every stored block to DataStored, and a stored
   * bad-diffbits/time-too-old block must not connect (connectBlock checks no header).
   */
  recheck(entry: IndexEntry, block: Block): RuleError | undefined {
    if (entry.status === BlockStatus.Valid) return undefined;
    const header = this.check(block, entry.parent!);
    return !header.ok && !TEMPORARY_REJECTS.has(header.code) ? RuleError.from(header) : undefined;
  }

  /** The bits a child of `parent` must carry. */
  expectedBitsAfter(parent: IndexEntry): number {
    return this.after(parent).expectedBits;
  }

  /** Median of the times of `entry` and the 10 blocks before it. */
  medianTimePast(entry: IndexEntry): number {
    return this.after(entry).medianTimePast;
  }

  /**
   * The block at height `h` of `entry`'s chain. Block 1, which every ASERT header asks for, comes
   * from the main chain or the remembered anchors instead of a walk down a side branch.
   */
  ancestor(entry: IndexEntry, h: number): IndexEntry | undefined {
    return h === ASERT_ANCHOR_HEIGHT && entry.height > h ? this.anchorOf(entry) : this.index.ancestor(entry, h);
  }

  private anchorOf(entry: IndexEntry): IndexEntry | undefined {
    const walked: IndexEntry[] = [];
    let cur: IndexEntry | undefined = entry;
    let anchor: IndexEntry | undefined;
    while (cur && !anchor) {
      if (cur.height === ASERT_ANCHOR_HEIGHT) anchor = cur;
      else if (this.index.isOnMainChain(cur)) anchor = this.index.atHeight(ASERT_ANCHOR_HEIGHT);
      else anchor = this.anchors.get(cur);
      if (!anchor) {
        walked.push(cur);
        cur = cur.parent;
      }
    }
    if (anchor) for (const e of walked) this.anchors.set(e, anchor);
    return anchor;
  }

  private after(parent: IndexEntry) {
    return headerContextAfter(this.params, parent, (h) => this.ancestor(parent, h), this.clock());
  }
}
