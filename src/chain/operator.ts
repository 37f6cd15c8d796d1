import { RejectCode } from '../consensus/errors.js';
import { hashToHex } from '../encoding/hex.js';
import { activateBestChainLocked, invalidMarks, transitionToLocked } from './activate.js';
import type { IndexEntry } from './block-index.js';
import { BlockCall } from './call.js';
import { ChainError } from './errors.js';
import { BlockStatus, indexRecord } from './layout.js';
import type { ChainState } from './state.js';
import type { BatchOp } from './store.js';

function known(state: ChainState, hash: Uint8Array): IndexEntry {
  const entry = state.index.get(hash);
  if (!entry) throw new ChainError('not-found', `block ${hashToHex(hash)} not found`);
  return entry;
}

/** invalidateblock: mark a block invalid by hand and move to the best chain without it. Caller holds the lock. */
export async function invalidateLocked(state: ChainState, hash: Uint8Array): Promise<void> {
  const entry = known(state, hash);
  if (entry.height === 0) throw new RangeError('the genesis block cannot be invalidated');
  const call = new BlockCall();
  // The marks ride in the same batch as the move back to the parent: a crash between two
  // batches would otherwise let start-up reconnect the block the operator invalidated.
  call.carry(invalidMarks(state, entry, RejectCode.Invalidated));
  if (state.index.isOnMainChain(entry)) {
    const failure = await transitionToLocked(state, call, entry.parent!);
    if (failure) throw failure.error;
  }
  await call.finish(state);
  state.events.emit('block-invalid', {
    hash: entry.hash,
    code: RejectCode.Invalidated,
    reason: 'invalidated by the operator',
    source: 'rpc',
  });
  state.candidates.rebuild();
  await activateBestChainLocked(state, new BlockCall());
}

/** reconsiderblock: clear the invalid mark of a block and its descendants and re-activate. Caller holds the lock. */
export async function reconsiderLocked(state: ChainState, hash: Uint8Array): Promise<void> {
  const entry = known(state, hash);
  const ops: BatchOp[] = [];
  for (const e of state.index.descendants(entry)) {
    if (e.status !== BlockStatus.Invalid) continue;
    e.status = BlockStatus.DataStored;
    e.invalidCode = '';
    ops.push(indexRecord(e));
  }
  const call = new BlockCall();
  await call.commit(state.store, ops);
  state.candidates.rebuild();
  await activateBestChainLocked(state, call);
}
