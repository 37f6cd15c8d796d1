/**
 * A network started on any date: headers mined by a constant hash rate, on a clock that starts
 * two years after the genesis time (injected, as a node's is), each checked by the header rules
 * against the chain before it. ASERT is anchored at block 1, so the difficulty leaves the limit
 * with the first fast block and comes within 2x of the hash rate's equilibrium (one block per
 * spacing) after about one half-life. Anchored at the genesis time instead, the same chain would
 * be two years behind schedule and mine at the limit for two years' worth of blocks.
 */
import type { BlockHeader } from '../../src/consensus/header.js';
import { networks } from '../../src/consensus/params/networks.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { blockWork } from '../../src/consensus/pow.js';
import { checkHeaderContext, headerContextAfter, type ChainBlock } from '../../src/consensus/rules/contextual.js';
import { rng } from '../helpers/random.js';

const TWO_YEARS = 2 * 365 * 24 * 3600;

interface Ramp {
  /** Seconds a block takes on average at each block's bits and the simulated hash rate (index = height - 1). */
  expectedIntervals: number[];
  /** Header times (index = height). */
  times: number[];
}

/**
 * `blocks` headers on `params`, found by `hashRate` hashes a second from `start` on: each comes
 * after the time its bits need on average (`exponential` draws it from the exponential
 * distribution instead), stamped as the miner stamps it (the clock, or one second past the median
 * time past), and each must pass checkHeaderContext with the clock at that moment.
 */
function ramp(
  params: NetworkParams,
  o: { hashRate: number; start: number; blocks: number; exponential?: () => number },
): Ramp {
  const chain: ChainBlock[] = [{ height: 0, header: params.genesis.header }];
  const expectedIntervals: number[] = [];
  let clock = o.start;
  for (let h = 1; h <= o.blocks; h++) {
    const parent = chain[h - 1]!;
    const bits = headerContextAfter(params, parent, (a) => chain[a], Math.floor(clock)).expectedBits;
    const expected = Number(blockWork(bits)) / o.hashRate;
    expectedIntervals.push(expected);
    clock += o.exponential ? -Math.log(1 - o.exponential()) * expected : expected;
    const now = Math.floor(clock);
    const ctx = headerContextAfter(params, parent, (a) => chain[a], now);
    const header: BlockHeader = {
      ...params.genesis.header,
      prevHash: new Uint8Array(32).fill(h & 0xff),
      time: Math.max(now, ctx.medianTimePast + 1),
      bits,
    };
    const verdict = checkHeaderContext(header, ctx);
    if (!verdict.ok) throw new Error(`block ${h}: ${verdict.code} ${verdict.reason}`);
    chain.push({ height: h, header });
  }
  return { expectedIntervals, times: chain.map((b) => b.header.time) };
}

/** The first height from which every block's expected interval is within 2x of the spacing. */
function settledFrom(r: Ramp, spacing: number): number | undefined {
  let from: number | undefined;
  r.expectedIntervals.forEach((e, i) => {
    const within = e >= spacing / 2 && e <= spacing * 2;
    if (!within) from = undefined;
    else from ??= i + 1;
  });
  return from;
}

/**
 * From the limit, ASERT's interval grows as S - (S - I0)·2^(-t/H) (I0 the interval at the
 * limit), so it reaches S/2 after at most one half-life H, having mined
 * (H / (S ln 2))·ln((S + I0) / I0) blocks by then.
 */
function blocksInOneHalfLife(spacing: number, halfLife: number, atLimit: number): number {
  return (halfLife / (spacing * Math.LN2)) * Math.log((spacing + atLimit) / atLimit);
}

describe.each([
  ['testnet', networks.testnet, [5, 100]],
  ['main', networks.main, [100, 1000]],
] as const)('%s started two years after its genesis date', (_name, params, speedUps) => {
  const S = params.targetSpacing;
  const H = params.difficulty.algorithm === 'asert' ? params.difficulty.halfLife : NaN;
  const limitWork = Number(blockWork(params.genesis.header.bits));

  test.each(speedUps)(
    'a hash rate %i times the limit rate comes within 2x of one block per spacing within one half-life, and stays',
    (speedUp) => {
      // The hash rate that finds a block at the limit `speedUp` times faster than the spacing.
      const hashRate = (limitWork * speedUp) / S;
      const bound = blocksInOneHalfLife(S, H, S / speedUp);
      const start = params.genesis.header.time + TWO_YEARS;
      const r = ramp(params, { hashRate, start, blocks: Math.ceil(bound * 1.1) + 300 });
      // Block 1 starts the schedule; the first block mined faster than the spacing raises the
      // difficulty (block 2 is on schedule by definition).
      expect(r.expectedIntervals[0]).toBeCloseTo(S / speedUp, 6);
      expect(r.expectedIntervals[1]).toBeCloseTo(S / speedUp, 6);
      expect(r.expectedIntervals[2]!).toBeGreaterThan(S / speedUp);
      const settled = settledFrom(r, S);
      expect(settled).toBeDefined();
      // Within the blocks and the time one half-life allows, with 10% for whole-second stamps.
      expect(settled!).toBeLessThanOrEqual(bound * 1.1);
      expect(r.times[settled!]! - r.times[1]!).toBeLessThanOrEqual(H * 1.1);
    },
  );
});

test('testnet as `npm start` runs it (about 2 s a block at the limit), random block times: the interval is within 2x of 10 s 15 to 20 minutes after block 1', () => {
  const params = networks.testnet;
  const hashRate = Number(blockWork(params.genesis.header.bits)) / 2;
  for (let seed = 1; seed <= 20; seed++) {
    const random = rng(seed);
    const r = ramp(params, {
      hashRate,
      start: params.genesis.header.time + TWO_YEARS,
      blocks: 700,
      exponential: random.next,
    });
    const t1 = r.times[1]!;
    const window = r.times.filter((t) => t >= t1 + 900 && t < t1 + 1200);
    expect(window.length).toBeGreaterThan(0);
    const meanInterval = 300 / window.length;
    expect([seed, meanInterval >= 5 && meanInterval <= 20]).toEqual([seed, true]);
  }
});
