import { expectedBits, type ParentInfo } from '../../src/consensus/next-bits.js';
import { networks } from '../../src/consensus/params/networks.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { bitsToTarget } from '../../src/consensus/pow.js';
import { Miner } from '../../src/mining/miner.js';
import { TestClock } from '../chain/harness.js';
import { testKey } from '../helpers/keys.js';
import { collectFound, openChain } from './fixture.js';

/*
 * Testnet's ASERT (10 s spacing, 10 min half-life, anchored at block 1) must make the target
 * smaller (harder) while blocks come faster than every 10 s and larger (easier, up to the limit)
 * while they come slower. At testnet's real limit a block costs ~8.4 M hashes (seconds each on one
 * core, and more as the target shrinks), so 50 real blocks would take minutes. Two checks instead:
 *  - the rule itself over 50+ consecutive testnet blocks, with simulated times (no grinding);
 *  - 100 blocks mined by the Miner through a real Chain with testnet's ASERT schedule, clock-driven
 *    fast then slow, on an easy limit (regtest's) so a block costs a few hashes.
 * The testnet-target blocks of miner-testnet.test.ts check the same direction on real testnet.
 * Block 1 (the anchor) and block 2 (on schedule by definition) carry the limit; a gap first shows
 * in the bits of the block two after it.
 */

const testnet = networks.testnet;
const G = testnet.genesis.header.time;
const target = (bits: number): bigint => bitsToTarget(bits).target;
const HALF_LIFE = 600;

/** Bits of blocks 1..n of a testnet chain whose block h comes gaps[h-1] seconds after block h-1. */
function simulate(params: NetworkParams, gaps: number[]): number[] {
  const chain: ParentInfo[] = [{ height: 0, time: params.genesis.header.time, bits: params.genesis.header.bits }];
  for (let h = 1; h <= gaps.length; h++) {
    const parent = chain[h - 1]!;
    const bits = expectedBits(params, parent, (a) => chain[a]!);
    chain.push({ height: h, time: parent.time + gaps[h - 1]!, bits });
  }
  return chain.slice(1).map((b) => b.bits);
}

describe('testnet ASERT direction', () => {
  test('the rule: 50 blocks on schedule keep the limit, 50 fast ones make it harder each block, 50 slow ones ease it back to the limit', () => {
    expect(testnet.difficulty).toEqual({ algorithm: 'asert', halfLife: HALF_LIFE });
    const limitBits = testnet.genesis.header.bits;
    // Block 1 may come any time after genesis (years later): the schedule starts there.
    const onSchedule = simulate(testnet, [86_400 * 700, ...Array(51).fill(10)]);
    expect(new Set(onSchedule)).toEqual(new Set([limitBits]));

    // Blocks 2..51 come 2 s apart, then 30 s apart.
    const fast = simulate(testnet, [86_400 * 700, ...Array(50).fill(2), ...Array(60).fill(30)]);
    expect(fast[0]).toBe(limitBits);
    expect(fast[1]).toBe(limitBits);
    for (let h = 3; h <= 52; h++) expect(target(fast[h - 1]!)).toBeLessThan(target(fast[h - 2]!));
    for (let h = 53; h <= 111; h++) {
      const prev = target(fast[h - 2]!);
      const cur = target(fast[h - 1]!);
      if (prev < target(limitBits)) expect(cur).toBeGreaterThan(prev);
      else expect(cur).toBe(prev);
      expect(cur).toBeLessThanOrEqual(testnet.powLimit);
    }
    // 8 s of lead per block for 50 blocks (400 s), paid back by 20 s of lag per block after 20.
    expect(fast[110]).toBe(limitBits);
    // A 400 s lead is 2/3 of a half-life: the target shrank by 2^(-2/3) ≈ 0.630.
    const ratio = Number((target(fast[51]!) * 10_000n) / target(limitBits)) / 10_000;
    expect(ratio).toBeGreaterThan(0.625);
    expect(ratio).toBeLessThan(0.635);
  });

  test('100 blocks mined on testnet timing: faster than 10 s lowers the target, slower raises it back to the limit', async () => {
    // Block 1, the anchor, carries the limit's bits: regtest's limit makes every block cheap.
    const easyBits = networks.regtest.genesis.header.bits;
    const params: NetworkParams = { ...testnet, powLimit: networks.regtest.powLimit };
    const clock = new TestClock(G + 1);
    const f = await openChain(params, clock);
    const miner = new Miner({
      chain: f.chain,
      payTo: testKey('asert-miner').pkh,
      clock: clock.read,
      threads: 1,
      refreshMs: 60_000,
    });
    const gap = (height: number): number => (height <= 50 ? 1 : 60);
    try {
      // The clock moves on as each block is found: 1 s spacing for blocks 1..50, then 60 s.
      const found = collectFound(miner, 100, 60_000, ({ block }, i) => {
        clock.now = block.header.time + gap(i + 2);
      });
      await miner.start();
      const blocks = await found;
      expect(blocks.every((b) => b.result.status === 'connected')).toBe(true);
      expect(f.chain.height).toBe(100);

      const targets: bigint[] = [];
      for (let h = 1; h <= 100; h++) {
        const e = f.chain.atHeight(h)!;
        expect(e.header.time - e.parent!.header.time).toBe(gap(h));
        expect(e.header.bits).toBe(f.chain.expectedBitsAfter(e.parent!));
        targets.push(target(e.header.bits));
      }
      const limit = target(easyBits);
      expect(targets[0]).toBe(limit);
      expect(targets[1]).toBe(limit);
      // Blocks 3..51 follow fast blocks: each target below the one before.
      for (let h = 3; h <= 51; h++) expect(targets[h - 1]!).toBeLessThan(targets[h - 2]!);
      expect(targets[50]!).toBeLessThan((limit * 95n) / 100n);
      // Blocks 52..100 follow slow blocks: rising until the limit, then held there.
      for (let h = 52; h <= 100; h++) {
        if (targets[h - 2]! < limit) expect(targets[h - 1]!).toBeGreaterThan(targets[h - 2]!);
        else expect(targets[h - 1]).toBe(limit);
      }
      expect(targets[99]).toBe(limit);
    } finally {
      await miner.close();
      await f.close();
    }
  });
});
