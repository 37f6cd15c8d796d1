/**
 * Chain.processBlocks: a sync batch through the one door. A batch must end exactly where handing
 * the same blocks to processBlock one by one ends (tip, UTXO set, every derived record, events),
 * a bad signature in the middle must cut the batch there with everything before it committed, and
 * the per-block answers (duplicate, orphan, invalid) must be the ones processBlock would give.
 */
import { BlockStatus, type ProcessResult } from '../../src/chain/index.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { regrind, regtest } from '../helpers/mine.js';
import { ChainHarness } from './harness.js';
import { COINBASE_MATURITY, coinbaseNames, derivedState, paymentRun } from './payments.js';

let h: ChainHarness;
const extra: ChainHarness[] = [];
afterEach(async () => {
  await h.close();
  for (const x of extra.splice(0)) await x.close();
});

const items = (names: string[]) => names.map((n) => ({ block: h.get(n).block, opts: { source: 'sync' } }));
const connected = (names: string[]): ProcessResult[] =>
  names.map((n) => ({ status: 'connected', hash: h.get(n).hash, height: h.get(n).height }));

function expectInvalid(name: string, code: RejectCode): void {
  expect(h.entry(name)).toMatchObject({ status: BlockStatus.Invalid, invalidCode: code });
}

describe('with mature coinbases to spend', () => {
  beforeEach(async () => {
    h = await ChainHarness.create();
    // c1's coinbase can be spent from the block after c101.
    await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
  });

  test('40 payment blocks in batches of 16 end where processBlock one by one ends', async () => {
    const run = paymentRun(h, 'p', 'c101', 40);
    const single = await ChainHarness.sharing(h);
    extra.push(single);
    for (const n of [...coinbaseNames(), ...run]) {
      const r = await single.submit(n);
      if (r.status !== 'connected') throw new Error(`${n}: ${JSON.stringify(r)}`);
    }

    h.clearEvents();
    for (let i = 0; i < run.length; i += 16) {
      const batch = run.slice(i, i + 16);
      expect(await h.chain.processBlocks(items(batch))).toEqual(connected(batch));
    }
    h.expectTip('p40');
    single.expectTip('p40');
    expect(await h.utxoHash()).toBe(await single.utxoHash());
    // Undo records, address coins and history too, not only the coins.
    expect(await derivedState(h.chain)).toEqual(await derivedState(single.chain));
    // Listeners hear each block as one by one: connect then tip, in order.
    expect(h.events).toEqual(
      run.flatMap((name) => [
        { type: 'connect', name },
        { type: 'tip', name },
      ]),
    );
    expect(await h.chain.verifyChain(40)).toEqual({ ok: true, checked: 40 });
  });

  test('a bad signature in block 5 of 8: 1..4 connect, 5 is bad-signature, 6..8 descend from it', async () => {
    const run = paymentRun(h, 'p', 'c101', 8, { corrupt: 5 });
    h.clearEvents();
    const results = await h.chain.processBlocks(items(run));

    expect(results.slice(0, 4)).toEqual(connected(run.slice(0, 4)));
    expect(results[4]).toMatchObject({ status: 'invalid', hash: h.get('p5').hash, code: RejectCode.BadSignature });
    for (const [i, n] of run.slice(5).entries())
      expect(results[5 + i]).toMatchObject({
        status: 'invalid',
        hash: h.get(n).hash,
        code: RejectCode.PrevBlockInvalid,
      });
    h.expectTip('p4');
    expectInvalid('p5', RejectCode.BadSignature);
    for (const n of run.slice(5)) expectInvalid(n, RejectCode.PrevBlockInvalid);
    // One verdict, on the block that broke the rule.
    expect(h.events.filter((e) => e.type === 'block-invalid')).toEqual([
      { type: 'block-invalid', name: 'p5', code: RejectCode.BadSignature },
    ]);

    // Nothing of p5 (nor of p6, checked while p5's signatures were in flight) reached the disk.
    const before = await ChainHarness.replay(h, [...coinbaseNames(), ...run.slice(0, 4)]);
    extra.push(before);
    expect(await h.utxoHash()).toBe(await before.utxoHash());
    expect(await derivedState(h.chain)).toEqual(await derivedState(before.chain));
    expect(await h.chain.verifyChain(10)).toEqual({ ok: true, checked: 10 });

    await h.reopen();
    h.expectTip('p4');
    expectInvalid('p5', RejectCode.BadSignature);
    for (const n of run.slice(5)) expectInvalid(n, RejectCode.PrevBlockInvalid);
    // Offered again: answered from the index, nothing verified.
    const calls = h.verifier.calls;
    expect(await h.chain.processBlocks(items(run.slice(3)))).toEqual([
      { status: 'duplicate', hash: h.get('p4').hash },
      ...run.slice(4).map((n) =>
        expect.objectContaining({
          status: 'invalid',
          code: n === 'p5' ? RejectCode.BadSignature : RejectCode.PrevBlockInvalid,
        }),
      ),
    ]);
    expect(h.verifier.calls).toBe(calls);
    h.expectTip('p4');
  });

  test('a batch that builds a heavier side branch reorganises to it in one activation', async () => {
    const a = paymentRun(h, 'a', 'c101', 2);
    await h.chain.processBlocks(items(a));
    h.expectTip('a2');
    // The same payments (signing is deterministic, so the same txids) in other blocks: the reorg
    // deletes and rewrites the same address-history keys, which must end written, not deleted.
    const b = paymentRun(h, 'b', 'c101', 3);
    h.clearEvents();
    expect(await h.chain.processBlocks(items(b))).toEqual(connected(b));
    h.expectTip('b3');
    expect(h.events.filter((e) => e.type === 'reorg')).toEqual([
      { type: 'reorg', fork: 'c101', disconnected: ['a2', 'a1'], connected: b },
    ]);
    const only = await ChainHarness.replay(h, [...coinbaseNames(), ...b]);
    extra.push(only);
    expect(await h.utxoHash()).toBe(await only.utxoHash());
    expect(await derivedState(h.chain)).toEqual(await derivedState(only.chain));
  });
});

