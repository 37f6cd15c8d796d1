import type { Coin } from '../consensus/coin.js';
import { outpointMapKey as overlayKey, type CoinSource } from './coin-cache.js';
import { encodeCoin, keys } from './layout.js';
import type { BatchOp } from './store.js';

/**
 * The UTXO set as seen part-way through a state transition: reads fall through to the database,
 * writes stay in memory and are recorded as batch operations, so a whole transition (a block,
 * or a reorg of many) commits as ONE atomic batch or not at all.
 */
export class CoinView {
  private readonly overlay = new Map<string, Coin | null>();
  readonly ops: BatchOp[] = [];

  constructor(private readonly source: CoinSource) {}

  /** Each outpoint this view changed and its final state: a coin, or null when spent. */
  get changes(): ReadonlyMap<string, Coin | null> {
    return this.overlay;
  }

  get(txid: Uint8Array, index: number): Coin | undefined {
    const o = this.overlay.get(overlayKey(txid, index));
    if (o !== undefined) return o ?? undefined;
    return this.source.get(txid, index);
  }

  add(txid: Uint8Array, index: number, coin: Coin): void {
    this.overlay.set(overlayKey(txid, index), coin);
    // Both records hold the same bytes: encode once (the batch only reads them).
    const value = encodeCoin(coin);
    this.ops.push({ type: 'put', key: keys.coin(txid, index), value });
    this.ops.push({ type: 'put', key: keys.addrCoin(coin.pubKeyHash, txid, index), value });
  }

  spend(txid: Uint8Array, index: number, coin: Coin): void {
    this.overlay.set(overlayKey(txid, index), null);
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
