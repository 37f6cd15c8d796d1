import { decodeBlockWithTxids, type DecodedBlock } from '../consensus/block.js';
import type { IndexEntry } from './block-index.js';
import { damagedBlock, type BlockStore } from './block-store.js';
import { BoundedMap } from '../collections/bounded-map.js';

/**
 * RECENT_BLOCKS: decoded blocks kept, so connecting right after storing does not re-read them.
 * The chain forgets a block once it is connected and written: past that point it is only read
 * again by a reorganisation, and keeping a sync batch's worth of decoded blocks alive through the
 * next batch would cost memory (up to 64 full blocks) and garbage-collector work for nothing.
 */
const RECENT_BLOCKS = 64;

/** Reads of stored blocks, with the few most recently stored blocks kept decoded until connected. */
export class BlockReader {
  private readonly recent = new BoundedMap<string, DecodedBlock>(RECENT_BLOCKS);

  constructor(private readonly blocks: BlockStore) {}

  remember(hashHex: string, block: DecodedBlock): void {
    this.recent.set(hashHex, block);
  }

  /** Drop the decoded copy of a block (it stays readable from the store). */
  forget(hashHex: string): void {
    this.recent.delete(hashHex);
  }

  blockBytes(hash: Uint8Array): Uint8Array | undefined {
    return this.blocks.get(hash);
  }

  block(entry: IndexEntry): DecodedBlock {
    const cached = this.recent.get(entry.hashHex);
    if (cached) return cached;
    const bytes = this.blocks.get(entry.hash);
    if (!bytes) throw damagedBlock(entry.hash, entry.height);
    return decodeBlockWithTxids(bytes);
  }
}
