import type { IndexEntry } from '../../chain/block-index.js';
import { hashToHex, hexToHash } from '../../encoding/hex.js';
import type { ChainQueries } from '../chain-queries.js';
import type { BlockTree, TreeBlock, TreeOrphan } from './tree-types.js';

export type { BlockTree, TreeBlock, TreeOrphan };

/** MAX_TREE_DEPTH: heights below the tip the tree view may ask for. */
export const MAX_TREE_DEPTH = 500;
/** MAX_TREE_BLOCKS: blocks in one tree answer (side branches included); the newest are kept. */
export const MAX_TREE_BLOCKS = 2_000;
/** Orphan announcements remembered for the tree view (the pool itself is bounded too). */
const MAX_RECENT_ORPHANS = 100;

/** Remembers the orphan announcements; the tree shows those still waiting in the chain's pool. */
export class RecentOrphans {
  private readonly recent: TreeOrphan[] = [];

  add(o: TreeOrphan): void {
    this.recent.push(o);
    if (this.recent.length > MAX_RECENT_ORPHANS) this.recent.shift();
  }

  waiting(chain: ChainQueries): TreeOrphan[] {
    return this.recent.filter((o) => chain.isOrphan(hexToHash(o.hash)));
  }
}

/** Where a stored block stands: on the main chain, on a side branch, or invalid. */
export function entryStatus(chain: ChainQueries, e: IndexEntry): TreeBlock['status'] {
  return chain.validity(e) === 'invalid' ? 'invalid' : chain.isOnMainChain(e) ? 'main' : 'side';
}

/**
 * The recent block tree: every stored block within `depth` heights of the tip, main chain and
 * side branches alike, with its status, plus the orphans waiting for a parent.
 */
export function blockTree(chain: ChainQueries, depth: number, orphans: RecentOrphans): BlockTree {
  const tip = chain.tip();
  const from = Math.max(0, tip.height - depth);
  const blocks: TreeBlock[] = [];
  for (const e of chain.entries()) {
    if (e.height < from) continue;
    blocks.push({
      hash: hashToHex(e.hash),
      height: e.height,
      prev: hashToHex(e.header.prevHash),
      status: entryStatus(chain, e),
      time: e.header.time,
      txs: e.txCount,
    });
  }
  blocks.sort((a, b) => a.height - b.height || a.hash.localeCompare(b.hash));
  return {
    tip: { hash: hashToHex(tip.hash), height: tip.height },
    from,
    blocks: blocks.slice(-MAX_TREE_BLOCKS),
    orphans: orphans.waiting(chain),
  };
}
