/**
 * The address index (chain.addressUtxos / chain.addressHistory): receipts and spends are
 * recorded with the block that confirms them and rolled back with it by a reorg.
 */
import type { AddressHistoryItem } from '../../src/chain/index.js';
import { txid, type Transaction } from '../../src/consensus/tx.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { ChainHarness } from './harness.js';

const COIN = 100_000_000n;
const alice = testKey('alice');
const bob = testKey('bob');

let h: ChainHarness;
beforeEach(async () => {
  h = await ChainHarness.create();
  await h.extend('c', 'genesis', 101);
});
afterEach(() => h.close());

const utxos = async (pkh: Uint8Array) =>
  (await h.chain.addressUtxos(pkh)).map((u) => ({
    txid: bytesToHex(u.txid),
    index: u.index,
    value: u.value,
    height: u.height,
  }));
const history = async (pkh: Uint8Array) =>
  (await h.chain.addressHistory(pkh)).map((i: AddressHistoryItem) => ({
    txid: bytesToHex(i.txid),
    height: i.height,
    received: i.received,
    sent: i.sent,
  }));
const id = (tx: Transaction) => bytesToHex(txid(tx));

/** alice is paid 50 in x1 (plus 5 twice in one tx), then pays bob 30 in x2 with 20 change. */
async function payments() {
  const pay = h.spend([h.get('c1').coinbase[0]!], [payTo(alice, 50n * COIN)]);
  const twice = h.spend(
    [h.get('c2').coinbase[0]!],
    [payTo(alice, 5n * COIN), payTo(alice, 5n * COIN), payTo(h.miner, 40n * COIN)],
  );
  h.block('x1', 'c101', { txs: [pay, twice] });
  await h.accept('x1');
  const aliceCoin = {
    outpoint: { txid: txid(pay), index: 0 },
    coin: { ...pay.outputs[0]!, height: h.get('x1').height, coinbase: false },
    key: alice,
  };
  const toBob = h.spend([aliceCoin], [payTo(bob, 30n * COIN), payTo(alice, 20n * COIN)]);
  h.block('x2', 'x1', { txs: [toBob] });
  await h.accept('x2');
  return { pay, twice, toBob };
}

test('receipts and spends appear in the UTXOs (oldest first) and history of each address', async () => {
  const { pay, twice, toBob } = await payments();
  const [x1, x2] = [h.get('x1').height, h.get('x2').height];
  expect(await utxos(alice.pkh)).toEqual(
    [
      { txid: id(twice), index: 0, value: 5n * COIN, height: x1 },
      { txid: id(twice), index: 1, value: 5n * COIN, height: x1 },
      { txid: id(toBob), index: 1, value: 20n * COIN, height: x2 },
    ].sort((a, b) => a.height - b.height || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.index - b.index)),
  );
  expect(await utxos(bob.pkh)).toEqual([{ txid: id(toBob), index: 0, value: 30n * COIN, height: x2 }]);
  const aliceHistory = await history(alice.pkh);
  expect(aliceHistory.filter((i) => i.height === x1).sort((a, b) => (a.txid < b.txid ? -1 : 1))).toEqual(
    [
      { txid: id(pay), height: x1, received: 50n * COIN, sent: 0n },
      { txid: id(twice), height: x1, received: 10n * COIN, sent: 0n },
    ].sort((a, b) => (a.txid < b.txid ? -1 : 1)),
  );
  // Oldest first.
  expect(aliceHistory.at(-1)).toEqual({ txid: id(toBob), height: x2, received: 20n * COIN, sent: 50n * COIN });
  expect(await history(bob.pkh)).toEqual([{ txid: id(toBob), height: x2, received: 30n * COIN, sent: 0n }]);
  // The miner's coinbase c1 was spent: gone from its UTXOs, its spend in its history.
  const minerUtxos = await utxos(h.miner.pkh);
  expect(minerUtxos.some((u) => u.txid === id(h.get('c1').block.txs[0]!))).toBe(false);
  expect(minerUtxos.some((u) => u.txid === id(twice) && u.index === 2)).toBe(true);
  expect((await history(h.miner.pkh)).find((i) => i.txid === id(pay))).toEqual({
    txid: id(pay),
    height: x1,
    received: 0n,
    sent: 50n * COIN,
  });
});

test('a reorg rolls the index back to the winning branch, and forward again', async () => {
  const minerBefore = await utxos(h.miner.pkh);
  await payments();
  const aliceAfter = await history(alice.pkh);
  h.block('y1', 'c101');
  h.block('y2', 'y1');
  h.block('y3', 'y2');
  await h.accept('y1', false);
  await h.accept('y2', false);
  await h.accept('y3');
  h.expectTip('y3');
  expect(await utxos(alice.pkh)).toEqual([]);
  expect(await history(alice.pkh)).toEqual([]);
  expect(await utxos(bob.pkh)).toEqual([]);
  expect(await history(bob.pkh)).toEqual([]);
  // The miner has its coins of c1..c101 back, plus y1..y3's.
  const minerNow = await utxos(h.miner.pkh);
  expect(minerNow.length).toBe(minerBefore.length + 3);
  for (const u of minerBefore) expect(minerNow).toContainEqual(u);

  // The x branch wins again: the same index as before.
  h.block('x3', 'x2');
  h.block('x4', 'x3');
  await h.accept('x3', false);
  await h.accept('x4');
  expect(await history(alice.pkh)).toEqual(aliceAfter);
  expect(await history(bob.pkh)).toHaveLength(1);
});

test('the index survives a restart and a reindex unchanged', async () => {
  await payments();
  const before = { a: await history(alice.pkh), au: await utxos(alice.pkh), b: await history(bob.pkh) };
  await h.reopen();
  expect({ a: await history(alice.pkh), au: await utxos(alice.pkh), b: await history(bob.pkh) }).toEqual(before);
  await h.reindex();
  expect({ a: await history(alice.pkh), au: await utxos(alice.pkh), b: await history(bob.pkh) }).toEqual(before);
});
