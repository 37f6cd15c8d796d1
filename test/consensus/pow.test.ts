import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { hexToBytes, hexToHash } from '../../src/encoding/index.js';
import { bitsToTarget, blockWork, checkProofOfWork, hashToBigInt, targetToBits } from '../../src/consensus/pow.js';

interface SetCompactCase {
  compact: string;
  negative: boolean;
  overflow: boolean;
  target?: string;
  getCompact?: string;
  getCompactCalledWithNegative?: boolean;
}
interface CompactVectors {
  setCompactCases: SetCompactCase[];
  getCompactOnlyCases: { targetHex: string; getCompact: string }[];
  bitcoinjsTargets: {
    cases: {
      compact: string;
      target: string;
      coreNegativeFlag: boolean;
      coreOverflowFlag: boolean;
      coreGetCompactOfTarget: string;
    }[];
  };
  retarget: { params: { powLimit: string } };
  checkProofOfWork: { cases: { name: string; bits: string; hash: string; expectValid: boolean }[] };
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/compact-bits.json', import.meta.url), 'utf8'),
) as CompactVectors;

const hexNum = (hex: string): bigint => BigInt(`0x${hex}`);
const bitsOf = (hex: string): number => Number.parseInt(hex, 16);
const MAINNET_POW_LIMIT = hexNum(vectors.retarget.params.powLimit);
const MAX_U256 = (1n << 256n) - 1n;

