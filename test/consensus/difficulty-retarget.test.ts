import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { retargetNextBits, type RetargetParams } from '../../src/consensus/difficulty/index.js';
import { bitsToTarget, targetToBits } from '../../src/consensus/pow.js';

interface RetargetVectors {
  retarget: {
    params: {
      powLimit: string;
      powLimitBits: string;
      powTargetTimespan: number;
      minTimespan: number;
      maxTimespan: number;
    };
    cases: {
      name: string;
      lastRetargetTime: number;
      pindexLastTime: number;
      pindexLastBits: string;
      expectedBits: string;
    }[];
  };
}

const { retarget } = JSON.parse(
  readFileSync(new URL('../fixtures/compact-bits.json', import.meta.url), 'utf8'),
) as RetargetVectors;

const MAINNET: RetargetParams = {
  targetTimespan: retarget.params.powTargetTimespan,
  powLimit: BigInt(`0x${retarget.params.powLimit}`),
};
const bitsOf = (hex: string): number => Number.parseInt(hex, 16);

describe("retargetNextBits (Core's CalculateNextWorkRequired)", () => {
  test('the fixture holds the four pow_tests cases and consistent mainnet parameters', () => {
    expect(retarget.cases).toHaveLength(4);
    expect(retarget.params.minTimespan).toBe(MAINNET.targetTimespan / 4);
    expect(retarget.params.maxTimespan).toBe(MAINNET.targetTimespan * 4);
    expect(targetToBits(MAINNET.powLimit)).toBe(bitsOf(retarget.params.powLimitBits));
  });

  test.each(retarget.cases)('$name', (c) => {
    const got = retargetNextBits(MAINNET, c.lastRetargetTime, c.pindexLastTime, bitsOf(c.pindexLastBits));
    expect(got.toString(16).padStart(8, '0')).toBe(c.expectedBits);
  });

  const bitsArb = fc.bigInt({ min: 1n, max: MAINNET.powLimit }).map((t) => targetToBits(t));
  const timespanArb = fc.integer({ min: -10 * MAINNET.targetTimespan, max: 10 * MAINNET.targetTimespan });

  test('property: an on-time period keeps the target', () => {
    fc.assert(
      fc.property(bitsArb, fc.integer({ min: 0, max: 2 ** 32 }), (bits, first) => {
        expect(retargetNextBits(MAINNET, first, first + MAINNET.targetTimespan, bits)).toBe(bits);
      }),
    );
  });

  test('property: the target moves at most 4x, never past powLimit, and grows with the timespan', () => {
    fc.assert(
      fc.property(bitsArb, timespanArb, timespanArb, (bits, a, b) => {
        const [short, long] = a <= b ? [a, b] : [b, a];
        const last = bitsToTarget(bits).target;
        const t1 = bitsToTarget(retargetNextBits(MAINNET, 0, short, bits)).target;
        const t2 = bitsToTarget(retargetNextBits(MAINNET, 0, long, bits)).target;
        expect(t1 <= t2).toBe(true);
        expect(t2 <= MAINNET.powLimit && t2 <= last * 4n).toBe(true);
        // Compact encoding truncates monotonically, so the floor is a quarter of the target, encoded.
        expect(t1 >= bitsToTarget(targetToBits(last / 4n)).target).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test('rejects a non-positive timespan', () => {
    expect(() => retargetNextBits({ ...MAINNET, targetTimespan: 0 }, 0, 1, 0x1d00ffff)).toThrow(RangeError);
  });
});
