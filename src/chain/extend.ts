import type { DecodedBlock } from '../consensus/block.js';
import { RuleError } from '../consensus/errors.js';
import type { IndexEntry } from './block-index.js';
import { CoinView } from './coin-view.js';
import { startConnect, type PendingConnect } from './connect.js';
import { keys } from './layout.js';
import type { TransitionFailure, TransitionHost } from './transition.js';

interface Walked {
  entry: IndexEntry;
  block: DecodedBlock;
  view: CoinView;
  connect: PendingConnect;
}

/**
 * Connect `branch` on top of `fork` (the tip), block by block, as a three-stage pipeline:
 *
 *   walk N+depth (this thread: coins, rules, signatures sent out)
 *   verify N..N+depth-1  (worker threads)
 *   write N-1 (LevelDB's thread)
 *
 * Blocks are walked up to `depth` ahead of the oldest block whose signatures are not decided yet,
 * and block N's batch is written while the next ones are walked; with more than one block's
 * signatures queued, the workers rarely run dry while this thread builds a batch. Each stage
 * reads the coins of the blocks ahead of it through their views. What does not change: every block commits alone, as ONE batch, in order, only
 * after all its signatures passed and the block before it is on disk. A block that fails ends
 * the extension there, with everything before it committed; its descendants are never written.
 */
export async function extendPipelined(host: TransitionHost, fork: IndexEntry, branch: IndexEntry[], depth = 1): Promise<TransitionFailure | undefined> {
  /** Walked blocks whose signatures are not decided yet, oldest first: at most `depth` once the next is walked. */
  const pending: Walked[] = [];
  let writing: { view: CoinView; done: Promise<void> } | undefined;
  let parent = fork;

  /** Wait for the write in flight; the view stacked on it then reads the committed state. */
  const finishWrite = async (): Promise<void> => {
    const w = writing;
    if (!w) return;
    writing = undefined;
    await w.done;
    pending[0]?.view.rebaseFrom(w.view, host.coins);
  };

  /** Decide the oldest pending block's signatures and start its write. */
  const settle = async (): Promise<TransitionFailure | undefined> => {
    const p = pending[0]!;
    try {
      await p.connect.finish();
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      await finishWrite();
      // The blocks walked after it descend from an invalid block: their answers no longer matter.
      pending.length = 0;
      return { entry: p.entry, error: err };
    }
    p.view.put(keys.height(p.entry.height), p.entry.hash);
    host.validated(p.entry);
    // One batch at a time, in order: the block before must be on disk before this one is written.
    await finishWrite();
    pending.shift();
    const done = host.commit(p.view, parent, [], [{ entry: p.entry, block: p.block }], p.entry);
    // Awaited by finishWrite; until then a failed write must not count as unhandled.
    done.catch(() => undefined);
    writing = { view: p.view, done };
    parent = p.entry;
    return undefined;
  };

  /** Settle pending blocks, oldest first, until at most `keep` remain; the first failure ends it. */
  const settleUntil = async (keep: number): Promise<TransitionFailure | undefined> => {
    while (pending.length > keep) {
      const failure = await settle();
      if (failure) return failure;
    }
    return undefined;
  };

  for (const entry of branch) {
    const block = host.readBlock(entry);
    let connect: PendingConnect | undefined;
    let error = host.recheckHeader(entry, block);
    // The blocks ahead are not committed yet: read their coins through their views.
    const view = new CoinView(pending.at(-1)?.view ?? writing?.view ?? host.coins);
    if (!error) {
      try {
        connect = startConnect(host.connectContext(), view, block, entry.hash, block.txids, entry.height);
      } catch (err) {
        if (!(err instanceof RuleError)) throw err;
        error = err;
      }
    }
    if (!connect) {
      // The blocks before it are decided first: if one fails, this one descends from an invalid block.
      const failure = await settleUntil(0);
      if (failure) return failure;
      await finishWrite();
      return { entry, error: error! };
    }
    pending.push({ entry, block, view, connect });
    const failure = await settleUntil(depth);
    if (failure) return failure;
  }
  const failure = await settleUntil(0);
  await finishWrite();
  return failure;
}