/** The 32 internal-order bytes whose little-endian reading is `value`. */
function toHash(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

describe('bitsToTarget / targetToBits (Core SetCompact / GetCompact)', () => {
  test('the fixtures hold the expected number of cases', () => {
    expect(vectors.setCompactCases).toHaveLength(20);
    expect(vectors.bitcoinjsTargets.cases).toHaveLength(6);
    expect(vectors.getCompactOnlyCases).toHaveLength(1);
  });

  test.each(vectors.setCompactCases)('SetCompact $compact', (c) => {
    const decoded = bitsToTarget(bitsOf(c.compact));
    expect(decoded.negative).toBe(c.negative);
    expect(decoded.overflow).toBe(c.overflow);
    // Core checks only the flags of ff123456: its value would not fit in 256 bits.
    if (c.target === undefined || c.getCompact === undefined) return;
    expect(decoded.target).toBe(hexNum(c.target));
    expect(targetToBits(decoded.target, c.getCompactCalledWithNegative ?? false)).toBe(bitsOf(c.getCompact));
  });

  test.each(vectors.getCompactOnlyCases)('GetCompact of $targetHex', (c) => {
    expect(targetToBits(hexNum(c.targetHex))).toBe(bitsOf(c.getCompact));
  });

  test.each(vectors.bitcoinjsTargets.cases)('bitcoinjs target $compact', (c) => {
    const decoded = bitsToTarget(bitsOf(c.compact));
    expect(decoded.target).toBe(hexNum(c.target));
    expect(decoded.negative).toBe(c.coreNegativeFlag);
    expect(decoded.overflow).toBe(c.coreOverflowFlag);
    expect(targetToBits(decoded.target)).toBe(bitsOf(c.coreGetCompactOfTarget));
  });

  test('targetToBits rejects values a uint256 cannot hold', () => {
    expect(() => targetToBits(-1n)).toThrow(RangeError);
    expect(() => targetToBits(1n << 256n)).toThrow(RangeError);
    expect(() => bitsToTarget(2 ** 32)).toThrow(RangeError);
    expect(() => bitsToTarget(1.5)).toThrow(RangeError);
  });

  test('property: encoding any 256-bit value gives normalized bits that round-trip', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_U256 }), (value) => {
        const bits = targetToBits(value);
        const decoded = bitsToTarget(bits);
        expect(decoded.negative).toBe(false);
        expect(decoded.overflow).toBe(false);
        // GetCompact keeps the top 3 significant bytes and drops the rest.
        const size = bits >>> 24;
        const dropped = size > 3 ? 1n << BigInt(8 * (size - 3)) : 1n;
        expect(decoded.target <= value && value - decoded.target < dropped).toBe(true);
        expect(targetToBits(decoded.target)).toBe(bits);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: every flag-free bits value decodes to a target that re-encodes exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const decoded = bitsToTarget(bits);
        fc.pre(!decoded.negative && !decoded.overflow);
        expect(bitsToTarget(targetToBits(decoded.target)).target).toBe(decoded.target);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('checkProofOfWork', () => {
  // The vector hashes are the 256-bit integers written big-endian (display order), so the
  // header-hash bytes are their reversal.
  test.each(vectors.checkProofOfWork.cases)('$name', (c) => {
    expect(checkProofOfWork(hexToHash(c.hash), bitsOf(c.bits), MAINNET_POW_LIMIT)).toBe(c.expectValid);
  });

  const validBits = [...vectors.setCompactCases, ...vectors.bitcoinjsTargets.cases]
    .map((c) => ({ compact: c.compact, ...bitsToTarget(bitsOf(c.compact)) }))
    .filter((c) => !c.negative && !c.overflow && c.target > 0n);

  test.each(validBits)('hash == target passes and target + 1 fails for $compact', (c) => {
    const limit = MAX_U256;
    expect(checkProofOfWork(toHash(c.target), bitsOf(c.compact), limit)).toBe(true);
    expect(checkProofOfWork(toHash(c.target + 1n), bitsOf(c.compact), limit)).toBe(false);
    // The same header is invalid on a network whose limit is just below its target.
    expect(checkProofOfWork(toHash(0n), bitsOf(c.compact), c.target - 1n)).toBe(false);
  });

  test('the hash is read little-endian: only the last byte is most significant', () => {
    const bits = 0x1d00ffff;
    const highLast = new Uint8Array(32);
    highLast[31] = 0x01;
    const highFirst = new Uint8Array(32);
    highFirst[0] = 0xff;
    expect(checkProofOfWork(highLast, bits, MAINNET_POW_LIMIT)).toBe(false);
    expect(checkProofOfWork(highFirst, bits, MAINNET_POW_LIMIT)).toBe(true);
  });

  test('hashToBigInt reads little-endian and rejects wrong lengths', () => {
    expect(hashToBigInt(hexToBytes(`01${'00'.repeat(31)}`))).toBe(1n);
    expect(hashToBigInt(hexToBytes(`${'00'.repeat(31)}80`))).toBe(1n << 255n);
    expect(() => hashToBigInt(new Uint8Array(31))).toThrow(RangeError);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_U256 }), (v) => {
        expect(hashToBigInt(toHash(v))).toBe(v);
      }),
    );
  });
});

describe('blockWork (Core GetBlockProof)', () => {
  test('known values', () => {
    expect(blockWork(0x1d00ffff)).toBe(0x100010001n);
    expect(blockWork(0x207fffff)).toBe(2n);
  });

  test('negative, overflowing and zero targets carry no work', () => {
    for (const c of vectors.setCompactCases) {
      const d = bitsToTarget(bitsOf(c.compact));
      if (d.negative || d.overflow || d.target === 0n) expect(blockWork(bitsOf(c.compact))).toBe(0n);
      else expect(blockWork(bitsOf(c.compact))).toBeGreaterThan(0n);
    }
    expect(blockWork(0x1d80ffff)).toBe(0n);
    expect(blockWork(0xff7fffff)).toBe(0n);
  });

  test("property: equals Core's (~target / (target + 1)) + 1 and falls as the target grows", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_U256 }), fc.bigInt({ min: 1n, max: MAX_U256 }), (a, b) => {
        const bitsA = targetToBits(a);
        const bitsB = targetToBits(b);
        const ta = bitsToTarget(bitsA).target;
        fc.pre(ta > 0n);
        expect(blockWork(bitsA)).toBe((MAX_U256 - ta) / (ta + 1n) + 1n);
        const tb = bitsToTarget(bitsB).target;
        if (tb > 0n && ta <= tb) expect(blockWork(bitsA) >= blockWork(bitsB)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
