import { asertNextBits } from './difficulty/asert.js';
import { retargetNextBits } from './difficulty/retarget.js';
import type { NetworkParams } from './params/types.js';

/** What the difficulty rule needs to know about a block's parent. */
export interface ParentInfo {
  height: number;
  time: number;
  bits: number;
}

/**
 * The `bits` every child of `parent` must carry. Pure: the retarget rule needs one ancestor's
 * time, which the caller supplies (the chain reads it from its index).
 */
export function expectedBits(
  params: NetworkParams,
  parent: ParentInfo,
  ancestorTime: (height: number) => number,
): number {
  const d = params.difficulty;
  switch (d.algorithm) {
    case 'fixed':
      return params.genesis.header.bits;
    case 'asert':
      return asertNextBits(
        {
          anchorHeight: BigInt(d.anchorHeight),
          anchorBits: d.anchorBits,
          anchorParentTime: BigInt(d.anchorParentTime),
          spacing: BigInt(params.targetSpacing),
          halfLife: BigInt(d.halfLife),
          maxTarget: params.powLimit,
        },
        BigInt(parent.height),
        BigInt(parent.time),
      );
    case 'retarget': {
      const childHeight = parent.height + 1;
      if (childHeight % d.interval !== 0) return parent.bits;
      const firstTime = ancestorTime(childHeight - d.interval);
      return retargetNextBits(
        { targetTimespan: d.interval * params.targetSpacing, powLimit: params.powLimit },
        firstTime,
        parent.time,
        parent.bits,
      );
    }
  }
}
