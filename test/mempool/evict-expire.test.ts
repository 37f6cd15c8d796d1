import type { Transaction } from '../../src/consensus/tx.js';
import type { Mempool, MempoolEntry } from '../../src/mempool/index.js';
import { payTo } from '../helpers/tx.js';
import {
  alice,
  assertConsistent,
  codeOf,
  idOf,
  mustAccept,
  outs,
  pay,
  poolFixture,
  poolIds,
  snapshot,
  spend,
  spendSize,
  type PoolFixture,
} from './fixture.js';

let f: PoolFixture;
afterEach(async () => {
  await f?.close();
});

const ONE = spendSize(1, 1); // 172 bytes: every 1-in-1-out spend below
const sortedIds = (txs: Transaction[]): string[] => txs.map(idOf).sort();

/** Record the pool's 'removed' events as [txid, reason]. */
function removals(pool: Mempool): [string, string][] {
  const log: [string, string][] = [];
  pool.on('removed', ({ entry, reason }: { entry: MempoolEntry; reason: string }) => log.push([entry.id, reason]));
  return log;
}

describe('eviction when full', () => {
  test('the lowest fee-rate package goes first; a parent is protected by a high-fee child', async () => {
    f = await poolFixture({ maxBytes: 4 * ONE });
    const L = pay(f.coins[0]!, 260n); // ~1,512 per kB
    const P = pay(f.coins[1]!, 200n); // ~1,163 alone...
    const K = pay(outs(P)[0]!, 5_000n); // ...but ~15,116 as a package with its child K
    const M = pay(f.coins[2]!, 700n); // ~4,070
    for (const t of [L, P, K, M]) await mustAccept(f.pool, t);
    expect(f.pool.totalBytes).toBe(4 * ONE);
    const log = removals(f.pool);

    const N1 = pay(f.coins[3]!, 900n); // ~5,233: evicts L, the lowest package
    await mustAccept(f.pool, N1);
    expect(log).toEqual([[idOf(L), 'eviction']]);

    const N2 = pay(f.coins[4]!, 1_000n); // ~5,814: evicts M (P is carried by K)
    await mustAccept(f.pool, N2);
    expect(log.slice(1)).toEqual([[idOf(M), 'eviction']]);
    expect(poolIds(f.pool)).toEqual(sortedIds([P, K, N1, N2]));
    assertConsistent(f.pool);
    // L's coin is free again.
    expect(f.pool.spender(f.coins[0]!.outpoint.txid, f.coins[0]!.outpoint.index)).toBeUndefined();
  });

  test('a package is evicted with its descendants when it is the lowest', async () => {
    f = await poolFixture({ maxBytes: 4 * ONE });
    const P = pay(f.coins[0]!, 172n); // 1,000
    const K = pay(outs(P)[0]!, 344n); // 2,000 alone; P's package is 1,500
    const X = pay(f.coins[1]!, 516n); // 3,000
    const Y = pay(f.coins[2]!, 516n);
    for (const t of [P, K, X, Y]) await mustAccept(f.pool, t);
    const log = removals(f.pool);
    await mustAccept(f.pool, pay(f.coins[3]!, 1_720n)); // 10,000
    expect(log.map(([id, reason]) => `${id}:${reason}`).sort()).toEqual(
      [`${idOf(P)}:eviction`, `${idOf(K)}:eviction`].sort(),
    );
    expect(f.pool.totalBytes).toBe(3 * ONE);
    assertConsistent(f.pool);
  });

  test('a child evicted alone leaves its parent, whose package totals shrink to the parent alone', async () => {
    f = await poolFixture({ maxBytes: 4 * ONE });
    const P = pay(f.coins[0]!, 1_720n); // 10,000 alone; with K its package is 5,500
    const K = pay(outs(P)[0]!, 172n); // 1,000: the cheapest package is K alone
    const X = pay(f.coins[1]!, 860n); // 5,000
    const Y = pay(f.coins[2]!, 860n);
    for (const t of [P, K, X, Y]) await mustAccept(f.pool, t);
    expect(f.pool.get(idOf(P))!.descSize).toBe(2 * ONE);
    const log = removals(f.pool);
    await mustAccept(f.pool, pay(f.coins[3]!, 1_032n)); // 6,000
    expect(log).toEqual([[idOf(K), 'eviction']]);
    const parent = f.pool.get(idOf(P))!;
    expect({ fee: parent.descFee, size: parent.descSize }).toEqual({ fee: 1_720n, size: ONE });
    assertConsistent(f.pool);
    // With K gone, P ranks by its own 10,000: a newcomer at 6,000 now evicts X or Y, not P.
    await mustAccept(f.pool, pay(f.coins[4]!, 1_032n));
    expect(f.pool.has(idOf(P))).toBe(true);
    assertConsistent(f.pool);
  });

  test('a new tx paying less than everything in a full pool is rejected mempool-full, pool unchanged', async () => {
    f = await poolFixture({ maxBytes: 3 * ONE });
    for (let i = 0; i < 3; i++) await mustAccept(f.pool, pay(f.coins[i]!, 600n + BigInt(i) * 100n));
    const before = snapshot(f.pool);
    expect(codeOf(await f.pool.accept(pay(f.coins[5]!, 599n)))).toBe('mempool-full');
    expect(snapshot(f.pool)).toEqual(before);
  });

  test('mempool-full when evicting what is cheaper would not free enough: nothing is evicted', async () => {
    f = await poolFixture({ maxBytes: 2 * ONE + 100 });
    const D = pay(f.coins[0]!, 344n); // 2,000 per kB
    const E = pay(f.coins[1]!, 1_032n); // 6,000 per kB
    await mustAccept(f.pool, D);
    await mustAccept(f.pool, E);
    const before = snapshot(f.pool);
    const log = removals(f.pool);
    // 2 inputs, 306 bytes at ~4,000 per kB: room needs both D and E gone, and E pays more.
    const big = spend([f.coins[2]!, f.coins[3]!], [payTo(alice, 2n * f.coins[2]!.coin.value - 1_224n)]);
    expect(codeOf(await f.pool.accept(big))).toBe('mempool-full');
    expect(log).toEqual([]);
    expect(snapshot(f.pool)).toEqual(before);
  });

  test("a child never evicts its own parent: the parent's package includes the newcomer", async () => {
    f = await poolFixture({ maxBytes: 2 * ONE });
    const P = pay(f.coins[0]!, 172n); // 1,000
    const Q = pay(f.coins[1]!, 860n); // 5,000
    await mustAccept(f.pool, P);
    await mustAccept(f.pool, Q);
    // C alone pays 20,000 per kB; P with C pays ~10,500, more than Q: Q goes, P and C stay.
    const C = pay(outs(P)[0]!, 3_440n);
    await mustAccept(f.pool, C);
    expect(poolIds(f.pool)).toEqual(sortedIds([P, C]));
    assertConsistent(f.pool);
  });

  test("a child whose parent's package would be the cheapest is rejected mempool-full, pool unchanged", async () => {
    f = await poolFixture({ maxBytes: 2 * ONE });
    const P = pay(f.coins[0]!, 172n); // 1,000
    const Q = pay(f.coins[1]!, 860n); // 5,000
    await mustAccept(f.pool, P);
    await mustAccept(f.pool, Q);
    const before = snapshot(f.pool);
    // C alone 3,000 per kB beats P, but P with C is 2,000, the cheapest package, and would leave with C.
    const C = pay(outs(P)[0]!, 516n);
    expect(codeOf(await f.pool.accept(C))).toBe('mempool-full');
    expect(snapshot(f.pool)).toEqual(before);
    assertConsistent(f.pool);
  });
});

