/**
 * The eviction index (src/mempool/eviction-index.ts) and the pool's use of it. The index must keep
 * exactly the order a scan of every entry in arrival order would find; the pool must evict
 * exactly what that scan chose, which the second suite checks against a reference written out
 * here, over random pools of chains, fees and packages.
 */
import type { Transaction } from '../../src/consensus/tx.js';
import { feeRate, type Mempool, type MempoolEntry } from '../../src/mempool/index.js';
import { EvictionIndex } from '../../src/mempool/eviction-index.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { assertConsistent, codeOf, idOf, outs, pay, poolFixture, spendSize, type PoolFixture } from './fixture.js';
import { rng } from '../helpers/random.js';
import type { OwnedCoin } from '../helpers/tx.js';

const entryOf = (id: string, fee: bigint, size: number): MempoolEntry =>
  ({ id, descFee: fee, descSize: size, fee, size }) as unknown as MempoolEntry;

describe('EvictionIndex', () => {
  test('2,000 random adds, removes and updates: always the order of a stable sort by package rate', () => {
    const rand = rng(7).int;
    const index = new EvictionIndex();
    const live: MempoolEntry[] = [];
    let next = 0;
    const expected = () =>
      [...live]
        .map((e, arrival) => ({ e, arrival, rate: feeRate(e.descFee, e.descSize) }))
        .sort((a, b) => a.rate - b.rate || a.arrival - b.arrival)
        .map((x) => x.e.id);
    for (let step = 0; step < 2_000; step++) {
      const op = rand(10);
      if (op < 5 || live.length === 0) {
        // Few distinct rates, so ties are common and arrival order is exercised.
        const e = entryOf(`e${next++}`, BigInt(100 * (1 + rand(8))), 100 + 100 * rand(3));
        index.add(e);
        live.push(e);
      } else if (op < 7) {
        const [e] = live.splice(rand(live.length), 1);
        index.remove(e!);
      } else {
        const e = live[rand(live.length)]!;
        e.descFee = BigInt(100 * (1 + rand(8)));
        e.descSize = 100 + 100 * rand(3);
        index.update(e);
      }
      if (step % 50 === 0 || step > 1_950) {
        expect([step, [...index.ascending()].map((c) => c.entry.id)]).toEqual([step, expected()]);
      }
    }
    expect(index.size).toBe(live.length);
  });

  test('a walk changes nothing, may stop early, and reports each key', () => {
    const index = new EvictionIndex();
    const a = entryOf('a', 300n, 100);
    const b = entryOf('b', 100n, 100);
    const c = entryOf('c', 100n, 100);
    for (const e of [a, b, c]) index.add(e);
    const first = index.ascending().next().value!;
    expect([first.entry.id, first.rate, first.seq]).toEqual(['b', 1_000, 1]);
    expect([...index.ascending()].map((x) => x.entry.id)).toEqual(['b', 'c', 'a']);
    expect(index.keyOf(c)).toEqual({ rate: 1_000, seq: 2 });
    index.remove(entryOf('unknown', 1n, 1));
    expect(() => index.add(a)).toThrow(/already indexed/);
    expect(index.size).toBe(3);
  });
});

/**
 * The reference: the eviction plan as a scan of every entry, in arrival order, for the cheapest
 * package (with the newcomer's ancestors' packages including it, and the planned packages taken
 * out of their ancestors' totals).
 */
