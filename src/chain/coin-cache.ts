import type { Coin } from '../consensus/coin.js';
import { outpointMapKey } from '../consensus/tx.js';
import { decodeCoin, keys } from './layout.js';
import type { ChainStore } from './store.js';
import { BoundedMap } from '../collections/bounded-map.js';

/** Where a CoinView reads the coins its own changes do not cover. */
export interface CoinSource {
  /** `key` is outpointMapKey(txid, index) (consensus/tx.ts) when the caller has built it already. */
  get(txid: Uint8Array, index: number, key?: string): Coin | undefined;
}

/** The UTXO records of the database, read one by one. */
export class StoreCoins implements CoinSource {
  constructor(private readonly store: ChainStore) {}

  get(txid: Uint8Array, index: number): Coin | undefined {
    const raw = this.store.get(keys.coin(txid, index));
    return raw ? decodeCoin(raw) : undefined;
  }
}

/** Default bound of the coin cache: about 200 bytes a coin, so some 50 MB when full. */
export const DEFAULT_COIN_CACHE_SIZE = 250_000;

/**
 * The committed UTXO set's most recent coins, in memory, in front of the database. Connecting a
 * block looks up one coin per input; from LevelDB that was the largest single cost of block
 * connection (a native read, about 17 µs each on a chain of 100,000 coins), from here a map lookup.
 *
 * It is a read cache and never holds anything the database does not: the chain applies a
 * transition's changes only after their batch is written (`apply`), so a failed write or a crash
 * cannot leave it ahead of the disk. Coins created by connected blocks and coins read from the
 * database enter it; the oldest leave first when it is full.
 */
export class CoinCache implements CoinSource {
  private readonly coins: BoundedMap<string, Coin>;
  private readonly backing: StoreCoins;

  constructor(store: ChainStore, readonly capacity = DEFAULT_COIN_CACHE_SIZE) {
    this.backing = new StoreCoins(store);
    this.coins = new BoundedMap(capacity);
  }

  get size(): number {
    return this.coins.size;
  }

  get(txid: Uint8Array, index: number, key?: string): Coin | undefined {
    if (this.capacity === 0) return this.backing.get(txid, index);
    const k = key ?? outpointMapKey(txid, index);
    const hit = this.coins.get(k);
    if (hit) return hit;
    const coin = this.backing.get(txid, index);
    if (coin) this.insert(k, coin);
    return coin;
  }

  /** Apply a written transition: each outpoint's final state (a coin, or null when spent). */
  apply(changes: { forEachChange(fn: (key: string, coin: Coin | null) => void): void }): void {
    if (this.capacity === 0) return;
    changes.forEachChange((k, coin) => {
      if (coin) this.insert(k, coin);
      else this.coins.delete(k);
    });
  }

  private insert(k: string, coin: Coin): void {
    // Own copy of the 20 bytes: a coin from a block holds a view into the whole block's bytes.
    this.coins.set(k, { value: coin.value, pubKeyHash: coin.pubKeyHash.slice(), height: coin.height, coinbase: coin.coinbase });
  }
}
