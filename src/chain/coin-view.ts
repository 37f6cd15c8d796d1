import type { Coin } from '../consensus/coin.js';
import { outpointKey } from '../consensus/tx.js';
import { decodeCoin, encodeCoin, keys } from './layout.js';
import type { BatchOp, ChainStore } from './store.js';

/**
 * The UTXO set as seen part-way through a state transition: reads fall through to the database,
 * writes stay in memory and are recorded as batch operations, so a whole transition (a block,
 * or a reorg of many) commits as ONE atomic batch or not at all.
 */
export class CoinView {
  private readonly overlay = new Map<string, Coin | null>();
  readonly ops: BatchOp[] = [];

  constructor(private readonly store: ChainStore) {}

  get(txid: Uint8Array, index: number): Coin | undefined {
    const k = outpointKey(txid, index);
    const o = this.overlay.get(k);
    if (o !== undefined) return o ?? undefined;
    const raw = this.store.get(keys.coin(txid, index));
    return raw ? decodeCoin(raw) : undefined;
  }

  add(txid: Uint8Array, index: number, coin: Coin): void {
    this.overlay.set(outpointKey(txid, index), coin);
    this.ops.push({ type: 'put', key: keys.coin(txid, index), value: encodeCoin(coin) });
    this.ops.push({ type: 'put', key: keys.addrCoin(coin.pubKeyHash, txid, index), value: encodeCoin(coin) });
  }

  spend(txid: Uint8Array, index: number, coin: Coin): void {
    this.overlay.set(outpointKey(txid, index), null);
    this.ops.push({ type: 'del', key: keys.coin(txid, index) });
    this.ops.push({ type: 'del', key: keys.addrCoin(coin.pubKeyHash, txid, index) });
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.ops.push({ type: 'put', key, value });
  }

  del(key: Uint8Array): void {
    this.ops.push({ type: 'del', key });
  }
}
