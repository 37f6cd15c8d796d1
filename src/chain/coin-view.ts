import type { Coin } from '../consensus/coin.js';
import { outpointMapKey } from '../consensus/tx.js';
import type { CoinSource } from './coin-cache.js';
import { Arena } from '../encoding/arena.js';
import { equalBytes } from '../encoding/hex.js';
import { encodeCoin, encodeHistory, keys } from './layout.js';
import type { BatchOp } from './store.js';

interface HistoryRecord {
  type: 'history';
  pkh: Uint8Array;
  height: number;
  txid: Uint8Array;
  received: bigint;
  sent: bigint;
  outputs: number[];
}

/** An outpoint this view changed, and its final state. */
interface Change {
  txid: Uint8Array;
  index: number;
  coin: Coin | null;
}

/**
 * The UTXO set as seen part-way through a state transition: reads fall through to the source
 * (the coin cache, then the database), changes stay in memory, so a whole transition (a block,
 * or a reorg of many) commits as ONE atomic batch or not at all.
 *
 * The batch is built by `batchOps`, after validation rather than during it: a block's rules are
 * decided without building a single database key, so a node can relay a valid block before it
 * spends the time to encode its thousands of records. Each outpoint contributes its final state
 * only: a coin created and spent within the view is written as a delete, not a put and a delete.
 */
export class CoinView {
  private readonly overlay = new Map<string, Change>();
  /** Records other than coins (undo, history, height, tip, index), in the order they were made. */
  private readonly others: (BatchOp | HistoryRecord)[] = [];

  constructor(private source: CoinSource) {}

  /** Read through `next` instead of `committed` once the view this one was stacked on is written. */
  rebaseFrom(committed: CoinSource, next: CoinSource): void {
    if (this.source === committed) this.source = next;
  }

  /** Each outpoint this view changed (its map key) and its final state: a coin, or null when spent. */
  forEachChange(fn: (key: string, coin: Coin | null) => void): void {
    // forEach, not a generator: a block changes thousands of outpoints, and each yield allocates.
    this.overlay.forEach((c, k) => fn(k, c.coin));
  }

  get(txid: Uint8Array, index: number, key = outpointMapKey(txid, index)): Coin | undefined {
    const o = this.overlay.get(key);
    if (o !== undefined) return o.coin ?? undefined;
    return this.source.get(txid, index, key);
  }

  add(txid: Uint8Array, index: number, coin: Coin): void {
    this.addAt(outpointMapKey(txid, index), txid, index, coin);
  }

  /** The outputs of transaction `txid` as new coins. */
  addOutputs(
    txid: Uint8Array,
    outputs: readonly { value: bigint; pubKeyHash: Uint8Array }[],
    height: number,
    coinbase: boolean,
  ): void {
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i]!;
      this.addAt(outpointMapKey(txid, i), txid, i, { value: o.value, pubKeyHash: o.pubKeyHash, height, coinbase });
    }
  }

  private addAt(k: string, txid: Uint8Array, index: number, coin: Coin): void {
    const o = this.overlay.get(k);
    if (o) o.coin = coin;
    else this.overlay.set(k, { txid, index, coin });
  }

  spend(txid: Uint8Array, index: number, k = outpointMapKey(txid, index)): void {
    const o = this.overlay.get(k);
    if (o) o.coin = null;
    else this.overlay.set(k, { txid, index, coin: null });
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.others.push({ type: 'put', key, value });
  }

  /** The value of the newest put of `key` in this view (the UTXO commitment reads a block's undo record here). */
  lastPut(key: Uint8Array): Uint8Array | undefined {
    for (let i = this.others.length - 1; i >= 0; i--) {
      const op = this.others[i]!;
      if (op.type === 'put' && equalBytes(op.key, key)) return op.value;
    }
    return undefined;
  }

  del(key: Uint8Array): void {
    this.others.push({ type: 'del', key });
  }

  /** An address history record, encoded only when the batch is built. */
  putHistory(
    pkh: Uint8Array,
    height: number,
    txid: Uint8Array,
    received: bigint,
    sent: bigint,
    outputs: number[],
  ): void {
    this.others.push({ type: 'history', pkh, height, txid, received, sent, outputs });
  }

  /** The database operations that record this view: the coin records, then the rest in order. */
  batchOps(): BatchOp[] {
    const ops: BatchOp[] = [];
    const arena = new Arena();
    for (const { txid, index, coin } of this.overlay.values()) {
      if (coin) ops.push({ type: 'put', key: keys.coin(txid, index, arena), value: encodeCoin(coin, arena) });
      else ops.push({ type: 'del', key: keys.coin(txid, index, arena) });
    }
    for (const op of this.others) {
      ops.push(
        op.type === 'history'
          ? {
              type: 'put',
              key: keys.addrHistory(op.pkh, op.height, op.txid, arena),
              value: encodeHistory(op.received, op.sent, op.outputs, arena),
            }
          : op,
      );
    }
    return ops;
  }
}
