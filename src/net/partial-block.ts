import { sha256d } from '../crypto/hash.js';
import type { Block } from '../consensus/block.js';
import type { BlockHeader } from '../consensus/header.js';
import { merkleRoot } from '../consensus/merkle.js';
import { encodeTx, type Transaction } from '../consensus/tx.js';
import { equalBytes } from '../encoding/hex.js';
import { shortIdFunction, type CompactBlock } from './compact.js';

/** A transaction a receiver already holds (its mempool), with its txid. */
export interface KnownTx {
  tx: Transaction;
  txid: Uint8Array;
}

/** Why a compact block cannot be rebuilt from what it names: the full block is fetched instead. */
export type ReconstructFailure =
  /** Two of its short ids are equal: which transaction is where cannot be told. */
  | 'short-id-collision'
  /** The rebuilt transactions do not hash to the header's merkle root: a short id matched the wrong transaction. */
  | 'merkle-mismatch';

/**
 * A block being rebuilt from a compact block: the prefilled transactions, those whose short ids
 * match a transaction the receiver holds, and holes for the rest (`missing`, to be fetched).
 * It holds references to the mempool's transactions (no copies) and, once filled, at most the
 * transactions of one block.
 */
export class PartialBlock {
  private constructor(
    readonly header: BlockHeader,
    private readonly txs: (Transaction | undefined)[],
    private readonly txids: (Uint8Array | undefined)[],
    /** Positions of the transactions still lacking, ascending. */
    readonly missing: number[],
    /** Transactions found among those the receiver holds. */
    readonly fromPool: number,
  ) {}

  /** Match the compact block's short ids against `known`; a collision among its own ids fails. */
  static build(cb: CompactBlock, known: Iterable<KnownTx>): PartialBlock | ReconstructFailure {
    const count = cb.shortIds.length + cb.prefilled.length;
    const txs: (Transaction | undefined)[] = new Array(count).fill(undefined);
    const txids: (Uint8Array | undefined)[] = new Array(count).fill(undefined);
    for (const p of cb.prefilled) {
      txs[p.index] = p.tx;
      txids[p.index] = sha256d(encodeTx(p.tx));
    }
    // Short ids fill the positions the prefilled transactions left, in order.
    const position = new Map<number, number>();
    let at = 0;
    for (const id of cb.shortIds) {
      while (txs[at] !== undefined) at++;
      if (position.has(id)) return 'short-id-collision';
      position.set(id, at++);
    }
    const shortId = shortIdFunction(cb.header, cb.salt);
    const ambiguous = new Set<number>();
    let fromPool = 0;
    for (const k of known) {
      if (fromPool === position.size) break;
      const id = shortId(k.txid);
      const i = position.get(id);
      if (i === undefined || ambiguous.has(i)) continue;
      if (txs[i] !== undefined) {
        // Two held transactions share this short id: fetch the right one rather than guess.
        if (!equalBytes(txids[i]!, k.txid)) {
          txs[i] = undefined;
          txids[i] = undefined;
          ambiguous.add(i);
          fromPool--;
        }
        continue;
      }
      txs[i] = k.tx;
      txids[i] = k.txid;
      fromPool++;
    }
    const missing: number[] = [];
    for (let i = 0; i < count; i++) if (txs[i] === undefined) missing.push(i);
    return new PartialBlock(cb.header, txs, txids, missing, fromPool);
  }

  /**
   * The whole block, with `fetched` (the transactions at `missing`, in order, with their txids)
   * in the holes, checked against the header's merkle root. A mismatch means a short id matched
   * the wrong transaction (or a peer sent the wrong one): the caller fetches the full block.
   */
  complete(fetched: readonly KnownTx[] = []): { block: Block; txids: Uint8Array[] } | ReconstructFailure {
    if (fetched.length !== this.missing.length) throw new RangeError('fetched transactions do not fill the holes');
    const txs = this.txs.slice();
    const txids = this.txids.slice();
    this.missing.forEach((i, k) => {
      txs[i] = fetched[k]!.tx;
      txids[i] = fetched[k]!.txid;
    });
    const ids = txids as Uint8Array[];
    const { root, mutated } = merkleRoot(ids);
    if (mutated || !equalBytes(root, this.header.merkleRoot)) return 'merkle-mismatch';
    return { block: { header: this.header, txs: txs as Transaction[] }, txids: ids };
  }
}
