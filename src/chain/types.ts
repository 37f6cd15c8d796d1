import type { OrphanDropReason } from './orphans.js';
import type { ChainError } from './errors.js';
import type { Block } from '../consensus/block.js';
import type { RejectCode } from '../consensus/errors.js';
import type { ChainEntry } from './block-index.js';

/**
 * What became of a block handed to `processBlock`. Hashes are in internal byte order (as
 * `headerHash` gives them); only the edges (RPC, logs) turn them into display hex.
 */
export type ProcessResult =
  /** On the main chain now: every rule and signature checked, its state written. */
  | { status: 'connected'; hash: Uint8Array; height: number }
  /**
   * Stored as a candidate but not connected: its branch has no more work than the tip (a side
   * branch; the first seen tip wins a tie). Its transactions are checked if the branch ever wins.
   */
  | { status: 'stored'; hash: Uint8Array; height: number }
  /** A dry run passed: the block would connect on the tip. Nothing was stored. */
  | { status: 'valid'; hash: Uint8Array; height: number }
  /**
   * Sent unasked (`unsolicited`) on a branch that would have less work than the tip: neither
   * stored nor checked further (it may be valid). Should the branch win, its blocks are asked for.
   */
  | { status: 'less-work'; hash: Uint8Array }
  /** Already stored (or already known invalid: then `status: 'invalid'`). */
  | { status: 'duplicate'; hash: Uint8Array }
  /** Parent unknown: held in the orphan pool; `missing` is the ancestor to fetch. */
  | { status: 'orphan'; hash: Uint8Array; missing: Uint8Array }
  /** Violates a consensus rule; the code is the reject reason. */
  | { status: 'invalid'; hash: Uint8Array; code: RejectCode; reason: string }
  /** Not valid now but may be later (a time too far in the future): not marked invalid. */
  | { status: 'temporary'; hash: Uint8Array; code: RejectCode; reason: string };

/** Stored and valid as far as is known: connected onto the main chain, or stored on a side branch. */
export function isAccepted(r: ProcessResult): r is Extract<ProcessResult, { status: 'connected' | 'stored' }> {
  return r.status === 'connected' || r.status === 'stored';
}

export interface ProcessOptions {
  /** Who sent the block: a peer id, 'rpc', 'miner', 'sync'. Orphans remember it. */
  source?: string;
  /** The block's serialized bytes, when the caller has them (saves re-encoding). */
  bytes?: Uint8Array;
  /** txids computed while decoding. */
  txids?: Uint8Array[];
  /** Validate against the current tip as if connecting, but store and change nothing. */
  dryRun?: boolean;
  /**
   * The block arrived without being asked for (gossip). If its branch would have less work than
   * the tip it is answered `less-work` and not stored, as bitcoind's AcceptBlock does, so cheap
   * forks from early, low-difficulty heights can neither fill the disk nor be relayed. Blocks a
   * node asked for (sync, orphan ancestry) and blocks from RPC or the miner are not gated.
   */
  unsolicited?: boolean;
  /**
   * Called once the block has passed every rule, signatures included, on its way onto the main
   * chain, before its state is written (`connect` and `tip` follow once it is). The network
   * relays a block from here: what it forwards is fully validated, and the write is not on the
   * relay path. Not called for a block that ends stored, invalid, orphaned or dry-run. It runs on
   * the chain's own path and must not throw.
   */
  onValidated?: () => void;
}

export interface ChainEvents {
  /** The main chain's tip changed. */
  tip: [entry: ChainEntry];
  /** Blocks left and joined the main chain in one transition (in the order they were applied). */
  reorg: [info: { fork: ChainEntry; disconnected: ChainEntry[]; connected: ChainEntry[] }];
  /**
   * A block passed every rule, signatures included, while joining the main chain; its state is
   * being written now, or queued behind the blocks before it (`connect` and `tip` follow once it
   * is on disk; only a failing database stops that, and the chain call then fails with its error).
   * The same moment as `ProcessOptions.onValidated`, for every block (observers, benchmarks).
   */
  validated: [entry: ChainEntry];
  /** A block joined the main chain. */
  connect: [info: { entry: ChainEntry; block: Block; txids: Uint8Array[] }];
  /** A block left the main chain (reorg or invalidateblock). */
  disconnect: [info: { entry: ChainEntry; block: Block; txids: Uint8Array[] }];
  /** A block was found invalid (with its descendants, marked too). */
  'block-invalid': [info: { hash: Uint8Array; code: RejectCode; reason: string; source: string }];
  /** A block was put in the orphan pool; `missing` is the ancestor to fetch. */
  orphan: [info: { hash: Uint8Array; missing: Uint8Array; source: string }];
  /** An orphan left the pool without connecting: expired, past its sender's quota, the pool full, or its sender dropped. */
  'orphan-dropped': [info: { hash: Uint8Array; source: string; reason: OrphanDropReason }];
  /**
   * A write to the chain database or the block store failed (disk full, I/O error): the chain
   * refuses blocks from here on, and the node shuts down. Emitted once.
   */
  'storage-failed': [error: ChainError];
}

/** The sizes of what the chain keeps in memory, for getblockchaininfo and metrics. */
export interface ChainStats {
  /** Blocks in the index: the main chain, side branches and invalid ones. */
  blocks: number;
  orphans: number;
  orphanBytes: number;
  coinCache: number;
  coinCacheCapacity: number;
  signatureCache: number;
  signatureCacheCapacity: number;
  /** Tasks waiting for or holding the chain lock. */
  queued: number;
}
