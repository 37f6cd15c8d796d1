import { sha256 } from '@noble/hashes/sha2.js';
import { RuleError } from '../consensus/errors.js';
import { StoreCoins } from './coin-cache.js';
import { CoinView } from './coin-view.js';
import { connectBlock, disconnectBlock } from './connect.js';
import { decodeCoin, keys } from './layout.js';
import type { IndexEntry } from './block-index.js';
import type { ChainState } from './state.js';
import { scanUtxoSet, utxoMismatch } from './startup.js';

export interface UtxoSetInfo {
  /** sha256 over every (key, value) of the UTXO set in key order: equal sets, equal hashes. */
  hash: Uint8Array;
  count: number;
  /** Sum of all unspent values, base units. */
  totalValue: bigint;
  /** The tip the set belongs to: its height and hash (internal byte order). */
  height: number;
  bestBlock: Uint8Array;
}

/** Hash the whole UTXO set, so two nodes (or a node and a replay) can compare state. Caller holds the lock. */
export async function utxoSetHashLocked(state: ChainState): Promise<UtxoSetInfo> {
  const h = sha256.create();
  let count = 0;
  let totalValue = 0n;
  for await (const [k, v] of state.store.scan(keys.coinPrefix())) {
    h.update(k);
    h.update(v);
    count++;
    totalValue += decodeCoin(v).value;
  }
  return {
    hash: h.digest(),
    count,
    totalValue,
    height: state.index.height,
    bestBlock: state.index.tip.hash,
  };
}

export type VerifyChainResult = { ok: true; checked: number } | { ok: false; height: number; reason: string };

/**
 * Re-check the stored state, without writing: first the whole UTXO set against the tip's
 * commitment (a missing, extra or altered coin anywhere fails it), then the last `depth`
 * main-chain blocks: undo them in memory (every coin they created must be unspent, their undo
 * records must fit), then connect them again with every rule and signature. A pass means the
 * UTXO set, undo data and blocks agree. Caller holds the lock.
 */
export async function verifyChainLocked(state: ChainState, depth: number): Promise<VerifyChainResult> {
  const tip = state.index.tip;
  try {
    const found = await scanUtxoSet(state.store);
    if (!found.equals(state.commitment))
      return { ok: false, height: tip.height, reason: utxoMismatch(tip, state.commitment, found).message };
  } catch (err) {
    return { ok: false, height: tip.height, reason: (err as Error).message };
  }
  const view = new CoinView(new StoreCoins(state.store));
  const entries: IndexEntry[] = [];
  for (let e: IndexEntry | undefined = state.index.tip; e && e.height > 0 && entries.length < depth; e = e.parent)
    entries.push(e);
  for (const e of entries) {
    try {
      const block = state.readBlock(e);
      disconnectBlock(view, block, e.hash, block.txids, e.height, state.readUndo(e.hash), { strict: true });
    } catch (err) {
      return { ok: false, height: e.height, reason: (err as Error).message };
    }
  }
  const ctx = { params: state.params, verifier: state.verifier, sigCache: { size: 0, has: () => false } };
  for (const e of entries.reverse()) {
    try {
      const block = state.readBlock(e);
      await connectBlock(ctx, view, block, e.hash, block.txids, e.height);
    } catch (err) {
      if (err instanceof RuleError) return { ok: false, height: e.height, reason: err.message };
      return { ok: false, height: e.height, reason: (err as Error).message };
    }
  }
  return { ok: true, checked: entries.length };
}
