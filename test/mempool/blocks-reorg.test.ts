import type { Transaction } from '../../src/consensus/tx.js';
import type { Mempool, MempoolEntry } from '../../src/mempool/index.js';
import {
  assertConsistent,
  bob,
  idOf,
  mustAccept,
  outs,
  pay,
  poolFixture,
  poolIds,
  settle,
  type PoolFixture,
} from './fixture.js';

let f: PoolFixture;
afterEach(async () => {
  await f?.close();
});

const sortedIds = (txs: Transaction[]): string[] => txs.map(idOf).sort();

function removals(pool: Mempool): string[] {
  const log: string[] = [];
  pool.on('removed', ({ entry, reason }: { entry: MempoolEntry; reason: string }) => log.push(`${entry.id}:${reason}`));
  return log;
}

async function connect(
  name: string,
  parent: string,
  txs: Transaction[] = [],
  fees = 0n,
  mainChain = true,
): Promise<void> {
  f.h.block(name, parent, { txs, fees });
  expect(await f.h.submit(name)).toMatchObject({ status: mainChain ? 'connected' : 'stored' });
}

describe('on a new tip', () => {
  test('confirmed txs leave, their children stay; a double spend leaves with its descendants', async () => {
    f = await poolFixture();
    const [c0, c1, c2] = f.coins;
    const A = pay(c0!, 1_000n);
    const AC = pay(outs(A)[0]!, 1_000n);
    const D = pay(c1!, 1_000n);
    const DC = pay(outs(D)[0]!, 1_000n);
    const DGC = pay(outs(DC)[0]!, 1_000n);
    const U = pay(c2!, 1_000n);
    for (const t of [A, AC, D, DC, DGC, U]) await mustAccept(f.pool, t);
    const log = removals(f.pool);

    const Dx = pay(c1!, 2_000n, bob); // the same coin as D, spent elsewhere
    await connect('n', f.tip, [A, Dx], 3_000n);

    expect(poolIds(f.pool)).toEqual(sortedIds([AC, U]));
    expect(log.sort()).toEqual(
      [`${idOf(A)}:block`, `${idOf(D)}:conflict`, `${idOf(DC)}:conflict`, `${idOf(DGC)}:conflict`].sort(),
    );
    const ac = f.pool.get(idOf(AC))!;
    expect([...ac.parents]).toEqual([]);
    assertConsistent(f.pool);

    // What is left is a valid next block, and then the pool is empty.
    const sel = f.pool.selectForBlock(1_000_000).map((e) => e.tx);
    await connect('n2', 'n', sel, 2_000n);
    expect(f.pool.size).toBe(0);
    expect(f.pool.totalBytes).toBe(0);
  });

  test('a block unrelated to the pool changes nothing', async () => {
    f = await poolFixture();
    const A = pay(f.coins[0]!, 1_000n);
    await mustAccept(f.pool, A);
    await connect('n', f.tip, [pay(f.coins[1]!, 1_000n)], 1_000n);
    expect(poolIds(f.pool)).toEqual([idOf(A)]);
  });
});

