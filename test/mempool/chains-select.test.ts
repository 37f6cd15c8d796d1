import type { Transaction } from '../../src/consensus/tx.js';
import type { MempoolEntry } from '../../src/mempool/index.js';
import { payTo } from '../helpers/tx.js';
import { internals } from '../chain/harness.js';
import {
  alice,
  assertConsistent,
  CountingVerifier,
  idOf,
  mustAccept,
  outs,
  pay,
  poolFixture,
  sigItems,
  spend,
  spendSize,
  type PoolFixture,
} from './fixture.js';

let f: PoolFixture;
afterEach(async () => {
  await f?.close();
});

const ids = (entries: MempoolEntry[]): string[] => entries.map((e) => e.id);
const bytesOf = (entries: MempoolEntry[]): number => entries.reduce((n, e) => n + e.size, 0);

/** Every in-pool parent of every selected entry was selected before it. */
function expectParentsFirst(selected: MempoolEntry[]): void {
  const seen = new Set<string>();
  for (const e of selected) {
    for (const p of e.parents) expect(seen.has(p)).toBe(true);
    seen.add(e.id);
  }
}

describe('chains of unconfirmed transactions', () => {
  test('a child spending an in-pool parent is accepted and linked; its fee counts only its own input', async () => {
    f = await poolFixture();
    const parent = pay(f.coins[0]!, 1_000n, alice, 2);
    await mustAccept(f.pool, parent);
    const [o0, o1] = outs(parent);
    const child = pay(o0!, 2_000n);
    expect(await f.pool.accept(child)).toMatchObject({ accepted: true, fee: 2_000n });
    // a grandchild spending the child, the parent's other output and a confirmed coin at once
    const grand = spend(
      [outs(child)[0]!, o1!, f.coins[1]!],
      [payTo(alice, outs(child)[0]!.coin.value + o1!.coin.value + f.coins[1]!.coin.value - 3_000n)],
    );
    expect(await f.pool.accept(grand)).toMatchObject({ accepted: true, fee: 3_000n });

    const p = f.pool.get(idOf(parent))!;
    const c = f.pool.get(idOf(child))!;
    const g = f.pool.get(idOf(grand))!;
    expect([...p.parents]).toEqual([]);
    expect([...p.children].sort()).toEqual([c.id, g.id].sort());
    expect([...c.parents]).toEqual([p.id]);
    expect([...c.children]).toEqual([g.id]);
    expect([...g.parents].sort()).toEqual([p.id, c.id].sort());
    expect(f.pool.spender(o0!.outpoint.txid, 0)?.id).toBe(c.id);
    expect(f.pool.spender(o1!.outpoint.txid, 1)?.id).toBe(g.id);
    assertConsistent(f.pool);
  });

  test('a child of an unknown (not yet received) parent is not accepted', async () => {
    f = await poolFixture();
    const parent = pay(f.coins[0]!, 1_000n);
    const child = pay(outs(parent)[0]!, 1_000n);
    expect(await f.pool.accept(child)).toMatchObject({ accepted: false, code: 'bad-txns-inputs-missingorspent' });
    await mustAccept(f.pool, parent);
    await mustAccept(f.pool, child);
  });
});

