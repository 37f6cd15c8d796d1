import type { Block } from '../consensus/block.js';
import { RuleError, TEMPORARY_REJECTS, type RuleResult } from '../consensus/errors.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { checkHeaderContext, headerContextAfter } from '../consensus/rules/contextual.js';
import type { BlockIndex, IndexEntry } from './block-index.js';
import { BlockStatus } from './layout.js';

/**
 * The header rules that need a block's parent and ancestors (expected bits, median time past, the
 * future limit against the injected clock), answered from the block index.
 */
export class HeaderRules {
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

  private after(parent: IndexEntry) {
    return headerContextAfter(this.params, parent, (h) => this.index.ancestor(parent, h), this.clock());
  }
}
