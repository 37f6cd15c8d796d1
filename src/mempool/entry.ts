import type { Transaction } from '../consensus/tx.js';

/** An unconfirmed transaction and what the pool knows about it. */
export interface MempoolEntry {
  tx: Transaction;
  txid: Uint8Array;
  /** Lower-case hex of the internal-order txid: the key of every map. */
  id: string;
  size: number;
  /** Base units. */
  fee: bigint;
  /** Seconds since the epoch when it entered the pool (injected clock). */
  time: number;
  /** Chain height when it entered. */
  height: number;
  /** In-pool transactions whose outputs this one spends. */
  parents: Set<string>;
  /** In-pool transactions spending this one's outputs. */
  children: Set<string>;
  /**
   * Fee and size of this transaction with all its in-pool descendants: the package eviction
   * ranks. Kept up to date as descendants come and go, so finding the cheapest package is one
   * pass over the entries instead of a descendant walk from each.
   */
  descFee: bigint;
  descSize: number;
}

/** Fee rate in base units per 1,000 bytes (bitcoind's per-kB convention). */
export function feeRate(fee: bigint, size: number): number {
  return (Number(fee) * 1000) / size;
}
