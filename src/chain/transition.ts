import type { DecodedBlock } from '../consensus/block.js';
import type { IndexEntry } from './block-index.js';
import type { BlockReader } from './block-reader.js';
import type { CoinView } from './coin-view.js';
import { disconnectBlock } from './connect.js';
import { keys } from './layout.js';
import type { ChainStore } from './store.js';

/** One block of a state transition, with its decoded body. */
export interface TransitionStep {
  entry: IndexEntry;
  block: DecodedBlock;
}

/**
 * Undo the main chain from `tip` back to `fork` into `view` (nothing is written yet): each block's
 * coins with its undo record, and its height index entry. Returns the steps, tip first.
 */
export function disconnectTo(view: CoinView, reader: BlockReader, store: ChainStore, tip: IndexEntry, fork: IndexEntry): TransitionStep[] {
  const steps: TransitionStep[] = [];
  for (let e = tip; e !== fork; e = e.parent!) {
    const block = reader.block(e);
    disconnectBlock(view, block, e.hash, block.txids, e.height, store.get(keys.undo(e.hash)));
    view.del(keys.height(e.height));
    steps.push({ entry: e, block });
  }
  return steps;
}

/** The entries after `fork` up to and including `target`, oldest first. */
export function branchFrom(fork: IndexEntry, target: IndexEntry): IndexEntry[] {
  const path: IndexEntry[] = [];
  for (let e: IndexEntry | undefined = target; e && e !== fork; e = e.parent) path.push(e);
  return path.reverse();
}
