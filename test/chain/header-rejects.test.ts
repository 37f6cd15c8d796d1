/**
 * Header and block-structure rules through processBlock, each with the smallest block that
 * breaks it. Contextual failures are recorded by hash; context-free ones are not (a mutated
 * copy shares its hash with the valid block and must not poison it).
 */
import { BlockStatus } from '../../src/chain/index.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { MEDIAN_TIME_SPAN } from '../../src/consensus/rules/contextual.js';
import { payTo } from '../helpers/tx.js';
import { regrind, regtest } from '../helpers/mine.js';
import { testKey } from '../helpers/keys.js';
import { ChainHarness } from './harness.js';

/** Consensus limits restated, so a change to them is noticed here. */
const REGTEST_BITS = 0x207fffff;
const MAX_FUTURE_BLOCK_TIME = 2 * 3600;
const MEDIAN_SPAN = 11;
const COIN = 100_000_000n;

test('the limits these tests assume', () => {
  expect(regtest.genesis.header.bits).toBe(REGTEST_BITS);
  expect(regtest.difficulty.algorithm).toBe('fixed');
  expect(regtest.maxFutureBlockTime).toBe(MAX_FUTURE_BLOCK_TIME);
  expect(MEDIAN_TIME_SPAN).toBe(MEDIAN_SPAN);
});

let h: ChainHarness;
beforeEach(async () => {
  h = await ChainHarness.create();
});
afterEach(() => h.close());

describe('context-free rules: rejected, never recorded by hash', () => {
  test('high-hash', async () => {
    await h.extend('a', 'genesis', 1);
    const good = h.block('x', 'a1');
    h.named('x', regrind(good.block, regtest, false), 2);
    await h.reject('x', RejectCode.HighHash);
    expect(h.entry('x')).toBeUndefined();
    expect(h.inOrphanPool('x')).toBe(false);
    expect(h.events).toContainEqual({ type: 'block-invalid', name: 'x', code: RejectCode.HighHash });
    h.expectTip('a1');
  });

  test('high-hash is checked before the orphan pool', async () => {
    await h.extend('a', 'genesis', 2, false);
    h.named('bad', regrind(h.get('a2').block, regtest, false), 2);
    await h.reject('bad', RejectCode.HighHash);
    expect(h.chain.stats().orphans).toBe(0);
  });

  test('bad-txnmrklroot: a copy with other transactions under the same header does not poison the real block', async () => {
    await h.extend('a', 'genesis', 1);
    const real = h.block('x', 'a1');
    const other = h.block('other', 'a1');
    h.named('forged', { header: real.block.header, txs: other.block.txs }, 2);
    expect(h.get('forged').hashHex).toBe(real.hashHex);
    await h.reject('forged', RejectCode.BadMerkleRoot);
    expect(h.entry('x')).toBeUndefined();
    await h.accept('x');
    h.expectTip('x');
  });

  test('CVE-2012-2459: a duplicated-transaction copy is rejected and the real block still connects', async () => {
    await h.extend('c', 'genesis', 101);
    const alice = testKey('alice');
    const t1 = h.spend([h.get('c1').coinbase[0]!], [payTo(alice, 50n * COIN)]);
    const t2 = h.spend([h.get('c2').coinbase[0]!], [payTo(alice, 50n * COIN)]);
    // Three transactions: the odd last one is paired with itself, so [cb, t1, t2, t2] has the same root.
    const real = h.block('x', 'c101', { txs: [t1, t2] });
    h.named('mutated', { header: real.block.header, txs: [...real.block.txs, t2] }, real.height);
    expect(h.get('mutated').hashHex).toBe(real.hashHex);
    await h.reject('mutated', RejectCode.DuplicateTx);
    expect(h.entry('x')).toBeUndefined();
    await h.accept('x');
    h.expectTip('x');
    expect(h.entry('x')!.status).toBe(BlockStatus.Valid);
  });
});

