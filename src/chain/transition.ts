import type { DecodedBlock } from '../consensus/block.js';
import { RuleError } from '../consensus/errors.js';
import type { IndexEntry } from './block-index.js';
import type { CoinSource } from './coin-cache.js';
import { CoinView } from './coin-view.js';
import { connectBlock, disconnectBlock, type ConnectContext } from './connect.js';
import { keys } from './layout.js';

/** One block of a state transition, with its decoded body. */
export interface TransitionStep {
  entry: IndexEntry;
  block: DecodedBlock;
}

export type TransitionFailure = { entry: IndexEntry; error: RuleError };

/** What moving the chain needs from it: reads, the rule context, and the one way to commit. */
export interface TransitionHost {
  /** The committed UTXO set (the coin cache in front of the database). */
  readonly coins: CoinSource;
  readBlock(entry: IndexEntry): DecodedBlock;
  /** The undo record of a connected block. */
  readUndo(hash: Uint8Array): Uint8Array | undefined;
  /** A header rule the block breaks against its parent, if any (HeaderRules.recheck). */
  recheckHeader(entry: IndexEntry, block: DecodedBlock): RuleError | undefined;
  connectContext(): ConnectContext;
  /** The block passed every rule; its write follows. */
  validated(entry: IndexEntry): void;
  /** Write `view` as ONE batch with the tip moved to `newTip`; resolves once on disk and applied in memory. */
  commit(
    view: CoinView,
    fork: IndexEntry,
    disconnected: TransitionStep[],
    connected: TransitionStep[],
    newTip: IndexEntry,
  ): Promise<void>;
}

/**
 * Undo the main chain from `tip` back to `fork` into `view` (nothing is written yet): each block's
 * coins with its undo record, and its height index entry. Returns the steps, tip first.
 */
export function disconnectTo(
  view: CoinView,
  host: Pick<TransitionHost, 'readBlock' | 'readUndo'>,
  tip: IndexEntry,
  fork: IndexEntry,
): TransitionStep[] {
  const steps: TransitionStep[] = [];
  for (let e = tip; e !== fork; e = e.parent!) {
    const block = host.readBlock(e);
    disconnectBlock(view, block, e.hash, block.txids, e.height, host.readUndo(e.hash));
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
  host: TransitionHost,
  oldTip: IndexEntry,
  fork: IndexEntry,
  branch: IndexEntry[],
): Promise<TransitionFailure | undefined> {
  const view = new CoinView(host.coins);
  const disconnected = disconnectTo(view, host, oldTip, fork);
  const connected: TransitionStep[] = [];
  for (const entry of branch) {
    const block = host.readBlock(entry);
    const header = host.recheckHeader(entry, block);
    if (header) return { entry, error: header };
    try {
      await connectBlock(host.connectContext(), view, block, entry.hash, block.txids, entry.height);
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      return { entry, error: err };
    }
    view.put(keys.height(entry.height), entry.hash);
    connected.push({ entry, block });
  }
  // Only now: a reorg is all or nothing, and 'validated' promises that `connect` follows.
  for (const { entry } of connected) host.validated(entry);
  await host.commit(view, fork, disconnected, connected, branch.at(-1) ?? fork);
  return undefined;
}
