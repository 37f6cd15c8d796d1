/**
 * CoinView on a real ChainStore: the batch it builds writes each outpoint's final state once, as
 * one record (a coin created and spent inside one view is only deleted, never written), a coin
 * spent and restored is written back, and the other records keep the order they were made in (a
 * reorg deletes and rewrites the same history key: the rewrite must win).
 */
import { StoreCoins } from '../../src/chain/coin-cache.js';
import { CoinView } from '../../src/chain/coin-view.js';
import { decodeCoin, encodeCoin, encodeHistory, keys } from '../../src/chain/layout.js';
import type { ChainStore, BatchOp } from '../../src/chain/store.js';
import type { Coin } from '../../src/consensus/coin.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { useTempStore } from './harness.js';

const alice = testKey('alice');
const bob = testKey('bob');
const txA = new Uint8Array(32).fill(0xa1);
const txB = new Uint8Array(32).fill(0xb2);
const coinOf = (pkh: Uint8Array, value: bigint, height = 5): Coin => ({
  value,
  pubKeyHash: pkh,
  height,
  coinbase: false,
});

let store: ChainStore;
useTempStore('powchain-coinview', (s) => (store = s));

/** Ops as readable lines: `put coin(txid:index)` etc., keys named by the layout that built them. */
function describeOps(ops: BatchOp[], outpoints: { txid: Uint8Array; index: number }[]): string[] {
  const names = new Map<string, string>();
  for (const o of outpoints)
    names.set(bytesToHex(keys.coin(o.txid, o.index)), `coin(${bytesToHex(o.txid).slice(0, 4)}:${o.index})`);
  return ops.map((op) => `${op.type} ${names.get(bytesToHex(op.key)) ?? bytesToHex(op.key)}`);
}

/** A coin already in the database, as a committed block would have left it. */
async function stored(txid: Uint8Array, index: number, coin: Coin): Promise<void> {
  await store.batch([{ type: 'put', key: keys.coin(txid, index), value: encodeCoin(coin) }]);
}

test('a coin added and spent within one view is only deleted, and leaves nothing on disk', async () => {
  const view = new CoinView(new StoreCoins(store));
  view.addOutputs(txA, [{ value: 7n, pubKeyHash: alice.pkh }], 9, false);
  expect(view.get(txA, 0)).toEqual(coinOf(alice.pkh, 7n, 9));
  view.spend(txA, 0);
  expect(view.get(txA, 0)).toBeUndefined();

  const ops = view.batchOps();
  expect(describeOps(ops, [{ txid: txA, index: 0 }])).toEqual(['del coin(a1a1:0)']);
  const changes: (Coin | null)[] = [];
  view.forEachChange((_k, c) => changes.push(c));
  expect(changes).toEqual([null]);
  await store.batch(ops);
  expect(store.get(keys.coin(txA, 0))).toBeUndefined();
});

test('a stored coin spent and then restored (a reorg) is written back, never deleted', async () => {
  const coin = coinOf(alice.pkh, 50n);
  await stored(txA, 1, coin);
  const view = new CoinView(new StoreCoins(store));
  expect(view.get(txA, 1)).toEqual(coin);
  view.spend(txA, 1);
  expect(view.get(txA, 1)).toBeUndefined();
  view.add(txA, 1, coin);
  expect(view.get(txA, 1)).toEqual(coin);

  const ops = view.batchOps();
  expect(describeOps(ops, [{ txid: txA, index: 1 }])).toEqual(['put coin(a1a1:1)']);
  await store.batch(ops);
  expect(decodeCoin(store.get(keys.coin(txA, 1))!)).toEqual(coin);
});

test('one record per coin: no copy of it is written anywhere else', async () => {
  const view = new CoinView(new StoreCoins(store));
  view.addOutputs(
    txA,
    [
      { value: 1n, pubKeyHash: alice.pkh },
      { value: 2n, pubKeyHash: bob.pkh },
    ],
    3,
    false,
  );
  const ops = view.batchOps();
  expect(
    describeOps(ops, [
      { txid: txA, index: 0 },
      { txid: txA, index: 1 },
    ]),
  ).toEqual(['put coin(a1a1:0)', 'put coin(a1a1:1)']);
});

test('a stored coin spent once is deleted; an untouched one stays', async () => {
  await stored(txA, 0, coinOf(alice.pkh, 10n));
  await stored(txB, 0, coinOf(bob.pkh, 20n));
  const view = new CoinView(new StoreCoins(store));
  view.spend(txA, 0);
  const ops = view.batchOps();
  expect(describeOps(ops, [{ txid: txA, index: 0 }])).toEqual(['del coin(a1a1:0)']);
  await store.batch(ops);
  expect(store.get(keys.coin(txA, 0))).toBeUndefined();
  expect(decodeCoin(store.get(keys.coin(txB, 0))!)).toEqual(coinOf(bob.pkh, 20n));
});

test('the other records keep their order: a history key deleted then rewritten ends written', async () => {
  const hist = keys.addrHistory(alice.pkh, 7, txA);
  const other = keys.undo(txB);
  await store.batch([{ type: 'put', key: hist, value: encodeHistory(1n, 0n) }]);
  const view = new CoinView(new StoreCoins(store));
  view.put(other, Uint8Array.of(1));
  view.del(hist);
  view.addOutputs(txB, [{ value: 3n, pubKeyHash: bob.pkh }], 7, true);
  view.put(hist, encodeHistory(2n, 0n));
  view.del(other);

  const ops = view.batchOps();
  // Coin records first, then the rest exactly as made.
  expect(ops.slice(1).map((op) => `${op.type} ${bytesToHex(op.key)}`)).toEqual([
    `put ${bytesToHex(other)}`,
    `del ${bytesToHex(hist)}`,
    `put ${bytesToHex(hist)}`,
    `del ${bytesToHex(other)}`,
  ]);
  expect(describeOps(ops.slice(0, 1), [{ txid: txB, index: 0 }])).toEqual(['put coin(b2b2:0)']);
  await store.batch(ops);
  expect(store.get(hist)).toEqual(encodeHistory(2n, 0n));
  expect(store.get(other)).toBeUndefined();
  expect(decodeCoin(store.get(keys.coin(txB, 0))!)).toEqual({
    value: 3n,
    pubKeyHash: bob.pkh,
    height: 7,
    coinbase: true,
  });
});

test('a view stacked on another reads through it, and after rebaseFrom reads the committed store', async () => {
  await stored(txA, 0, coinOf(alice.pkh, 10n));
  const first = new CoinView(new StoreCoins(store));
  first.spend(txA, 0);
  first.addOutputs(txB, [{ value: 4n, pubKeyHash: bob.pkh }], 8, false);
  const second = new CoinView(first);
  // The uncommitted changes of `first` are visible through it.
  expect(second.get(txA, 0)).toBeUndefined();
  expect(second.get(txB, 0)).toEqual(coinOf(bob.pkh, 4n, 8));
  second.spend(txB, 0);
  // `second` changed only its own overlay.
  expect(first.get(txB, 0)).toEqual(coinOf(bob.pkh, 4n, 8));

  await store.batch(first.batchOps());
  second.rebaseFrom(first, new StoreCoins(store));
  expect(second.get(txA, 0)).toBeUndefined();
  expect(second.get(txB, 0)).toBeUndefined();
  expect(describeOps(second.batchOps(), [{ txid: txB, index: 0 }])).toEqual(['del coin(b2b2:0)']);
  await store.batch(second.batchOps());
  expect(store.get(keys.coin(txB, 0))).toBeUndefined();
});
