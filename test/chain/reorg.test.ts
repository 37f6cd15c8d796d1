/**
 * Reorganisations on a real classic-level database: depth 1, 10 and 100, first-seen tie-breaks
 * (kept across a restart), and the UTXO set after a double spend on the losing branch, compared
 * with a second chain that only ever saw the winning branch.
 */
import { keys } from '../../src/chain/layout.js';
import { BlockStatus } from '../../src/chain/index.js';
import { txid } from '../../src/consensus/tx.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { ChainHarness, internals, type LoggedEvent } from './harness.js';

const COIN = 100_000_000n;
/** Regtest coinbase maturity, restated: the spends below wait this many blocks. */
const COINBASE_MATURITY = 100;

const names = (prefix: string, from: number, to: number): string[] => {
  const out: string[] = [];
  if (from <= to) for (let i = from; i <= to; i++) out.push(`${prefix}${i}`);
  else for (let i = from; i >= to; i--) out.push(`${prefix}${i}`);
  return out;
};

let h: ChainHarness;
const extra: ChainHarness[] = [];
beforeEach(async () => {
  h = await ChainHarness.create();
});
afterEach(async () => {
  await h.close();
  for (const x of extra.splice(0)) await x.close();
});

describe.each([1, 10, 100])('a reorg of depth %i', (depth) => {
  test('moves to the heavier branch in one transition and leaves the state of that branch alone', async () => {
    await h.extend('c', 'genesis', 2);
    await h.extend('a', 'c2', depth);
    h.clearEvents();
    // The other branch, as long as the main one: equal work, so it waits on the side.
    let prev = 'c2';
    for (let i = 1; i <= depth; i++) {
      h.block(`b${i}`, prev);
      await h.accept(`b${i}`, false);
      prev = `b${i}`;
    }
    h.expectTip(`a${depth}`);
    expect(h.events).toEqual([]);

    h.block(`b${depth + 1}`, prev);
    await h.accept(`b${depth + 1}`, true);
    h.expectTip(`b${depth + 1}`);

    const disconnected = names('a', depth, 1);
    const connected = names('b', 1, depth + 1);
    expect(h.events).toEqual<LoggedEvent[]>([
      ...disconnected.map((name) => ({ type: 'disconnect' as const, name })),
      ...connected.map((name) => ({ type: 'connect' as const, name })),
      { type: 'reorg', fork: 'c2', disconnected, connected },
      { type: 'tip', name: `b${depth + 1}` },
    ]);
    for (const n of connected) {
      expect(h.chain.isOnMainChain(h.entry(n)!)).toBe(true);
      expect(h.entry(n)!.status).toBe(BlockStatus.Valid);
    }
    for (const n of disconnected) expect(h.chain.isOnMainChain(h.entry(n)!)).toBe(false);

    const fresh = await ChainHarness.replay(h, ['c1', 'c2', ...connected]);
    extra.push(fresh);
    expect(await h.utxoHash()).toBe(await fresh.utxoHash());
  });
});

describe('equal work keeps the first-seen tip', () => {
  test('a branch of equal work does not replace the tip, also after a restart', async () => {
    await h.extend('a', 'genesis', 3);
    await h.extend('b', 'genesis', 3, false);
    for (const n of names('b', 1, 3)) await h.accept(n, false);
    h.expectTip('a3');
    await h.reopen();
    h.expectTip('a3');
    // One more block decides it.
    h.block('b4', 'b3');
    await h.accept('b4');
    h.expectTip('b4');
  });

  test('whichever branch was seen first wins, even when the tip came later than its rival', async () => {
    h.block('x1', 'genesis');
    h.block('y1', 'genesis');
    await h.accept('x1');
    await h.accept('y1', false);
    h.expectTip('x1');
    h.block('y2', 'y1');
    await h.accept('y2');
    h.expectTip('y2');
    // x2 was stored after y2: the tie goes to y2, and stays there after a restart.
    h.block('x2', 'x1');
    await h.accept('x2', false);
    h.expectTip('y2');
    await h.reopen();
    h.expectTip('y2');
    h.block('x3', 'x2');
    await h.accept('x3');
    h.expectTip('x3');
  });
});

describe('double spends across branches', () => {
  const alice = testKey('alice');
  const bob = testKey('bob');
  const carol = testKey('carol');

  test('the UTXO set after the reorg is that of a chain that only saw the winning branch, both ways', async () => {
    await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
    const c1 = h.get('c1').coinbase[0]!;
    const c2 = h.get('c2').coinbase[0]!;
    // On both branches: the same payment from c2.
    const both = h.spend([c2], [payTo(alice, 50n * COIN)]);
    // Losing branch: c1's coin goes to alice, and alice passes it on to carol.
    const toAlice = h.spend([c1], [payTo(alice, 49n * COIN)]);
    h.block('a1', 'c101', { txs: [toAlice, both], fees: COIN });
    const aliceCoin = {
      outpoint: { txid: txid(toAlice), index: 0 },
      coin: { ...toAlice.outputs[0]!, height: h.get('a1').height, coinbase: false },
      key: alice,
    };
    const toCarol = h.spend([aliceCoin], [payTo(carol, 49n * COIN)]);
    h.block('a2', 'a1', { txs: [toCarol] });
    await h.accept('a1');
    await h.accept('a2');
    expect(internals(h.chain).store.get(keys.coin(txid(toCarol), 0))).toBeDefined();

    // Winning branch: the same c1 coin goes to bob instead.
    const toBob = h.spend([c1], [payTo(bob, 48n * COIN)]);
    h.block('b1', 'c101', { txs: [both, toBob], fees: 2n * COIN });
    h.block('b2', 'b1');
    h.block('b3', 'b2');
    await h.accept('b1', false);
    await h.accept('b2', false);
    await h.accept('b3');
    h.expectTip('b3');
    for (const t of [toAlice, toCarol]) expect(internals(h.chain).store.get(keys.coin(txid(t), 0))).toBeUndefined();
    expect(internals(h.chain).store.get(keys.coin(txid(toBob), 0))).toBeDefined();
    expect(internals(h.chain).store.get(keys.coin(txid(both), 0))).toBeDefined();

    const base = names('c', 1, COINBASE_MATURITY + 1);
    const onlyB = await ChainHarness.replay(h, [...base, 'b1', 'b2', 'b3']);
    extra.push(onlyB);
    expect(await h.utxoHash()).toBe(await onlyB.utxoHash());

    // And back: branch a grows heavier again; its spends return and bob's is undone.
    h.block('a3', 'a2');
    h.block('a4', 'a3');
    await h.accept('a3', false);
    await h.accept('a4');
    h.expectTip('a4');
    const onlyA = await ChainHarness.replay(h, [...base, 'a1', 'a2', 'a3', 'a4']);
    extra.push(onlyA);
    expect(await h.utxoHash()).toBe(await onlyA.utxoHash());
    expect(await h.utxoHash()).not.toBe(await onlyB.utxoHash());
    expect(internals(h.chain).store.get(keys.coin(txid(toBob), 0))).toBeUndefined();
  });
});
