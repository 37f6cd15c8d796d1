/**
 * Bitcoin's periodic retarget (Core's CalculateNextWorkRequired): scale the last target by the
 * time the last period actually took, at most 4x either way, never easier than powLimit.
 */
import { bitsToTarget, targetToBits } from '../pow.js';

export interface RetargetParams {
  /** Seconds one retarget period should take (Bitcoin: 14 days = 2016 * 600). */
  targetTimespan: number;
  powLimit: bigint;
}

/**
 * `firstBlockTime` is the time of the period's first block and `lastBlockTime` that of its last
 * block, the parent of the block whose bits are computed.
 */
export function retargetNextBits(
  p: RetargetParams,
  firstBlockTime: number,
  lastBlockTime: number,
  lastBits: number,
): number {
  if (!Number.isSafeInteger(p.targetTimespan) || p.targetTimespan <= 0) {
    throw new RangeError('targetTimespan must be a positive integer');
  }
  const timespan = BigInt(p.targetTimespan);
  // Core divides int64s here; both bounds truncate the same way.
  const minTimespan = timespan / 4n;
  const maxTimespan = timespan * 4n;
  let actual = BigInt(lastBlockTime) - BigInt(firstBlockTime);
  if (actual < minTimespan) actual = minTimespan;
  if (actual > maxTimespan) actual = maxTimespan;

  // Core ignores the sign/overflow flags of the previous bits and uses the decoded value.
  // Unlike Core's uint256 this product cannot wrap; Core's own parameters never reach 2^256,
  // and for looser ones the cap below is the meaningful answer.
  let next = (bitsToTarget(lastBits).target * actual) / timespan;
  if (next > p.powLimit) next = p.powLimit;
  return targetToBits(next);
}
