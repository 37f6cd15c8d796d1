import { RejectCode } from '../consensus/errors.js';
import { hashToHex } from '../encoding/hex.js';
import type { IndexEntry } from './block-index.js';
import type { BlockCall } from './call.js';
import { ChainError } from './errors.js';
import { extendPipelined } from './extend.js';
import { BlockStatus, indexRecord } from './layout.js';
import type { ChainState } from './state.js';
import type { BatchOp } from './store.js';
import { branchFrom, reorganise, type TransitionFailure } from './transition.js';

/**
 * Stage 5, connect: move to the best valid chain. While a candidate beats the tip, go to it; a
 * block that fails is marked invalid with its descendants and the next best is tried.
 * Caller holds the chain lock.
 */
export async function activateBestChainLocked(state: ChainState, call: BlockCall): Promise<void> {
  for (;;) {
    const best = state.candidates.best();
    if (!best) return;
    const failure = await transitionToLocked(state, call, best);
    if (failure) {
      const { entry, error } = failure;
      // A failing block is reported with the source that sent it (a batch may mix senders).
      await markInvalidLocked(state, call, entry, error.code, error.reason, call.sourceOf(entry));
    }
  }
}

/**
 * Disconnect back to the fork with `target` and connect the branch up to it. A transition that
 * disconnects anything is one batch (transition.ts); a plain extension commits block by block,
 * pipelined (extend.ts): every step is a valid chain state, and a long sync or reindex does not
 * build one huge batch.
 */
export function transitionToLocked(
  state: ChainState,
  call: BlockCall,
  target: IndexEntry,
): Promise<TransitionFailure | undefined> {
  const oldTip = state.index.tip;
  const fork = state.index.fork(oldTip, target);
  if (!fork) throw new ChainError('corrupt-state', `block ${hashToHex(target.hash)} shares no ancestor with the tip`);
  const branch = branchFrom(fork, target);
  return oldTip === fork
    ? extendPipelined(state, call, fork, branch, state.pipelineDepth)
    : reorganise(state, call, oldTip, fork, branch);
}

/** Mark `entry` and every descendant invalid, in memory and on disk. Caller holds the lock. */
export async function markInvalidLocked(
  state: ChainState,
  call: BlockCall,
  entry: IndexEntry,
  code: RejectCode,
  reason: string,
  source: string,
): Promise<void> {
  await call.commit(state.store, invalidMarks(state, entry, code));
  state.events.emit('block-invalid', { hash: entry.hash, code, reason, source });
}

/** Mark `entry` and its descendants invalid in memory; returns the writes that record it. */
export function invalidMarks(state: ChainState, entry: IndexEntry, code: RejectCode): BatchOp[] {
  const ops: BatchOp[] = [];
  for (const e of state.index.descendants(entry)) {
    e.status = BlockStatus.Invalid;
    e.invalidCode = e === entry ? code : RejectCode.PrevBlockInvalid;
    state.candidates.remove(e);
    ops.push(indexRecord(e));
  }
  return ops;
}
