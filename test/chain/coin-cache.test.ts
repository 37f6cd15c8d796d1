/**
 * The coin cache in front of the database. It is a read cache of the committed UTXO set, so
 * whatever a chain did (reorgs both ways, an invalidateblock, evictions), `chain.getCoin` must say
 * exactly what the 'u' records on disk say, and the cache size must not change the state a chain
 * reaches (a cache of 0 is the database alone).
 */
import type { Chain } from '../../src/chain/index.js';
import { decodeCoin, keys } from '../../src/chain/layout.js';
import { txid } from '../../src/consensus/tx.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { ChainHarness, internals } from './harness.js';
import { COIN, COINBASE_MATURITY, derivedState, paymentRun } from './payments.js';

const dave = testKey('dave');
const harnesses: ChainHarness[] = [];
afterEach(async () => {
  for (const x of harnesses.splice(0)) await x.close();
});

async function create(opts: Parameters<typeof ChainHarness.create>[0] = {}): Promise<ChainHarness> {
  const h = await ChainHarness.create(opts);
  harnesses.push(h);
  return h;
}

type Outpoint = { txid: Uint8Array; index: number };

/** Every outpoint the named blocks create or spend, coinbases included. */
function outpointsOf(h: ChainHarness, names: string[]): Outpoint[] {
  const out = new Map<string, Outpoint>();
  for (const n of names) {
    for (const tx of h.get(n).block.txs) {
      const id = txid(tx);
      tx.outputs.forEach((_o, index) => out.set(`${bytesToHex(id)}:${index}`, { txid: id, index }));
      for (const i of tx.inputs)
        if (i.prevTxid.some((b) => b !== 0))
          out.set(`${bytesToHex(i.prevTxid)}:${i.prevIndex}`, { txid: i.prevTxid, index: i.prevIndex });
    }
  }
  return [...out.values()];
}

/** getCoin agrees with the 'u' record of each outpoint; returns how many are unspent. */
function expectCacheMatchesDisk(chain: Chain, outpoints: Outpoint[]): number {
  let unspent = 0;
  for (const o of outpoints) {
    const raw = internals(chain).store.get(keys.coin(o.txid, o.index));
    const onDisk = raw ? decodeCoin(raw) : undefined;
    if (onDisk) unspent++;
    const label = `${bytesToHex(o.txid)}:${o.index}`;
    expect({ label, coin: chain.getCoin(o.txid, o.index) }).toEqual({ label, coin: onDisk });
  }
  return unspent;
}

describe('after reorgs of depth 3 and 4 and an invalidateblock', () => {
  test('getCoin equals the database for every outpoint either branch touched, at any cache size', async () => {
    const h = await create();
    // Coinbases c1..c11 are mature for blocks above c110.
    await h.extend('c', 'genesis', COINBASE_MATURITY + 10);
    // Branch a spends c1..c3; branch b spends c1 too (to dave, a conflict) and c4..c7.
    const a = paymentRun(h, 'a', 'c110', 3);
    const c1 = h.get('c1').coinbase[0]!;
    const toDave = h.spend([c1], [payTo(dave, 50n * COIN)]);
    const b = paymentRun(h, 'b', 'c110', 4, { firstCoinbase: 4, extraTxs: (i) => (i === 1 ? [toDave] : []) });
    h.block('a4', 'a3');
    h.block('a5', 'a4');
    const touched = outpointsOf(h, [...a, ...b, 'a4', 'a5']);

    // The same blocks on a chain without a cache and one whose cache keeps almost nothing.
    const others = [
      await ChainHarness.sharing(h, { coinCacheSize: 0 }),
      await ChainHarness.sharing(h, { coinCacheSize: 3 }),
    ];
    harnesses.push(...others);
    for (const o of others) for (let i = 1; i <= COINBASE_MATURITY + 10; i++) await o.accept(`c${i}`);
    const all = [h, ...others];

    const stage = async (steps: (x: ChainHarness) => Promise<void>, tip: string) => {
      const hashes = [];
      const states = [];
      for (const x of all) {
        await steps(x);
        x.expectTip(tip);
        const unspent = expectCacheMatchesDisk(x.chain, touched);
        // Both kinds are checked: coins that exist and coins that must be gone from the cache too.
        expect(unspent).toBeGreaterThan(0);
        expect(unspent).toBeLessThan(touched.length);
        hashes.push(await x.utxoHash());
        states.push(await derivedState(x.chain));
      }
      expect(new Set(hashes).size).toBe(1);
      // Address records, undo and history too: the cache size changes nothing that is written.
      expect(states[1]).toEqual(states[0]);
      expect(states[2]).toEqual(states[0]);
      return hashes[0]!;
    };

    await stage(async (x) => {
      for (const n of a) await x.accept(n);
      for (const n of b.slice(0, 3)) await x.accept(n, false);
    }, 'a3');
    // Depth-3 reorg to b: a's coins go, the c1..c3 coins a spent come back (c1 only to be spent by dave).
    const onB = await stage((x) => x.accept('b4'), 'b4');
    // Depth-4 reorg back to a.
    const onA = await stage(async (x) => {
      await x.accept('a4', false);
      await x.accept('a5');
    }, 'a5');
    expect(onA).not.toBe(onB);
    // invalidateblock a4: the chain disconnects a5 and a4 and goes back to b.
    await stage((x) => x.chain.invalidateBlock(x.get('a4').hash), 'b4');
    expect(await h.utxoHash()).toBe(onB);
    // What the cache held in memory is what a restart reads from disk.
    await h.reopen();
    expectCacheMatchesDisk(h.chain, touched);
    // dave holds c1's coin on b; alice's coin of a1 is gone.
    expect(h.chain.getCoin(txid(toDave), 0)).toMatchObject({ value: 50n * COIN, pubKeyHash: dave.pkh });
    expect(h.chain.getCoin(txid(h.get('a1').block.txs[1]!), 0)).toBeUndefined();
  });
});

