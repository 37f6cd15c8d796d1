/**
 * aserti3-2d (Bitcoin Cash, spec 2020-11-15-asert.md v0.5.1) with network-specific spacing,
 * half-life and max target. Every step is integer arithmetic in the spec's exact order: the
 * official vectors depend on its truncations.
 */
import { bitsToTarget, targetToBits } from '../pow.js';

export interface AsertParams {
  anchorHeight: bigint;
  anchorBits: number;
  /** Timestamp of the anchor block's PARENT, as the spec prescribes. */
  anchorParentTime: bigint;
  /** Ideal seconds between blocks. */
  spacing: bigint;
  /** Seconds ahead of (behind) schedule that double (halve) the target. */
  halfLife: bigint;
  /** Easiest allowed target; results above it are clamped to targetToBits(maxTarget). */
  maxTarget: bigint;
}

const RADIX_BITS = 16n;
const RADIX = 1n << RADIX_BITS;

// A left shift past this many bits makes any non-zero target exceed every 256-bit maxTarget, and
// a right shift past it zeroes target * factor (< 2^273). Deciding early keeps BigInt shifts small
// even for absurd timestamps.
const SHIFT_BOUND = 300n;

/**
 * The bits required of the block that follows the block at `height` whose timestamp is `time`
 * (the spec's "evaluation block").
 */
export function asertNextBits(p: AsertParams, height: bigint, time: bigint): number {
  if (p.halfLife <= 0n) throw new RangeError('halfLife must be positive');
  if (p.maxTarget <= 0n || p.maxTarget >= 1n << 256n) {
    throw new RangeError('maxTarget must be in (0, 2^256)');
  }
  if (height < p.anchorHeight) throw new RangeError('the evaluation block precedes the anchor');

  const maxBits = targetToBits(p.maxTarget);
  const anchorTarget = bitsToTarget(p.anchorBits).target;
  const timeDelta = time - p.anchorParentTime;
  const heightDelta = height - p.anchorHeight;

  // BigInt division truncates toward zero, which is exactly the spec's trunc_div (note 3);
  // floor division would change the result for blocks that are ahead of schedule.
  const exponent = ((timeDelta - p.spacing * (heightDelta + 1n)) * RADIX) / p.halfLife;
  // BigInt >> is arithmetic and & acts on two's complement, so shifts = floor(exponent / 2^16)
  // and frac = exponent - shifts * 2^16, in [0, 65535], as the spec requires.
  const shifts = exponent >> RADIX_BITS;
  const frac = exponent & (RADIX - 1n);
  const factor =
    ((195766423245049n * frac + 971821376n * frac ** 2n + 5127n * frac ** 3n + (1n << 47n)) >> 48n) + RADIX;

  let next: bigint;
  if (anchorTarget === 0n || shifts < -SHIFT_BOUND) {
    next = 0n;
  } else if (shifts > SHIFT_BOUND) {
    return maxBits;
  } else {
    next = anchorTarget * factor;
    next = shifts < 0n ? next >> -shifts : next << shifts;
    next >>= RADIX_BITS;
  }

  if (next === 0n) return targetToBits(1n);
  if (next > p.maxTarget) return maxBits;
  return targetToBits(next);
}
