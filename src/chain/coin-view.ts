import type { Coin } from '../consensus/coin.js';
import { decodeCoin, encodeCoin, keys } from './layout.js';
import type { BatchOp, ChainStore } from './store.js';

/**
 * The overlay's private map key for an outpoint: the txid's bytes as a Latin-1 string (built
 * natively, where outpointKey formats hex digit by digit), its length first so keys of different
 * lengths can never collide, then the index.
 */
function overlayKey(txid: Uint8Array, index: number): string {
  return `${String.fromCharCode(txid.length)}${Buffer.from(txid.buffer, txid.byteOffset, txid.byteLength).toString('latin1')}:${index}`;
}

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
    const k = overlayKey(txid, index);
    const o = this.overlay.get(k);
    if (o !== undefined) return o ?? undefined;
    const raw = this.store.get(keys.coin(txid, index));
    return raw ? decodeCoin(raw) : undefined;
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