describe('selectForBlock', () => {
  /** P pays little, C (P's child) pays a lot, M (unrelated) sits in between. */
  async function cpfp(): Promise<{ P: Transaction; C: Transaction; M: Transaction }> {
    f = await poolFixture();
    const P = pay(f.coins[0]!, 200n); // ~1,163 per kB
    const M = pay(f.coins[1]!, 1_000n); // ~5,814 per kB
    const C = pay(outs(P)[0]!, 5_000n); // ~29,070 alone, ~15,116 with P
    await mustAccept(f.pool, P);
    await mustAccept(f.pool, M);
    return { P, C, M };
  }

  test('orders by fee rate; a high-fee child pulls its low-fee parent ahead of a medium-fee tx', async () => {
    const { P, C, M } = await cpfp();
    expect(ids(f.pool.selectForBlock(1_000_000))).toEqual([idOf(M), idOf(P)]);
    await mustAccept(f.pool, C);
    expect(ids(f.pool.selectForBlock(1_000_000))).toEqual([idOf(P), idOf(C), idOf(M)]);
  });

  test('respects maxBytes, never taking a child without its parent', async () => {
    const { P, C, M } = await cpfp();
    await mustAccept(f.pool, C);
    const one = spendSize(1, 1);
    expect(ids(f.pool.selectForBlock(2 * one))).toEqual([idOf(P), idOf(C)]);
    // P+C no longer fits: M does, and then P alone would not
    expect(ids(f.pool.selectForBlock(2 * one - 1))).toEqual([idOf(M)]);
    expect(ids(f.pool.selectForBlock(one - 1))).toEqual([]);
    expect(ids(f.pool.selectForBlock(0))).toEqual([]);
  });

  test('a child whose parent is already selected competes on its own fee rate', async () => {
    f = await poolFixture();
    const P = pay(f.coins[0]!, 20_000n); // ~116,000 per kB
    const C = pay(outs(P)[0]!, 172n); // 1,000 alone, ~58,600 with P
    const M = pay(f.coins[1]!, 1_000n); // ~5,814
    for (const t of [P, C, M]) await mustAccept(f.pool, t);
    // Once P is in, C adds only 1,000 per kB, less than M.
    expect(ids(f.pool.selectForBlock(1_000_000))).toEqual([idOf(P), idOf(M), idOf(C)]);
    expect(ids(f.pool.selectForBlock(2 * spendSize(1, 1)))).toEqual([idOf(P), idOf(M)]);
  });

  test('a diamond and a chain: parents first at every size limit; the full template is a valid block', async () => {
    f = await poolFixture();
    const root = pay(f.coins[0]!, 300n, alice, 2);
    const [r0, r1] = outs(root);
    const a = pay(r0!, 9_000n);
    const b = pay(r1!, 400n);
    const join = spend(
      [outs(a)[0]!, outs(b)[0]!, f.coins[1]!],
      [payTo(alice, outs(a)[0]!.coin.value + outs(b)[0]!.coin.value + f.coins[1]!.coin.value - 30_000n)],
    );
    const tail = pay(outs(join)[0]!, 500n);
    const loners = [2, 3, 4].map((i) => pay(f.coins[i]!, BigInt(i) * 700n));
    const all = [root, a, b, join, tail, ...loners];
    let fees = 0n;
    for (const t of all) fees += await mustAccept(f.pool, t);

    const full = f.pool.selectForBlock(Number.MAX_SAFE_INTEGER);
    expect(full).toHaveLength(all.length);
    expectParentsFirst(full);
    expect(f.pool.ordered().map(idOf)).toEqual(ids(full));

    const total = bytesOf(full);
    for (let max = 0; max <= total; max += 37) {
      const sel = f.pool.selectForBlock(max);
      expect(bytesOf(sel)).toBeLessThanOrEqual(max);
      expect(new Set(ids(sel)).size).toBe(sel.length);
      expectParentsFirst(sel);
    }

    // The chain accepts the full template as a block, and connecting it empties the pool.
    f.h.block('t', f.tip, { txs: full.map((e) => e.tx), fees });
    expect(await f.h.submit('t')).toMatchObject({ status: 'connected' });
    expect(f.pool.size).toBe(0);
    expect(f.pool.totalBytes).toBe(0);
  });
});

describe('signature cache shared with the block connect path', () => {
  test('signatures verified on acceptance are cached and not verified again when the block connects', async () => {
    const verifier = new CountingVerifier();
    try {
      f = await poolFixture({}, 16, { verifier });
      const tx = spend([f.coins[0]!, f.coins[1]!], [payTo(alice, 2n * f.coins[0]!.coin.value - 2_000n)]);
      const items = sigItems(tx, [f.coins[0]!.coin, f.coins[1]!.coin]);
      const { sigCache } = internals(f.h.chain);
      expect(items.some((it) => sigCache.has(it))).toBe(false);
      const before = f.h.chain.stats().signatureCache;
      verifier.batches.length = 0;

      await mustAccept(f.pool, tx);
      expect(verifier.total).toBe(2);
      expect(f.h.chain.stats().signatureCache).toBe(before + 2);
      for (const it of items) expect(sigCache.has(it)).toBe(true);

      // A block with the pooled tx and one the pool never saw: only the latter is verified.
      const stranger = pay(f.coins[2]!, 1_000n);
      verifier.batches.length = 0;
      f.h.block('b', f.tip, { txs: [tx, stranger], fees: 3_000n });
      expect(await f.h.submit('b')).toMatchObject({ status: 'connected' });
      expect(verifier.total).toBe(1);
      // The block's own signature is not cached: its transaction is confirmed and will not be checked again.
      expect(f.h.chain.stats().signatureCache).toBe(before + 2);
      expect(f.pool.size).toBe(0);
    } finally {
      await f?.close();
      await verifier.close();
    }
  });

  test('a child re-accepted from the pool does not re-verify its parent', async () => {
    const verifier = new CountingVerifier();
    try {
      f = await poolFixture({}, 16, { verifier });
      const parent = pay(f.coins[0]!, 1_000n);
      await mustAccept(f.pool, parent);
      verifier.batches.length = 0;
      await mustAccept(f.pool, pay(outs(parent)[0]!, 1_000n));
      expect(verifier.batches).toEqual([1]);
      assertConsistent(f.pool);
    } finally {
      await f?.close();
      await verifier.close();
    }
  });
});
