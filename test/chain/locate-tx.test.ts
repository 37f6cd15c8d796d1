/**
 * locateTransaction: a confirmed transaction's height without a transaction index, through the
 * UTXO set when it has an unspent output, else by scanning the address index, within a bound;
 * a reorganisation takes the disconnected block's transactions out of both.
 */
import { txid } from '../../src/consensus/tx.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { ChainHarness } from './harness.js';

const COIN = 100_000_000n;
const alice = testKey('alice');

let h: ChainHarness;
beforeEach(async () => {
  h = await ChainHarness.create();
  await h.extend('c', 'genesis', 101);
});
afterEach(() => h.close());

test('found through the UTXO set, through the address index once spent, and not beyond the bound', async () => {
  const pay = h.spend([h.get('c1').coinbase[0]!], [payTo(alice, 50n * COIN - 10_000n)]);
  h.block('x1', 'c101', { txs: [pay] });
  await h.accept('x1');
  const x1 = h.get('x1').height;
  expect(await h.chain.locateTransaction(txid(pay))).toEqual({ found: true, height: x1 });

  // Spend its only output: no coin of it is left, the address index still has it.
  const coin = {
    outpoint: { txid: txid(pay), index: 0 },
    coin: { ...pay.outputs[0]!, height: x1, coinbase: false },
    key: alice,
  };
  const onward = h.spend([coin], [payTo(h.miner, 50n * COIN - 20_000n)]);
  h.block('x2', 'x1', { txs: [onward] });
  await h.accept('x2');
  expect(await h.chain.locateTransaction(txid(pay))).toEqual({ found: true, height: x1 });
  // A coinbase of an early block: its coin was spent (c1), found by scanning.
  expect(await h.chain.locateTransaction(txid(h.get('c1').block.txs[0]!))).toEqual({
    found: true,
    height: 1,
  });

  // Unknown: the whole index read; with a bound smaller than the index, the answer says so.
  const unknown = new Uint8Array(32).fill(0x5a);
  const all = await h.chain.locateTransaction(unknown);
  expect(all).toMatchObject({ found: false, complete: true });
  const records = (all as { scanned: number }).scanned;
  expect(records).toBeGreaterThan(101);
  expect(await h.chain.locateTransaction(unknown, 10)).toEqual({ found: false, scanned: 10, complete: false });

  // Disconnected by a reorganisation: neither a coin nor an index record is left.
  h.block('y2', 'x1');
  h.block('y3', 'y2');
  await h.accept('y2', false);
  await h.accept('y3');
  expect(h.chain.tip.hashHex).toBe(bytesToHex(h.get('y3').hash));
  expect(await h.chain.locateTransaction(txid(onward))).toMatchObject({ found: false, complete: true });
});
