/**
 * The block tree the explorer's /api/tree answers: the contract between src/node/http/tree.ts
 * and the web pages (ui/ imports these types; this file imports nothing, so the browser build
 * type-checks it alone). Hashes are display-order hex.
 */

export interface TreeBlock {
  hash: string;
  height: number;
  /** The parent's hash (display order). */
  prev: string;
  /** main: on the main chain; side: stored on another branch; invalid: failed validation. */
  status: 'main' | 'side' | 'invalid';
  time: number;
  txs: number;
}

export interface TreeOrphan {
  hash: string;
  /** The ancestor this node is missing (what it asked its peers for). */
  missing: string;
  source: string;
}

export interface BlockTree {
  tip: { hash: string; height: number };
  /** The lowest height included. */
  from: number;
  blocks: TreeBlock[];
  orphans: TreeOrphan[];
}
