import type { Coin } from '../consensus/coin.js';
import { outpointMapKey } from '../consensus/tx.js';
import { COIN_BYTES, decodeCoin, keys, readCoinAt, writeCoin } from './layout.js';
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

/** Default bound of the coin cache: about 100 bytes a coin (record, key and map entry), so some 25 MB when full. */
export const DEFAULT_COIN_CACHE_SIZE = 250_000;

/** Records the slab starts with; it doubles as it fills, up to the cache's capacity. */
const INITIAL_SLOTS = 4_096;

/**
 * The committed UTXO set's most recent coins, in memory, in front of the database. Connecting a
 * block looks up one coin per input: read from LevelDB, each is a native read of about 17 µs on a
 * chain of 100,000 coins, the largest single cost of block connection; from here, a map lookup.
 *
 * It is a read cache and never holds anything the database does not: the chain applies a
 * transition's changes only after their batch is written (`apply`), so a failed write or a crash
 * cannot leave it ahead of the disk. Coins created by connected blocks and coins read from the
 * database enter it; the oldest leave first when it is full.
 *
 * The coins live as their 33-byte database records in one slab, and the map holds each outpoint's
 * slot number. Held as JavaScript objects (a coin, its key hash's array and buffer, a BigInt),
 * each cached coin would be some 250 bytes of long-lived objects for the garbage collector to copy
 * and mark; block connection measures 6–11% faster with the slab (docs/benchmarks.md, connect,
 * item 7). A read makes a fresh coin, which dies young; a freed slot is reused.
 */
export class CoinCache implements CoinSource {
  private readonly slots: BoundedMap<string, number>;
  private readonly backing: StoreCoins;
  private slab = new Uint8Array(0);
  /** Slots given back (spent or evicted coins), reused before the slab grows. */
  private readonly free: number[] = [];
  private used = 0;

  constructor(
    store: ChainStore,
    readonly capacity = DEFAULT_COIN_CACHE_SIZE,
  ) {
    this.backing = new StoreCoins(store);
    this.slots = new BoundedMap(capacity, (_key, slot) => this.free.push(slot));
  }

  get size(): number {
    return this.slots.size;
  }

  get(txid: Uint8Array, index: number, key?: string): Coin | undefined {
    if (this.capacity === 0) return this.backing.get(txid, index);
    const k = key ?? outpointMapKey(txid, index);
    const slot = this.slots.get(k);
    if (slot !== undefined) return readCoinAt(this.slab, slot * COIN_BYTES);
    const coin = this.backing.get(txid, index);
    if (coin) this.insert(k, coin);
    return coin;
  }

  /** Apply a written transition: each outpoint's final state (a coin, or null when spent). */
  apply(changes: { forEachChange(fn: (key: string, coin: Coin | null) => void): void }): void {
    if (this.capacity === 0) return;
    changes.forEachChange((k, coin) => {
      if (coin) this.insert(k, coin);
      else this.remove(k);
    });
  }

  /**
   * Cache `coin` for `k`. A coin that does not fit its record (which the database would have
   * refused first: batchOps encodes the same record) is not cached, and any older coin of that
   * outpoint leaves the cache: a read then asks the database, which is never wrong. It never
   * throws, so `apply` cannot stop half-way with the cache out of step with the disk.
   */
  private insert(k: string, coin: Coin): void {
    const known = this.slots.get(k);
    const slot = known ?? this.free.pop() ?? this.grow();
    try {
      // The record, copied: a coin from a block holds a view into the whole block's bytes.
      writeCoin(coin, this.slab, slot * COIN_BYTES);
    } catch {
      if (known === undefined) this.free.push(slot);
      else this.remove(k);
      return;
    }
    // May evict the oldest entry, whose slot onEvict hands back to `free` for the next insert.
    if (known === undefined) this.slots.set(k, slot);
  }

  private remove(k: string): void {
    const slot = this.slots.get(k);
    if (slot === undefined) return;
    this.slots.delete(k);
    this.free.push(slot);
  }

  /** A new slot at the end of the slab, doubling the slab when it is full. */
  private grow(): number {
    if ((this.used + 1) * COIN_BYTES > this.slab.length) {
      const records = Math.min(Math.max(INITIAL_SLOTS, (2 * this.slab.length) / COIN_BYTES), this.capacity + 1);
      const bigger = new Uint8Array(records * COIN_BYTES);
      bigger.set(this.slab);
      this.slab = bigger;
    }
    return this.used++;
  }
}
