import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { asertNextBits, type AsertParams } from '../../src/consensus/difficulty/index.js';
import { bitsToTarget, targetToBits } from '../../src/consensus/pow.js';

/** [iteration, height, heightDelta, time, expectedNextBitsHex] */
type Row = [number, string, number, number, string];
interface Run {
  run: string;
  description: string;
  anchorHeight: string;
  anchorParentTime: number;
  anchorBits: string;
  iterations: number;
  rowsIncluded: number;
  rows: Row[];
}
interface AsertVectors {
  params: { idealBlockTime: number; halfLife: number; maxBits: string; maxTarget: string };
  floorDivisionTrap: { failingRowsPerRun: Record<string, number> };
  runs: Run[];
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/asert.json', import.meta.url), 'utf8')) as AsertVectors;

const SPACING = BigInt(vectors.params.idealBlockTime);
const HALF_LIFE = BigInt(vectors.params.halfLife);
const MAX_TARGET = BigInt(`0x${vectors.params.maxTarget}`);

function paramsOf(run: Run): AsertParams {
  return {
    anchorHeight: BigInt(run.anchorHeight),
    anchorBits: Number.parseInt(run.anchorBits, 16),
    anchorParentTime: BigInt(run.anchorParentTime),
    spacing: SPACING,
    halfLife: HALF_LIFE,
    maxTarget: MAX_TARGET,
  };
}

const hex8 = (bits: number): string => bits.toString(16).padStart(8, '0');

describe('asertNextBits against the official aserti3-2d vectors', () => {
  // The fixture carries runs 01-08 of the 12 official files, each complete. Runs 09-12 use the
  // same semantics but were left out of the shared vectors (size), so there is nothing to loop over.
  test('the fixture holds complete runs 01-08', () => {
    expect(vectors.runs.map((r) => r.run)).toEqual([
      'run01',
      'run02',
      'run03',
      'run04',
      'run05',
      'run06',
      'run07',
      'run08',
    ]);
    for (const run of vectors.runs) {
      expect(run.rows).toHaveLength(run.iterations);
      expect(run.rowsIncluded).toBe(run.iterations);
    }
    expect(vectors.params.maxBits).toBe(hex8(targetToBits(MAX_TARGET)));
  });

  test.each(vectors.runs)('$run: $description', (run) => {
    const p = paramsOf(run);
    const mismatches: string[] = [];
    for (const [iteration, heightText, heightDelta, time, expected] of run.rows) {
      const height = BigInt(heightText);
      if (height - p.anchorHeight !== BigInt(heightDelta)) {
        mismatches.push(`row ${iteration}: heightDelta column ${heightDelta} != height - anchorHeight`);
        continue;
      }
      const got = hex8(asertNextBits(p, height, BigInt(time)));
      if (got !== expected) {
        mismatches.push(`row ${iteration}: height ${heightText} time ${time}: expected ${expected}, got ${got}`);
      }
    }
    // Reports the first failing row with its inputs, plus how many failed in total.
    expect({ failures: mismatches.length, first: mismatches[0] }).toEqual({ failures: 0, first: undefined });
  });

  // The vectors only guard against floor division if they contain rows where it would round
  // differently: a negative exponent numerator that the half-life does not divide.
  test.each(vectors.runs)('$run exercises truncating division as the fixture claims', (run) => {
    const p = paramsOf(run);
    const affected = run.rows.filter(([, heightText, , time]) => {
      const numerator =
        (BigInt(time) - p.anchorParentTime - SPACING * (BigInt(heightText) - p.anchorHeight + 1n)) * 65536n;
      return numerator < 0n && numerator % HALF_LIFE !== 0n;
    }).length;
    expect(affected).toBeGreaterThanOrEqual(vectors.floorDivisionTrap.failingRowsPerRun[run.run] ?? Infinity);
  });
});

describe('asertNextBits properties', () => {
  // Testnet-like settings, so the network-specific parameters are exercised beyond the BCH ones.
  const SPACING_T = 10n;
  const HALF_LIFE_T = 3600n;
  const POW_LIMIT = (1n << 236n) - 1n;

  const anchorArb = fc
    .record({
      target: fc.bigInt({ min: 1n, max: POW_LIMIT }),
      anchorHeight: fc.bigInt({ min: 0n, max: 1n << 40n }),
      anchorParentTime: fc.bigInt({ min: 0n, max: 1n << 33n }),
    })
    .map(({ target, anchorHeight, anchorParentTime }): AsertParams => ({
      anchorHeight,
      anchorBits: targetToBits(target),
      anchorParentTime,
      spacing: SPACING_T,
      halfLife: HALF_LIFE_T,
      maxTarget: POW_LIMIT,
    }))
    .filter((p) => bitsToTarget(p.anchorBits).target > 0n);

  const targetOf = (bits: number): bigint => bitsToTarget(bits).target;
  const onSchedule = (p: AsertParams, heightDelta: bigint): bigint =>
    p.anchorParentTime + p.spacing * (heightDelta + 1n);

  test('a later timestamp never gives a harder target', () => {
    fc.assert(
      fc.property(
        anchorArb,
        fc.bigInt({ min: 0n, max: 1n << 20n }),
        fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }),
        fc.bigInt({ min: 0n, max: 1n << 30n }),
        (p, heightDelta, offset, later) => {
          const height = p.anchorHeight + heightDelta;
          const t1 = onSchedule(p, heightDelta) + offset;
          const a = targetOf(asertNextBits(p, height, t1));
          const b = targetOf(asertNextBits(p, height, t1 + later));
          expect(a <= b).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('a greater height at the same timestamp never gives an easier target', () => {
    fc.assert(
      fc.property(
        anchorArb,
        fc.bigInt({ min: 0n, max: 1n << 20n }),
        fc.bigInt({ min: 0n, max: 5000n }),
        (p, hd, more) => {
          const time = onSchedule(p, hd);
          const a = targetOf(asertNextBits(p, p.anchorHeight + hd, time));
          const b = targetOf(asertNextBits(p, p.anchorHeight + hd + more, time));
          expect(b <= a).toBe(true);
        },
      ),
    );
  });

  test('on schedule the target is the anchor target; a half-life off doubles or halves it', () => {
    fc.assert(
      fc.property(anchorArb, fc.bigInt({ min: 0n, max: 1n << 20n }), (p, hd) => {
        const height = p.anchorHeight + hd;
        const anchorTarget = targetOf(p.anchorBits);
        const time = onSchedule(p, hd);
        expect(asertNextBits(p, height, time)).toBe(targetToBits(anchorTarget));
        const doubled = anchorTarget * 2n > p.maxTarget ? p.maxTarget : anchorTarget * 2n;
        expect(asertNextBits(p, height, time + p.halfLife)).toBe(targetToBits(doubled));
        const halved = anchorTarget / 2n === 0n ? 1n : anchorTarget / 2n;
        expect(asertNextBits(p, height, time - p.halfLife)).toBe(targetToBits(halved));
      }),
    );
  });

  test('extreme timestamps clamp to [1, maxTarget] without huge shifts', () => {
    fc.assert(
      fc.property(anchorArb, (p) => {
        expect(asertNextBits(p, p.anchorHeight, 1n << 62n)).toBe(targetToBits(p.maxTarget));
        expect(asertNextBits(p, p.anchorHeight, -(1n << 62n))).toBe(targetToBits(1n));
      }),
    );
  });

  test('rejects inputs outside the domain of the algorithm', () => {
    const p = paramsOf(vectors.runs[0]!);
    expect(() => asertNextBits(p, p.anchorHeight - 1n, 0n)).toThrow(RangeError);
    expect(() => asertNextBits({ ...p, halfLife: 0n }, p.anchorHeight, 0n)).toThrow(RangeError);
    expect(() => asertNextBits({ ...p, maxTarget: 0n }, p.anchorHeight, 0n)).toThrow(RangeError);
  });
});