describe('reorg re-admission', () => {
  test('txs of disconnected blocks come back unless the new branch confirmed them or a conflict', async () => {
    f = await poolFixture();
    const [c0, c1, c2, c3] = f.coins;
    const X = pay(c0!, 1_000n); // only on the old branch: comes back
    const Y = pay(c1!, 1_000n); // the new branch double-spends its coin: gone
    const Z = pay(c2!, 1_000n); // on both branches: stays confirmed
    for (const t of [X, Y, Z]) await mustAccept(f.pool, t);
    await connect('a103', f.tip, [X, Y, Z], 3_000n);
    expect(f.pool.size).toBe(0);
    const Q = pay(c3!, 1_000n); // in the pool; the new branch confirms a conflict of it
    await mustAccept(f.pool, Q);

    const Yx = pay(c1!, 5_000n, bob);
    const Qx = pay(c3!, 5_000n, bob);
    await connect('b103', f.tip, [Yx, Z, Qx], 11_000n, false);
    await connect('b104', 'b103');
    expect(f.h.tipName()).toBe('b104');
    await settle(f.pool);

    expect(poolIds(f.pool)).toEqual([idOf(X)]);
    assertConsistent(f.pool);
    // Re-admitted as copies: no field of it holds on to the disconnected block's bytes.
    const back = f.pool.get(idOf(X))!.tx;
    for (const field of [back.inputs[0]!.prevTxid, back.inputs[0]!.unlock, back.outputs[0]!.pubKeyHash])
      expect(field.buffer.byteLength).toBe(field.length);
  });

  test('a chain of txs across several disconnected blocks comes back whole, with pool children', async () => {
    f = await poolFixture();
    const P = pay(f.coins[0]!, 1_000n, undefined, 2);
    const C = pay(outs(P)[0]!, 1_000n);
    await connect('a103', f.tip, [P], 1_000n);
    await connect('a104', 'a103', [C], 1_000n);
    const G = pay(outs(C)[0]!, 1_000n); // spends a confirmed output of C
    const W = pay(f.coins[1]!, 1_000n);
    await mustAccept(f.pool, G);
    await mustAccept(f.pool, W);
    const wTime = f.pool.get(idOf(W))!.time;
    f.h.clock.now += 10;

    await connect('b103', f.tip, [], 0n, false);
    await connect('b104', 'b103', [], 0n, false);
    await connect('b105', 'b104');
    await settle(f.pool);

    expect(poolIds(f.pool)).toEqual(sortedIds([P, C, G, W]));
    expect([...f.pool.get(idOf(C))!.parents]).toEqual([idOf(P)]);
    expect([...f.pool.get(idOf(G))!.parents]).toEqual([idOf(C)]);
    expect(f.pool.get(idOf(W))!.time).toBe(wTime);
    assertConsistent(f.pool);
    const order = f.pool.selectForBlock(1_000_000).map((e) => e.id);
    expect(order.filter((id) => id !== idOf(W))).toEqual([P, C, G].map(idOf));
  });

  test('a second reorg keeps a pool child older than its re-admitted parent', async () => {
    f = await poolFixture();
    const P = pay(f.coins[0]!, 1_000n);
    await connect('a103', f.tip, [P], 1_000n);
    const G = pay(outs(P)[0]!, 1_000n); // accepted while P is confirmed: G is older than P's re-admission
    await mustAccept(f.pool, G);
    f.h.clock.now += 100;

    await connect('b103', f.tip, [], 0n, false);
    const V = pay(f.coins[1]!, 1_000n);
    await connect('b104', 'b103', [V], 1_000n);
    await settle(f.pool);
    expect(poolIds(f.pool)).toEqual(sortedIds([P, G]));

    // Reorg again, away from b104 (which holds V): P and G must both survive the re-validation.
    await connect('c104', 'b103', [], 0n, false);
    await connect('c105', 'c104');
    await settle(f.pool);
    expect(poolIds(f.pool)).toEqual(sortedIds([P, G, V]));
    assertConsistent(f.pool);
  });

  test('invalidateblock: a coinbase spend that becomes immature leaves (even when no txs were disconnected)', async () => {
    f = await poolFixture();
    await connect('e1', f.tip); // height 103: a4's coinbase is spendable at 104
    const early = pay(f.h.get('a4').coinbase[0]!, 1_000n);
    const fine = pay(f.coins[0]!, 1_000n);
    await mustAccept(f.pool, early);
    await mustAccept(f.pool, fine);
    await f.h.chain.invalidateBlock(f.h.get('e1').hash);
    expect(f.h.chain.height).toBe(102);
    await settle(f.pool);
    expect(poolIds(f.pool)).toEqual([idOf(fine)]);
    assertConsistent(f.pool);
  });
});
