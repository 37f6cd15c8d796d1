/**
 * Proof of work: Bitcoin's compact `bits` target encoding and the header hash check.
 *
 * The compact conversions reproduce Bitcoin Core's arith_uint256::SetCompact/GetCompact bit for
 * bit, including the sign and overflow flags, because a header whose bits decode differently on
 * two peers would split the chain.
 */

const TWO_256 = 1n << 256n;
const MASK_256 = TWO_256 - 1n;

export interface DecodedTarget {
  /** The 256-bit magnitude, as Core's uint256 would hold it (bits shifted past 2^256 are lost). */
  target: bigint;
  negative: boolean;
  overflow: boolean;
}

function assertU32(bits: number): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff) {
    throw new RangeError(`bits must be an unsigned 32-bit integer, got ${bits}`);
  }
}

/** Core's SetCompact: decode `bits` into a target plus its sign and overflow flags. */
export function bitsToTarget(bits: number): DecodedTarget {
  assertU32(bits);
  const size = bits >>> 24;
  let word = bits & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    // Core shifts the word itself here, so the flag tests below see the shifted value.
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    // Masking reproduces uint256's silent loss of bits shifted beyond 256.
    target = (BigInt(word) << BigInt(8 * (size - 3))) & MASK_256;
  }
  const negative = word !== 0 && (bits & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

function byteLength(value: bigint): number {
  return value === 0n ? 0 : Math.ceil(value.toString(2).length / 8);
}

/**
 * Core's GetCompact. `negative` exists only so Core's signed vectors can be checked; consensus
 * code always encodes non-negative targets.
 */
export function targetToBits(target: bigint, negative = false): number {
  if (target < 0n || target >= TWO_256) {
    throw new RangeError('target must be an unsigned 256-bit integer');
  }
  let size = byteLength(target);
  let compact: number;
  if (size <= 3) {
    compact = Number(target) * 2 ** (8 * (3 - size));
  } else {
    compact = Number(target >> BigInt(8 * (size - 3)));
  }
  // The mantissa's top bit is the sign bit, so a mantissa that would set it moves one byte right.
  if ((compact & 0x00800000) !== 0) {
    compact >>>= 8;
    size += 1;
  }
  let bits = (compact | (size << 24)) >>> 0;
  if (negative && (compact & 0x007fffff) !== 0) bits = (bits | 0x00800000) >>> 0;
  return bits;
}

/**
 * Expected number of hashes to find a block at `bits`: 2^256 / (target + 1), as Core's
 * GetBlockProof. Invalid encodings count as no work so they can never win a chain-work contest.
 */
export function blockWork(bits: number): bigint {
  const { target, negative, overflow } = bitsToTarget(bits);
  if (negative || overflow || target === 0n) return 0n;
  return TWO_256 / (target + 1n);
}

/** A 32-byte hash in internal byte order read as a little-endian 256-bit integer. */
export function hashToBigInt(hash: Uint8Array): bigint {
  if (hash.length !== 32) throw new RangeError(`a hash is 32 bytes, got ${hash.length}`);
  let value = 0n;
  for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(hash[i]!);
  return value;
}

/** Core's CheckProofOfWork: a well-formed target no easier than `powLimit`, and hash <= target. */
export function checkProofOfWork(hash: Uint8Array, bits: number, powLimit: bigint): boolean {
  const { target, negative, overflow } = bitsToTarget(bits);
  if (negative || overflow || target === 0n || target > powLimit) return false;
  return hashToBigInt(hash) <= target;
}