function scanPlan(
  pool: Mempool,
  maxBytes: number,
  size: number,
  fee: bigint,
  rate: number,
  ancestors: Set<string>,
): Set<string> | undefined {
  const entries = pool.all();
  const byId = new Map(entries.map((e) => [e.id, e]));
  const descendants = (e: MempoolEntry): MempoolEntry[] => {
    const out: MempoolEntry[] = [];
    const stack = [e];
    const seen = new Set<string>();
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x.id)) continue;
      seen.add(x.id);
      out.push(x);
      for (const c of x.children) if (byId.has(c)) stack.push(byId.get(c)!);
    }
    return out;
  };
  const ancestorsOf = (e: MempoolEntry): Set<string> => {
    const seen = new Set<string>();
    const stack = [...e.parents];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id) || !byId.has(id)) continue;
      seen.add(id);
      stack.push(...byId.get(id)!.parents);
    }
    return seen;
  };
  const gone = new Set<string>();
  const less = new Map<string, { fee: bigint; size: number }>();
  let bytes = pool.totalBytes;
  while (bytes + size > maxBytes) {
    let worst: { e: MempoolEntry; rate: number; ancestor: boolean } | undefined;
    for (const e of entries) {
      if (gone.has(e.id)) continue;
      const d = less.get(e.id);
      const ancestor = ancestors.has(e.id);
      const r = feeRate(
        e.descFee - (d?.fee ?? 0n) + (ancestor ? fee : 0n),
        e.descSize - (d?.size ?? 0) + (ancestor ? size : 0),
      );
      if (!worst || r < worst.rate) worst = { e, rate: r, ancestor };
    }
    if (!worst || worst.ancestor || worst.rate >= rate) return undefined;
    const pkg = descendants(worst.e).filter((x) => !gone.has(x.id));
    const inPkg = new Set(pkg.map((x) => x.id));
    for (const x of pkg) {
      gone.add(x.id);
      bytes -= x.size;
      for (const a of ancestorsOf(x)) {
        if (inPkg.has(a) || gone.has(a)) continue;
        const d = less.get(a) ?? { fee: 0n, size: 0 };
        d.fee += x.fee;
        d.size += x.size;
        less.set(a, d);
      }
    }
  }
  return gone;
}

describe('eviction from a full pool, against the scan it replaced', () => {
  let f: PoolFixture;
  afterEach(async () => {
    await f?.close();
  });

  test.each([1, 2, 3])('300 random arrivals (seed %i): the same evictions and the same refusals', async (seed) => {
    const maxBytes = 12 * spendSize(1, 2);
    f = await poolFixture({ maxBytes }, 40);
    const rand = rng(seed).int;
    const evicted: string[] = [];
    f.pool.on('removed', ({ entry, reason }: { entry: MempoolEntry; reason: string }) => {
      if (reason === 'eviction') evicted.push(entry.id);
    });
    let confirmed = 0;
    const outcomes = { accepted: 0, full: 0, evictions: 0, multi: 0 };
    for (let step = 0; step < 300; step++) {
      // Spend a confirmed coin, or an unspent output of a transaction in the pool (a chain).
      const pooled = f.pool
        .all()
        .flatMap((e) => outs(e.tx).filter((c) => !f.pool.spender(c.outpoint.txid, c.outpoint.index)));
      const useChain = pooled.length > 0 && rand(3) > 0;
      if (!useChain && confirmed >= f.coins.length) continue;
      const coin: OwnedCoin = useChain ? pooled[rand(pooled.length)]! : f.coins[confirmed++]!;
      // Now and then a larger transaction (up to 8 outputs), which must evict several packages.
      const nOut = rand(5) === 0 ? 3 + rand(6) : 1 + rand(2);
      const tx: Transaction = pay(coin, BigInt(200 + 100 * rand(40) + 60 * nOut), undefined, nOut);
      const size = spendSize(1, tx.outputs.length);
      const fee = coin.coin.value - tx.outputs.reduce((s, o) => s + o.value, 0n);
      const parent = f.pool.get(bytesToHex(coin.outpoint.txid));
      const ancestors = new Set<string>();
      for (const stack = parent ? [parent.id] : []; stack.length;) {
        const id = stack.pop()!;
        if (ancestors.has(id)) continue;
        ancestors.add(id);
        stack.push(...f.pool.get(id)!.parents);
      }
      if (ancestors.size + 1 > 25) continue;
      const plan = scanPlan(f.pool, maxBytes, size, fee, feeRate(fee, size), ancestors);
      evicted.length = 0;
      const r = await f.pool.accept(tx);
      const context = `seed ${seed} step ${step} ${idOf(tx)}`;
      if (plan === undefined) {
        expect([context, codeOf(r)]).toEqual([context, 'mempool-full']);
        outcomes.full++;
      } else {
        expect([context, codeOf(r)]).toEqual([context, 'accepted']);
        expect([context, [...evicted].sort()]).toEqual([context, [...plan].sort()]);
        outcomes.accepted++;
        outcomes.evictions += plan.size;
        if (plan.size > 1) outcomes.multi++;
      }
      assertConsistent(f.pool);
    }
    // The cases exercised all three outcomes, many times each.
    expect(outcomes.full).toBeGreaterThan(5);
    expect(outcomes.evictions).toBeGreaterThan(20);
    expect(outcomes.accepted).toBeGreaterThan(20);
    expect(outcomes.multi).toBeGreaterThan(3);
  });
});