describe('expiry', () => {
  test('entries older than expirySeconds leave with their descendants; the boundary second stays', async () => {
    f = await poolFixture({ expirySeconds: 3_600 });
    const clock = f.h.clock;
    const t0 = clock.now;
    const P = pay(f.coins[0]!, 1_000n);
    await mustAccept(f.pool, P);
    clock.now = t0 + 1_800;
    const C = pay(outs(P)[0]!, 1_000n); // young, but its parent is old
    const U = pay(f.coins[1]!, 1_000n);
    await mustAccept(f.pool, C);
    await mustAccept(f.pool, U);
    const log = removals(f.pool);

    expect(f.pool.expire(t0 + 3_600)).toBe(0);
    expect(f.pool.size).toBe(3);
    expect(f.pool.expire(t0 + 3_601)).toBe(2);
    expect(log.map(([id, reason]) => `${id}:${reason}`).sort()).toEqual(
      [`${idOf(P)}:expiry`, `${idOf(C)}:expiry`].sort(),
    );
    expect(poolIds(f.pool)).toEqual([idOf(U)]);
    assertConsistent(f.pool);
  });

  test('acceptance expires old entries first (clock moved, no explicit call), freeing their coins', async () => {
    f = await poolFixture({ expirySeconds: 600 });
    const clock = f.h.clock;
    const old = pay(f.coins[0]!, 1_000n);
    await mustAccept(f.pool, old);
    clock.now += 601;
    // The same coin, spent differently: no conflict once the old spend has expired.
    const again = pay(f.coins[0]!, 2_000n);
    await mustAccept(f.pool, again);
    expect(poolIds(f.pool)).toEqual([idOf(again)]);
    expect(f.pool.get(idOf(again))!.time).toBe(clock.now);
  });
});
