/** A block as the tree views draw it. */
export interface TreeBlock {
  hash: string;
  height: number;
  prev: string;
  status: 'main' | 'side' | 'invalid';
}

export interface PlacedBlock extends TreeBlock {
  /** 0 is the main chain's row; side branches take the rows below, in order of their fork. */
  lane: number;
  /** The parent, when it is drawn too. */
  parent?: PlacedBlock;
}

/**
 * Rows for a block tree: the main chain on row 0; each side branch starts a row of its own below
 * the ones taken, and a block continues its parent's row unless a sibling took it first. Pure, so
 * both pages draw the same shapes.
 */
export function layoutTree(blocks: readonly TreeBlock[]): { placed: PlacedBlock[]; lanes: number } {
  const sorted = [...blocks].sort((a, b) => a.height - b.height || rank(a) - rank(b) || a.hash.localeCompare(b.hash));
  const byHash = new Map<string, PlacedBlock>();
  /** Per row, the highest height used, so a row is never drawn over. */
  const used: number[] = [];
  const rowFree = (lane: number, height: number) => (used[lane] ?? -1) < height;
  const placed: PlacedBlock[] = [];
  for (const b of sorted) {
    const parent = byHash.get(b.prev);
    let lane: number;
    if (b.status === 'main') lane = 0;
    else if (parent && parent.lane > 0 && rowFree(parent.lane, b.height)) lane = parent.lane;
    else {
      // A new branch takes the first row that is empty after its fork point.
      const from = parent ? parent.height : b.height - 1;
      lane = 1;
      while ((used[lane] ?? -1) > from) lane++;
    }
    used[lane] = Math.max(used[lane] ?? -1, b.height);
    const p: PlacedBlock = { ...b, lane, parent };
    byHash.set(b.hash, p);
    placed.push(p);
  }
  return { placed, lanes: Math.max(1, used.length) };
}

function rank(b: TreeBlock): number {
  return b.status === 'main' ? 0 : b.status === 'side' ? 1 : 2;
}
