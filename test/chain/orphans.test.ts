/**
 * The orphan pool through processBlock: out-of-order delivery of a long chain, the count and
 * byte bounds (oldest evicted first), expiry by age, and the root missing ancestor to fetch.
 */
import { encodeBlock } from '../../src/consensus/block.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { regrind } from '../helpers/mine.js';
import { payTo } from '../helpers/tx.js';
import { ChainHarness, seededRandom, shuffle } from './harness.js';

const COIN = 100_000_000n;
const COINBASE_MATURITY = 100;
const LENGTH = 200;

const open: ChainHarness[] = [];
async function harness(opts: Parameters<typeof ChainHarness.create>[0] = {}): Promise<ChainHarness> {
  const h = await ChainHarness.create(opts);
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe(`a chain of ${LENGTH} blocks delivered out of order`, () => {
  let ref: ChainHarness;
  let refTip: { hash: string; utxo: string };
  const all = range('b', 1, LENGTH);

  beforeAll(async () => {
    ref = await ChainHarness.create();
    // From height 101 on, each block spends the coinbase of the block 100 below it.
    const alice = testKey('alice');
    const bob = testKey('bob');
    for (let i = 1; i <= LENGTH; i++) {
      const txs =
        i > COINBASE_MATURITY
          ? [
              ref.spend(
                [ref.get(`b${i - COINBASE_MATURITY}`).coinbase[0]!],
                [payTo(alice, 25n * COIN), payTo(bob, 24n * COIN)],
              ),
            ]
          : [];
      ref.block(`b${i}`, i === 1 ? 'genesis' : `b${i - 1}`, { txs, fees: txs.length ? COIN : 0n });
    }
    for (const n of all) await ref.accept(n);
    refTip = { hash: ref.get(`b${LENGTH}`).hashHex, utxo: await ref.utxoHash() };
  });
  afterAll(() => ref.close());

  async function deliver(order: string[]): Promise<ChainHarness> {
    // One sender handing in a whole chain out of order is what the per-sender quota stops (the
    // quota's own tests are below): here the pool holds the chain as it comes, whoever sends it.
    const h = await ChainHarness.sharing(ref, { orphanLimits: { maxPerSource: LENGTH } });
    open.push(h);
    for (const n of order) {
      const r = await h.submit(n);
      expect(['orphan', 'connected']).toContain(r.status);
    }
    return h;
  }

  test('in reverse order: every block but the first waits, then the whole chain connects', async () => {
    const h = await deliver([...all].reverse());
    h.expectTip(`b${LENGTH}`);
    expect(h.chain.stats().orphans).toBe(0);
    expect(await h.utxoHash()).toBe(refTip.utxo);
    expect(h.events.filter((e) => e.type === 'orphan')).toHaveLength(LENGTH - 1);
    // Connected oldest first, one tip event per block.
    expect(h.events.filter((e) => e.type === 'connect').map((e) => (e as { name: string }).name)).toEqual(all);
  });

  test.each([1, 2, 3])('in a random order (seed %i)', async (seed) => {
    const h = await deliver(shuffle(all, seededRandom(seed)));
    expect(bytesToHex(h.chain.tip.hash)).toBe(bytesToHex(ref.get(`b${LENGTH}`).hash));
    expect(h.get(`b${LENGTH}`).hashHex).toBe(refTip.hash);
    expect(h.chain.stats().orphans).toBe(0);
    expect(h.chain.stats().orphanBytes).toBe(0);
    expect(await h.utxoHash()).toBe(refTip.utxo);
  });
});

describe('bounds', () => {
  test('a flood beyond MAX_ORPHANS keeps the count bounded and evicts the oldest arrivals', async () => {
    const h = await harness({ orphanLimits: { maxCount: 4, maxBytes: 1_000_000, expireSeconds: 1200 } });
    await h.extend('o', 'genesis', 10, false);
    // o10 first, o3 last: the survivors are the last four to arrive, not the highest.
    for (const n of range('o', 3, 10).reverse()) {
      expect(await h.submit(n)).toMatchObject({ status: 'orphan' });
      expect(h.chain.stats().orphans).toBeLessThanOrEqual(4);
    }
    expect(range('o', 3, 10).filter((n) => h.inOrphanPool(n))).toEqual(['o3', 'o4', 'o5', 'o6']);
    await h.accept('o1');
    await h.accept('o2');
    h.expectTip('o6');
    expect(h.chain.stats().orphans).toBe(0);
    // The evicted ones are simply unknown: offered again, they connect.
    for (const n of range('o', 7, 10)) await h.accept(n);
    h.expectTip('o10');
  });

  test('MAX_ORPHAN_BYTES bounds the total size', async () => {
    const probe = await harness();
    const size = encodeBlock(probe.block('p', 'genesis').block).length;
    const maxBytes = 3 * size + Math.floor(size / 2);
    const h = await harness({ orphanLimits: { maxCount: 100, maxBytes, expireSeconds: 1200 } });
    await h.extend('o', 'genesis', 10, false);
    for (const n of range('o', 2, 10)) {
      await h.submit(n);
      expect(h.chain.stats().orphanBytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(h.chain.stats().orphans).toBe(3);
    expect(range('o', 2, 10).filter((n) => h.inOrphanPool(n))).toEqual(['o8', 'o9', 'o10']);
    expect(h.chain.stats().orphanBytes).toBe(3 * encodeBlock(h.get('o8').block).length);
  });

  test('orphans expire after the time limit', async () => {
    const h = await harness({ orphanLimits: { maxCount: 100, maxBytes: 1_000_000, expireSeconds: 600 } });
    await h.extend('x', 'genesis', 2, false);
    await h.extend('y', 'genesis', 2, false);
    await h.extend('z', 'genesis', 2, false);
    await h.orphan('x2', 'x1');
    h.clock.now += 600;
    await h.orphan('y2', 'y1');
    expect(h.inOrphanPool('x2')).toBe(true); // exactly at the limit: kept
    h.clock.now += 1;
    await h.orphan('z2', 'z1');
    expect(h.inOrphanPool('x2')).toBe(false);
    expect(h.inOrphanPool('y2')).toBe(true);
    // x2 is gone: its parent arriving connects only the parent.
    await h.accept('x1');
    h.expectTip('x1');
    await h.accept('y1', false);
    expect(h.inOrphanPool('y2')).toBe(false);
    expect(h.entry('y2')).toBeDefined();
  });
});

describe('missing ancestors and sources', () => {
  test("an orphan's `missing` is the root ancestor the pool cannot supply", async () => {
    const h = await harness();
    await h.extend('m', 'genesis', 6, false);
    await h.orphan('m3', 'm2');
    await h.orphan('m5', 'm4');
    await h.orphan('m4', 'm2'); // m4's parent m3 is itself waiting for m2
    await h.orphan('m6', 'm2');
    await h.orphan('m2', 'm1');
    expect(h.events.filter((e) => e.type === 'orphan').map((e) => (e as { missing: string }).missing)).toEqual([
      'm2',
      'm4',
      'm2',
      'm2',
      'm1',
    ]);
    expect(await h.submit('m4')).toMatchObject({ status: 'duplicate' });
    expect(h.chain.stats().orphans).toBe(5);
    await h.accept('m1');
    h.expectTip('m6');
  });

  test('the pool remembers who sent each orphan', async () => {
    const h = await harness();
    await h.extend('m', 'genesis', 2, false);
    await h.submit('m2', 'peer-7');
    expect(h.chain.orphan(h.get('m2').hash)?.source).toBe('peer-7');
  });

  test('children waiting on an orphan that turns out invalid are judged too, not left in the pool', async () => {
    const h = await harness();
    await h.extend('v', 'genesis', 1, false);
    // v2 has the wrong bits (a header rule checked against the parent), v3 builds on it.
    const v2 = h.block('v2', 'v1');
    h.named('v2', regrind({ ...v2.block, header: { ...v2.block.header, bits: 0x207ffffe } }), 2);
    h.block('v3', 'v2');
    await h.orphan('v3', 'v2');
    await h.orphan('v2', 'v1');
    await h.accept('v1');
    h.expectTip('v1');
    expect(h.chain.stats().orphans).toBe(0);
    await h.reject('v2', RejectCode.BadDiffBits);
    await h.reject('v3', RejectCode.PrevBlockInvalid);
  });
});

describe('one lock', () => {
  test('concurrent callers are served one at a time, in the order they called', async () => {
    const h = await harness();
    await h.extend('q', 'genesis', 30, false);
    // Fired without waiting, newest first: each one is an orphan until q1 arrives last.
    const results = await Promise.all(
      range('q', 1, 30)
        .reverse()
        .map((n) => h.submit(n)),
    );
    expect(results.slice(0, 29).every((r) => r.status === 'orphan')).toBe(true);
    expect(results[29]).toMatchObject({ status: 'connected' });
    h.expectTip('q30');
  });

  test('a closed chain refuses blocks with ChainError code closed', async () => {
    const h = await harness();
    h.block('q1', 'genesis');
    await h.chain.close();
    await expect(h.submit('q1')).rejects.toMatchObject({ name: 'ChainError', code: 'closed' });
  });
});
