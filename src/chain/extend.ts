import type { DecodedBlock } from '../consensus/block.js';
import { RuleError } from '../consensus/errors.js';
import type { IndexEntry } from './block-index.js';
import type { BlockCall } from './call.js';
import { CoinView } from './coin-view.js';
import { commitTransition, validated } from './commit.js';
import { startConnect, type PendingConnect } from './connect.js';
import { keys } from './layout.js';
import type { ChainState } from './state.js';
import type { TransitionFailure } from './transition.js';

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Walked {
  entry: IndexEntry;
  block: DecodedBlock;
  view: CoinView;
  connect: PendingConnect;
}

/**
 * Connect `branch` on top of `fork` (the tip), block by block, as a three-stage pipeline:
 *
 *   walk N+depth         (this thread: coins, rules, signatures sent out)
 *   verify N..N+depth-1  (worker threads)
 *   write the decided blocks before N, one batch at a time (LevelDB's thread)
 *
 * Blocks are walked up to `depth` ahead of the oldest block whose signatures are not decided yet,
 * so the workers keep a backlog while this thread builds a batch. A decided block joins a queue of
 * writes (at most `depth` long) and this thread walks on instead of waiting for LevelDB: each write
 * starts when the one before it is on disk. Each stage reads the coins of the blocks ahead of it
 * through their views, stacked. What does not change: every block commits alone, as ONE batch, in
 * order, only after all its signatures passed and the block before it is on disk. A block that
 * fails ends the extension there, with everything before it committed; its descendants are never
 * written.
 */
export async function extendPipelined(
  state: ChainState,
  call: BlockCall,
  fork: IndexEntry,
  branch: IndexEntry[],
  depth = 1,
): Promise<TransitionFailure | undefined> {
  /** Walked blocks whose signatures are not decided yet, oldest first: at most `depth` once the next is walked. */
  const pending: Walked[] = [];
  /** Decided blocks' views and their writes, oldest first; each write starts when the one before it ends. */
  const writes: { view: CoinView; done: Promise<void> }[] = [];
  /** The newest write: the next one is chained after it. */
  let lastWrite: Promise<void> = Promise.resolve();
  let parent = fork;

  /** Wait for the oldest write (throwing its error); the view stacked on it then reads the committed state. */
  const finishOldestWrite = async (): Promise<void> => {
    const w = writes[0]!;
    await w.done;
    writes.shift();
    (writes[0]?.view ?? pending[0]?.view)?.rebaseFrom(w.view, state.coins);
  };
  const finishWrites = async (): Promise<void> => {
    while (writes.length > 0) await finishOldestWrite();
  };

  /** Decide the oldest pending block's signatures and queue its write. */
  const settle = async (): Promise<TransitionFailure | undefined> => {
    const p = pending[0]!;
    try {
      await p.connect.finish();
    } catch (err) {
      if (!(err instanceof RuleError)) throw err;
      await finishWrites();
      // The blocks walked after it descend from an invalid block: their answers no longer matter.
      pending.length = 0;
      return { entry: p.entry, error: err };
    }
    p.view.put(keys.height(p.entry.height), p.entry.hash);
    validated(state, call, p.entry);
    // Still first in `pending` while waiting for room, so a finished write rebases this block's view.
    while (writes.length >= depth) await finishOldestWrite();
    pending.shift();
    const before = parent;
    // One batch at a time, in order: this one is written once the block before it is on disk.
    // Building a batch is synchronous work (milliseconds for a block of thousands of outputs); a
    // turn of the event loop first lets whoever heard `validated` act on it before that (gossip
    // relays the block: its forward reaches the socket before the batch is built, not after).
    const done = lastWrite
      .then(nextTurn)
      .then(() => commitTransition(state, call, p.view, before, [], [{ entry: p.entry, block: p.block }], p.entry));
    // Awaited by finishOldestWrite; until then a failed write must not count as unhandled.
    done.catch(() => undefined);
    writes.push({ view: p.view, done });
    lastWrite = done;
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

  const walkAll = async (): Promise<TransitionFailure | undefined> => {
    for (const entry of branch) {
      const block = state.readBlock(entry);
      let connect: PendingConnect | undefined;
      let error = state.headerRules.recheck(entry, block);
      // The blocks ahead are not committed yet: read their coins through their views.
      const view = new CoinView(pending.at(-1)?.view ?? writes.at(-1)?.view ?? state.coins);
      if (!error) {
        try {
          connect = startConnect(state.connectContext(), view, block, entry.hash, block.txids, entry.height);
        } catch (err) {
          if (!(err instanceof RuleError)) throw err;
          error = err;
        }
      }
      if (!connect) {
        // The blocks before it are decided first: if one fails, this one descends from an invalid block.
        const failure = await settleUntil(0);
        await finishWrites();
        return failure ?? { entry, error: error! };
      }
      pending.push({ entry, block, view, connect });
      const failure = await settleUntil(depth);
      if (failure) return failure;
    }
    const failure = await settleUntil(0);
    await finishWrites();
    return failure;
  };

  try {
    return await walkAll();
  } catch (err) {
    // An error that is no verdict on a block (a verify worker died, a read failed): the blocks
    // already decided are still written, in order, before it goes up, so no write outlives the
    // call and the chain lock.
    await lastWrite.catch(() => undefined);
    throw err;
  }
}
