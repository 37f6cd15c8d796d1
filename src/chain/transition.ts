import { RuleError } from '../consensus/errors.js';
import type { IndexEntry } from './block-index.js';
import type { BlockCall } from './call.js';
import { CoinView } from './coin-view.js';
import { commitTransition, validated, type TransitionStep } from './commit.js';
import { connectBlock, disconnectBlock } from './connect.js';
import { keys } from './layout.js';
import type { ChainState } from './state.js';

export type TransitionFailure = { entry: IndexEntry; error: RuleError };

/**
 * Undo the main chain from `tip` back to `fork` into `view` (nothing is written yet): each block's
 * coins with its undo record, and its height index entry. Returns the steps, tip first.
 */
export function disconnectTo(
  view: CoinView,
  state: Pick<ChainState, 'readBlock' | 'readUndo'>,
  tip: IndexEntry,
  fork: IndexEntry,
): TransitionStep[] {
  const steps: TransitionStep[] = [];
  for (let e = tip; e !== fork; e = e.parent!) {
    const block = state.readBlock(e);
    disconnectBlock(view, block, e.hash, block.txids, e.height, state.readUndo(e.hash));
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

/**
 * Reorganise: disconnect from `oldTip` back to `fork` and connect `branch`, all in ONE batch, so a
 * crash leaves the old chain or the new one. A block of the branch that fails drops the whole
 * reorg (the old chain stays) and is returned.
 */
export async function reorganise(
  state: ChainState,
  call: BlockCall,
  oldTip: IndexEntry,
  fork: IndexEntry,
  branch: IndexEntry[],
): Promise<TransitionFailure | undefined> {
  const view = new CoinView(state.coins);
  const disconnected = disconnectTo(view, state, oldTip, fork);
  const connected: TransitionStep[] = [];
  for (const entry of branch) {
    const block = state.readBlock(entry);
    const header = state.headerRules.recheck(entry, block);
    if (header) return { entry, error: header };
    try {
      await connectBlock(state.connectContext(), view, block, entry.hash, block.txids, entry.height);
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      return { entry, error: err };
    }
    view.put(keys.height(entry.height), entry.hash);
    connected.push({ entry, block });
  }
  // Only now: a reorg is all or nothing, and 'validated' promises that `connect` follows.
  for (const { entry } of connected) validated(state, call, entry);
  await commitTransition(state, call, view, fork, disconnected, connected, branch.at(-1) ?? fork);
  return undefined;
}
