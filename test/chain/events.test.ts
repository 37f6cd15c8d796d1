/**
 * The chain's events: what listeners (mempool, wallet, logging) see for each kind of transition,
 * and that the state is on disk when they hear of it.
 */
import { keys } from '../../src/chain/layout.js';
import type { Block } from '../../src/consensus/block.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { txid } from '../../src/consensus/tx.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { regrind, regtest } from '../helpers/mine.js';
import { payTo } from '../helpers/tx.js';
import { ChainHarness, internals } from './harness.js';

let h: ChainHarness;
beforeEach(async () => {
  h = await ChainHarness.create();
});
afterEach(() => h.close());

test('extending the tip: connect then tip, no reorg; a side block: nothing', async () => {
  await h.extend('a', 'genesis', 2);
  expect(h.events).toEqual([
    { type: 'connect', name: 'a1' },
    { type: 'tip', name: 'a1' },
    { type: 'connect', name: 'a2' },
    { type: 'tip', name: 'a2' },
  ]);
  h.clearEvents();
  h.block('b1', 'genesis');
  await h.accept('b1', false);
  expect(h.events).toEqual([]);
});

test('listeners hear of a block after its batch is on disk and the tip has moved', async () => {
  const seen: { coinStored: boolean; tipIsEntry: boolean }[] = [];
  h.chain.on('connect', ({ entry, txids }) => {
    seen.push({
      coinStored: internals(h.chain).store.get(keys.coin(txids[0]!, 0)) !== undefined,
      tipIsEntry: h.chain.tip === entry,
    });
  });
  await h.extend('a', 'genesis', 2);
  expect(seen).toEqual([
    { coinStored: true, tipIsEntry: true },
    { coinStored: true, tipIsEntry: true },
  ]);
});

test('a reorg hands the disconnected blocks with their transactions to listeners (for the mempool)', async () => {
  await h.extend('c', 'genesis', 101);
  const tx = h.spend([h.get('c1').coinbase[0]!], [payTo(testKey('alice'), 50n * 100_000_000n)]);
  h.block('a1', 'c101', { txs: [tx] });
  await h.accept('a1');
  const disconnected: Block[] = [];
  h.chain.on('disconnect', ({ block }) => disconnected.push(block));
  h.block('b1', 'c101');
  h.block('b2', 'b1');
  await h.accept('b1', false);
  h.clearEvents();
  await h.accept('b2');
  expect(disconnected).toHaveLength(1);
  expect(disconnected[0]!.txs.map((t) => bytesToHex(txid(t)))).toContain(bytesToHex(txid(tx)));
  expect(h.events).toEqual([
    { type: 'disconnect', name: 'a1' },
    { type: 'connect', name: 'b1' },
    { type: 'connect', name: 'b2' },
    { type: 'reorg', fork: 'c101', disconnected: ['a1'], connected: ['b1', 'b2'] },
    { type: 'tip', name: 'b2' },
  ]);
});

test("'block-invalid' for rule failures, context-free or not; nothing for a temporary one", async () => {
  await h.extend('a', 'genesis', 1);
  h.clearEvents();
  h.block('x', 'a1', { coinbaseValue: 50n * 100_000_000n + 1n });
  await h.reject('x', RejectCode.CoinbaseAmount);
  h.named('hh', regrind(h.block('hh', 'a1').block, regtest, false), 2);
  await h.reject('hh', RejectCode.HighHash);
  h.block('future', 'a1', { timeDelta: h.clock.now + regtest.maxFutureBlockTime + 1 - h.get('a1').time });
  await h.reject('future', RejectCode.TimeTooNew, 'temporary');
  expect(h.events).toEqual([
    { type: 'block-invalid', name: 'x', code: RejectCode.CoinbaseAmount },
    { type: 'block-invalid', name: 'hh', code: RejectCode.HighHash },
  ]);
});

test("'orphan' names the missing ancestor; the orphans connect when it arrives", async () => {
  await h.extend('a', 'genesis', 3, false);
  await h.orphan('a3', 'a2');
  await h.orphan('a2', 'a1');
  expect(h.events).toEqual([
    { type: 'orphan', name: 'a3', missing: 'a2' },
    { type: 'orphan', name: 'a2', missing: 'a1' },
  ]);
  h.clearEvents();
  await h.accept('a1');
  expect(h.events).toEqual(
    ['a1', 'a2', 'a3'].flatMap((name) => [
      { type: 'connect', name },
      { type: 'tip', name },
    ]),
  );
});
