import { asertNextBits } from './difficulty/asert.js';
import { retargetNextBits } from './difficulty/retarget.js';
import type { NetworkParams } from './params/types.js';
import { targetToBits } from './pow.js';

/** What the difficulty rule needs to know about a block of the chain (a parent, an ancestor). */
export interface ParentInfo {
  height: number;
  time: number;
  bits: number;
}

/**
 * The height of the ASERT anchor: block 1, the first block mined on a network. Its own bits are
 * the easiest (nothing has measured the hash rate yet); every later block's bits follow from
 * how far the chain is ahead of or behind the schedule that block 1's time starts.
 */
export const ASERT_ANCHOR_HEIGHT = 1;

/**
 * The `bits` every child of `parent` must carry. Pure: the chain supplies the blocks of the
 * parent's own chain that a rule needs through `ancestor(height)` (height <= parent.height):
 * the ASERT anchor (block 1), or the first block of a retarget period.
 */
export function expectedBits(
  params: NetworkParams,
  parent: ParentInfo,
  ancestor: (height: number) => ParentInfo,
): number {
  const d = params.difficulty;
  switch (d.algorithm) {
    case 'fixed':
      return params.genesis.header.bits;
    case 'asert': {
      if (parent.height < ASERT_ANCHOR_HEIGHT) return targetToBits(params.powLimit);
      const anchor = parent.height === ASERT_ANCHOR_HEIGHT ? parent : ancestor(ASERT_ANCHOR_HEIGHT);
      return asertNextBits(
        {
          anchorHeight: BigInt(ASERT_ANCHOR_HEIGHT),
          anchorBits: anchor.bits,
          // The spec wants the time of the anchor's parent. Block 1's parent is the genesis
          // block, whose time was fixed when the code was written; a chain started on a later
          // date would be that far behind schedule and mine at the easiest target until it had
          // made up the difference. The anchor's own time, one spacing earlier, stands for it:
          // the schedule starts when the chain's first block was mined.
          anchorParentTime: BigInt(anchor.time - params.targetSpacing),
          spacing: BigInt(params.targetSpacing),
          halfLife: BigInt(d.halfLife),
          maxTarget: params.powLimit,
        },
        BigInt(parent.height),
        BigInt(parent.time),
      );
    }
    case 'retarget': {
      const childHeight = parent.height + 1;
      if (childHeight % d.interval !== 0) return parent.bits;
      const firstTime = ancestor(childHeight - d.interval).time;
      return retargetNextBits(
        { targetTimespan: d.interval * params.targetSpacing, powLimit: params.powLimit },
        firstTime,
        parent.time,
        parent.bits,
      );
    }
  }
}