test('the cache never holds more coins than its capacity, and evicted coins are still found', async () => {
  const h = await create({ coinCacheSize: 50 });
  const sizes: number[] = [];
  h.chain.on('tip', () => sizes.push(h.chain.stats().coinCache));
  await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
  // 101 coinbases went through a cache of 50.
  expect(h.chain.stats().coinCacheCapacity).toBe(50);
  expect(Math.max(...sizes)).toBe(50);

  // p1 pays c1's coin out as 60 coins; p2 and p3 (one batch, pipelined) spend 30 of them each.
  const fan = h.spend(
    [h.get('c1').coinbase[0]!],
    Array.from({ length: 60 }, () => payTo(dave, 80_000_000n)),
  );
  h.block('p1', 'c101', { txs: [fan] });
  const coins = fan.outputs.map((o, index) => ({
    outpoint: { txid: txid(fan), index },
    coin: { ...o, height: h.get('c101').height + 1, coinbase: false },
    key: dave,
  }));
  h.block('p2', 'p1', { txs: [h.spend(coins.slice(0, 30), [payTo(dave, 30n * 80_000_000n)])] });
  h.block('p3', 'p2', { txs: [h.spend(coins.slice(30), [payTo(dave, 30n * 80_000_000n)])] });
  await h.accept('p1');
  expect(h.chain.stats().coinCache).toBe(50);
  const results = await h.chain.processBlocks(['p2', 'p3'].map((n) => ({ block: h.get(n).block })));
  expect(results.map((r) => r.status)).toEqual(['connected', 'connected']);
  h.expectTip('p3');
  expect(Math.max(...sizes)).toBe(50);
  expect(h.chain.stats().coinCache).toBeLessThanOrEqual(50);
  // The first outputs of p1 were evicted before p2 spent them: found on disk, and now gone from
  // both. Left: the three coinbases and the two outputs of p2 and p3.
  const touched = outpointsOf(h, ['p1', 'p2', 'p3']);
  expect(expectCacheMatchesDisk(h.chain, touched)).toBe(5);
});

test('a batch cut by a bad signature leaves nothing of the failed blocks in the cache', async () => {
  const h = await create();
  await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
  const run = paymentRun(h, 'p', 'c101', 4, { corrupt: 3 });
  const results = await h.chain.processBlocks(run.map((n) => ({ block: h.get(n).block })));
  expect(results.map((r) => r.status)).toEqual(['connected', 'connected', 'invalid', 'invalid']);
  // p3 would have spent c3's coin and p2's alice coin; p3 and p4 would have created coins.
  const touched = outpointsOf(h, run);
  const unspent = expectCacheMatchesDisk(h.chain, touched);
  expect(h.chain.getCoin(h.get('c3').coinbase[0]!.outpoint.txid, 0)).toBeDefined();
  for (const tx of h.get('p3').block.txs) expect(h.chain.getCoin(txid(tx), 0)).toBeUndefined();
  // p1 and p2 each leave: a coinbase, bob's coin; p2 also carol's; alice's of p2 (p1's went to carol).
  expect(unspent).toBe(6 + 2);
});
