/**
 * The coin cache's storage: coins as 33-byte records in one slab, with slots reused. Whatever the
 * order of inserts, spends and evictions, a read must give back exactly the coin last written
 * for that outpoint, as a copy, and a coin the cache no longer holds must come from the database.
 */
import { CoinCache } from '../../src/chain/coin-cache.js';
import { encodeCoin, keys } from '../../src/chain/layout.js';
import type { ChainStore } from '../../src/chain/store.js';
import type { Coin } from '../../src/consensus/coin.js';
import { outpointMapKey } from '../../src/consensus/tx.js';
import { rng } from '../helpers/random.js';
import { useTempStore } from './harness.js';

let store: ChainStore;
useTempStore('powchain-coinslab', (s) => (store = s));

const txidOf = (n: number): Uint8Array => {
  const t = Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i * 7) & 0xff);
  new DataView(t.buffer).setUint32(0, n); // one txid per n
  return t;
};
const coinOf = (n: number): Coin => ({
  value: BigInt(n) * 1_000_003n,
  pubKeyHash: Uint8Array.from({ length: 20 }, (_, i) => (n + i) & 0xff),
  height: n * 17,
  coinbase: n % 3 === 0,
});

/** Apply one transition's changes, as the chain does after its batch is written. */
function apply(cache: CoinCache, changes: [number, Coin | null][]): void {
  cache.apply({ forEachChange: (fn) => changes.forEach(([n, c]) => fn(outpointMapKey(txidOf(n), 0), c)) });
}

test('10,000 random creations and spends: every read is the last coin written, past the first slab size', () => {
  const cache = new CoinCache(store, 20_000);
  const live = new Map<number, Coin>();
  const rand = rng(5).int;
  for (let step = 0; step < 10_000; step++) {
    const n = rand(8_000);
    if (live.has(n) && rand(3) === 0) {
      apply(cache, [[n, null]]);
      live.delete(n);
    } else {
      const coin = coinOf(n + step);
      apply(cache, [[n, coin]]);
      live.set(n, coin);
    }
  }
  expect(cache.size).toBe(live.size);
  expect(live.size).toBeGreaterThan(4_096);
  for (const [n, coin] of live) expect([n, cache.get(txidOf(n), 0)]).toEqual([n, coin]);
});

test('values, heights and flags at their edges come back exactly', () => {
  const cache = new CoinCache(store, 10);
  const edges: Coin[] = [
    { value: 0n, pubKeyHash: new Uint8Array(20), height: 0, coinbase: false },
    { value: 2n ** 53n - 1n, pubKeyHash: new Uint8Array(20).fill(0xff), height: 0xffffffff, coinbase: true },
    { value: 2n ** 53n, pubKeyHash: new Uint8Array(20).fill(1), height: 1, coinbase: false },
    { value: 2n ** 64n - 1n, pubKeyHash: new Uint8Array(20).fill(2), height: 2, coinbase: true },
  ];
  apply(
    cache,
    edges.map((c, i) => [i, c]),
  );
  edges.forEach((c, i) => expect(cache.get(txidOf(i), 0)).toEqual(c));
});

test('a read is a copy: changing it changes nothing in the cache', () => {
  const cache = new CoinCache(store, 10);
  const coin = coinOf(7);
  apply(cache, [[7, coin]]);
  const read = cache.get(txidOf(7), 0)!;
  read.pubKeyHash.fill(0);
  read.height = 1;
  // Nor does changing the coin handed in: the cache copied its bytes.
  coin.pubKeyHash[0] = 0xee;
  expect(cache.get(txidOf(7), 0)).toEqual(coinOf(7));
});

test('at capacity the oldest coin leaves, its slot serves the next, and a read of it goes to the database', async () => {
  const cache = new CoinCache(store, 3);
  await store.batch([{ type: 'put', key: keys.coin(txidOf(1), 0), value: encodeCoin(coinOf(1)) }]);
  apply(
    cache,
    [1, 2, 3, 4].map((n) => [n, coinOf(n)]),
  );
  expect(cache.size).toBe(3);
  for (const n of [2, 3, 4]) expect(cache.get(txidOf(n), 0)).toEqual(coinOf(n));
  // 1 was evicted; the database has it, and reading it brings it back (evicting 2).
  expect(cache.get(txidOf(1), 0)).toEqual(coinOf(1));
  expect(cache.size).toBe(3);
  expect(cache.get(txidOf(2), 0)).toBeUndefined();
  for (const n of [1, 3, 4]) expect(cache.get(txidOf(n), 0)).toEqual(coinOf(n));
});

test('a coin that does not fit its record is not cached, drops any older coin of its outpoint, and stops nothing', async () => {
  const cache = new CoinCache(store, 10);
  apply(
    cache,
    [1, 4].map((n) => [n, coinOf(n)]),
  );
  const bad: Coin = { ...coinOf(2), pubKeyHash: new Uint8Array(19) };
  // One transition: a refused new coin, a refused overwrite of 1, then a spend of 4. The spend
  // must still happen: apply never stops half-way.
  apply(cache, [
    [2, bad],
    [1, { ...coinOf(1), value: -1n }],
    [4, null],
  ]);
  expect(cache.size).toBe(0);
  // Each read now goes to the database (which has none of them here).
  for (const n of [1, 2, 4]) expect(cache.get(txidOf(n), 0)).toBeUndefined();
  await store.batch([{ type: 'put', key: keys.coin(txidOf(1), 0), value: encodeCoin(coinOf(1)) }]);
  expect(cache.get(txidOf(1), 0)).toEqual(coinOf(1));
  // Freed slots serve again.
  apply(cache, [[3, coinOf(3)]]);
  expect(cache.get(txidOf(3), 0)).toEqual(coinOf(3));
  expect(cache.get(txidOf(1), 0)).toEqual(coinOf(1));
});
