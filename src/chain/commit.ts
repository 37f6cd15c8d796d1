import type { DecodedBlock } from '../consensus/block.js';
import type { IndexEntry } from './block-index.js';
import type { BlockCall } from './call.js';
import type { CoinView } from './coin-view.js';
import { BlockStatus, indexRecord, keys } from './layout.js';
import type { ChainState } from './state.js';
import type { UtxoCommitment } from './utxo-commitment.js';

/** One block of a state transition, with its decoded body. */
export interface TransitionStep {
  entry: IndexEntry;
  block: DecodedBlock;
}

/**
 * Stage 5's verdict on a block: it passed every rule, signatures included, on its way onto the
 * main chain; only its write is left. The call that handed it in hears first (the network relays
 * from here), then every listener of `validated`.
 */
export function validated(state: ChainState, call: BlockCall, entry: IndexEntry): void {
  call.validated(entry);
  state.events.emit('validated', entry);
}

/**
 * Stage 5's commit: write one transition as ONE batch, carrying whatever the call stored and has
 * not written yet, then (stage 6) update memory and tell listeners. Nothing in memory moves
 * before the batch is on disk.
 */
export async function commitTransition(
  state: ChainState,
  call: BlockCall,
  view: CoinView,
  fork: IndexEntry,
  disconnected: TransitionStep[],
  connected: TransitionStep[],
  newTip: IndexEntry,
): Promise<void> {
  view.put(keys.tip(), newTip.hash);
  const commitment = recordCommitments(state, view, disconnected, connected);
  for (const { entry } of connected) {
    // A block connected through a reconsidered descendant may still carry its old reject code.
    const record = indexRecord({ ...entry, status: BlockStatus.Valid, invalidCode: '' });
    view.put(record.key, record.value);
  }
  await call.commit(state.store, view.batchOps());
  for (const { entry } of connected) {
    entry.status = BlockStatus.Valid;
    entry.invalidCode = '';
  }
  state.coins.apply(view);
  state.commitment = commitment;
  for (const { entry } of connected) state.reader.forget(entry.hashHex);
  applyTransition(state, fork, disconnected, connected, newTip);
}

/**
 * The UTXO commitment after each connected block, recorded in the same batch (utxo-commitment.ts);
 * a disconnected block's record is deleted. Returns the new tip's commitment.
 */
function recordCommitments(
  state: ChainState,
  view: CoinView,
  disconnected: TransitionStep[],
  connected: TransitionStep[],
): UtxoCommitment {
  const c = state.commitment.clone();
  for (const { entry, block } of disconnected) {
    c.applyBlock(-1, block, block.txids, entry.height, state.readUndo(entry.hash)!);
    view.del(keys.commitment(entry.hash));
  }
  for (const { entry, block } of connected) {
    c.applyBlock(1, block, block.txids, entry.height, view.lastPut(keys.undo(entry.hash))!);
    view.put(keys.commitment(entry.hash), c.encode());
  }
  return c;
}

/** Stage 6 for a transition whose batch is on disk: move the tip in memory and tell listeners. */
function applyTransition(
  state: ChainState,
  fork: IndexEntry,
  disconnected: TransitionStep[],
  connected: TransitionStep[],
  newTip: IndexEntry,
): void {
  const { events } = state;
  state.index.setTip(newTip);
  state.candidates.prune();
  for (const d of disconnected) events.emit('disconnect', { entry: d.entry, block: d.block, txids: d.block.txids });
  for (const c of connected) events.emit('connect', { entry: c.entry, block: c.block, txids: c.block.txids });
  if (disconnected.length > 0) {
    events.emit('reorg', {
      fork,
      disconnected: disconnected.map((d) => d.entry),
      connected: connected.map((c) => c.entry),
    });
  }
  events.emit('tip', newTip);
}