describe('duplicates, orphans and context-free failures inside a batch', () => {
  beforeEach(async () => {
    h = await ChainHarness.create();
    await h.extend('a', 'genesis', 2);
  });

  test('a block already stored, or twice in one batch, is a duplicate; a block with an unknown parent an orphan', async () => {
    await h.extend('b', 'a2', 4, false);
    h.block('o1', 'a2');
    h.block('o2', 'o1');
    await h.accept('b1');
    const r = await h.chain.processBlocks(items(['b1', 'b2', 'b2', 'o2', 'b3', 'o2', 'b4']));
    expect(r).toEqual([
      { status: 'duplicate', hash: h.get('b1').hash },
      ...connected(['b2']),
      { status: 'duplicate', hash: h.get('b2').hash },
      { status: 'orphan', hash: h.get('o2').hash, missing: h.get('o1').hash },
      ...connected(['b3']),
      // Already waiting in the orphan pool.
      { status: 'duplicate', hash: h.get('o2').hash },
      ...connected(['b4']),
    ]);
    h.expectTip('b4');
    expect(h.inOrphanPool('o2')).toBe(true);
    expect(h.entry('o2')).toBeUndefined();
  });

  test('a child ahead of its parent in the batch waits as an orphan and connects once the parent does', async () => {
    await h.extend('b', 'a2', 3, false);
    const r = await h.chain.processBlocks(items(['b3', 'b2', 'b1']));
    expect(r).toEqual([
      // When b3 comes, nothing is known of b2; once b2 waits too, b1 is the ancestor to fetch.
      { status: 'orphan', hash: h.get('b3').hash, missing: h.get('b2').hash },
      { status: 'orphan', hash: h.get('b2').hash, missing: h.get('b1').hash },
      ...connected(['b1']),
    ]);
    h.expectTip('b3');
    expect(h.chain.stats().orphans).toBe(0);
    expect(h.entry('b3')!.status).toBe(BlockStatus.Valid);
  });

  test('a context-free failure is answered in place and not stored; the rest of the batch goes on', async () => {
    h.block('b1', 'a2');
    h.named('hh', regrind(h.block('hh', 'a2').block, regtest, false), 3);
    h.block('b2', 'b1');
    const r = await h.chain.processBlocks(items(['b1', 'hh', 'b2']));
    expect(r).toEqual([
      connected(['b1'])[0],
      expect.objectContaining({ status: 'invalid', hash: h.get('hh').hash, code: RejectCode.HighHash }),
      connected(['b2'])[0],
    ]);
    expect(h.entry('hh')).toBeUndefined();
    h.expectTip('b2');
  });

  test('a block is kept decoded from storing until it is connected, and read from disk after', async () => {
    // Equal work: b3 is stored as a side branch and not connected (the first seen, m3, wins).
    const main = h.block('m3', 'a2');
    const side = h.block('b3', 'a2', { timeDelta: 61 });
    const [rm, rs] = await h.chain.processBlocks([main, side].map((b) => ({ block: b.block })));
    expect([rm!.status, rs!.status]).toEqual(['connected', 'stored']);
    expect(h.chain.tip).toBe(h.entry('m3'));
    // The side block's decoded copy is the one handed in (same transaction array); the connected
    // one's was dropped once written, and it comes back equal, from the database.
    expect(h.chain.readBlock(h.entry('b3')!).txs).toBe(side.block.txs);
    const reread = h.chain.readBlock(h.entry('m3')!);
    expect(reread.txs).not.toBe(main.block.txs);
    expect({ header: reread.header, txs: reread.txs }).toEqual(main.block);
  });

  test('an empty batch answers nothing and changes nothing', async () => {
    h.clearEvents();
    expect(await h.chain.processBlocks([])).toEqual([]);
    expect(h.events).toEqual([]);
    h.expectTip('a2');
  });

  test('a closed chain refuses a batch', async () => {
    h.block('b1', 'a2');
    await h.chain.close();
    await expect(h.chain.processBlocks(items(['b1']))).rejects.toMatchObject({ code: 'closed' });
  });
});