describe('header rules against the parent', () => {
  test('bad-diffbits: a harder target than the fixed regtest bits', async () => {
    await h.extend('a', 'genesis', 1);
    const b = h.block('x', 'a1');
    h.named('x', regrind({ ...b.block, header: { ...b.block.header, bits: REGTEST_BITS - 1 } }), 2);
    await h.rejectAndRecord('x', RejectCode.BadDiffBits);
    // A valid sibling is unaffected.
    h.block('y', 'a1');
    await h.accept('y');
  });

  test('time-too-old: not after the median of the previous 11 block times', async () => {
    // Sixteen blocks with times out of order, chosen so that a median over 10 or 12 blocks
    // would differ from the median over 11: an off-by-one in the window is caught.
    const offsets = [
      3000, 6000, 6000, 6800, 9600, 7300, 8000, 7400, 9900, 7500, 9200, 10400, 8000, 11300, 10900, 11000,
    ];
    let parent = 'genesis';
    offsets.forEach((off, i) => {
      const name = `t${i + 1}`;
      h.block(name, parent, { timeDelta: regtest.genesis.header.time + off - h.get(parent).time });
      parent = name;
    });
    for (let i = 1; i <= offsets.length; i++) await h.accept(`t${i}`);
    const times = offsets.map((o) => regtest.genesis.header.time + o);
    const medianOfLast = (n: number) => [...times.slice(-n)].sort((a, b) => a - b)[Math.floor(n / 2)]!;
    const median = medianOfLast(MEDIAN_SPAN);
    expect(new Set([medianOfLast(MEDIAN_SPAN - 1), median, medianOfLast(MEDIAN_SPAN + 1)]).size).toBe(3);
    expect(median).not.toBe(times.at(-1));

    h.block('old', parent, { timeDelta: median - h.get(parent).time });
    await h.rejectAndRecord('old', RejectCode.TimeTooOld);
    h.block('ok', parent, { timeDelta: median + 1 - h.get(parent).time });
    await h.accept('ok');
  });

  test('time-too-new: temporary, not recorded, and accepted once the clock catches up', async () => {
    await h.extend('a', 'genesis', 1);
    const early = h.clock.now + MAX_FUTURE_BLOCK_TIME + 1;
    h.block('f', 'a1', { timeDelta: early - h.get('a1').time });
    h.clearEvents();
    await h.reject('f', RejectCode.TimeTooNew, 'temporary');
    expect(h.entry('f')).toBeUndefined();
    expect(h.events).toEqual([]);
    await h.reject('f', RejectCode.TimeTooNew, 'temporary');
    h.clock.now += 1;
    await h.accept('f');
    h.expectTip('f');
    // Exactly at the limit is fine.
    h.block('g', 'f', { timeDelta: h.clock.now + MAX_FUTURE_BLOCK_TIME - h.get('f').time });
    await h.accept('g');
  });

  test('bad-prevblk: a child of a block that broke a header rule', async () => {
    await h.extend('a', 'genesis', 1);
    const b = h.block('x', 'a1');
    h.named('x', regrind({ ...b.block, header: { ...b.block.header, bits: REGTEST_BITS - 1 } }), 2);
    h.block('y', 'x');
    await h.reject('x', RejectCode.BadDiffBits);
    await h.rejectAndRecord('y', RejectCode.PrevBlockInvalid);
  });

  test('bad-prevblk: a child of a block that broke a transaction rule', async () => {
    await h.extend('a', 'genesis', 1);
    h.block('x', 'a1', { coinbaseValue: 50n * COIN + 1n });
    h.block('y', 'x');
    await h.reject('x', RejectCode.CoinbaseAmount);
    await h.rejectAndRecord('y', RejectCode.PrevBlockInvalid);
    h.block('z', 'y');
    await h.rejectAndRecord('z', RejectCode.PrevBlockInvalid);
  });
});
