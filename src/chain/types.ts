import type { Block } from '../consensus/block.js';
import type { RejectCode } from '../consensus/errors.js';
import type { IndexEntry } from './block-index.js';

/** What became of a block handed to `processBlock`. Hashes are display-order hex. */
export type ProcessResult =
  /** Stored and valid as far as known: on the main chain now, or on a side branch with less work. */
  | { status: 'connected'; hash: string; height: number; mainChain: boolean }
  /** Already stored (or already known invalid: then `status: 'invalid'`). */
  | { status: 'duplicate'; hash: string }
  /** Parent unknown: held in the orphan pool; `missing` is the ancestor to fetch. */
  | { status: 'orphan'; hash: string; missing: string }
  /** Violates a consensus rule; the code is the reject reason. */
  | { status: 'invalid'; hash: string; code: RejectCode; reason: string }
  /** Not valid now but may be later (a time too far in the future): not marked invalid. */
  | { status: 'temporary'; hash: string; code: RejectCode; reason: string };

export interface ProcessOptions {
  /** Who sent the block: a peer id, 'rpc', 'miner', 'sync'. Orphans remember it. */
  source?: string;
  /** The block's serialized bytes, when the caller has them (saves re-encoding). */
  bytes?: Uint8Array;
  /** txids computed while decoding. */
  txids?: Uint8Array[];
  /** Validate against the current tip as if connecting, but store and change nothing. */
  dryRun?: boolean;
}

export interface ChainEvents {
  /** The main chain's tip changed. */
  tip: [entry: IndexEntry];
  /** Blocks left and joined the main chain in one transition (in the order they were applied). */
  reorg: [info: { fork: IndexEntry; disconnected: IndexEntry[]; connected: IndexEntry[] }];
  /**
   * A block passed every rule, signatures included, while joining the main chain; its state is
   * being written now, or queued behind the blocks before it (`connect` and `tip` follow once it
   * is on disk; only a failing database stops that, and the chain call then fails with its error).
   * The network relays a block from here: what it forwards is fully validated, and the write is
   * not on the relay path.
   */
  validated: [entry: IndexEntry];
  /** A block joined the main chain. */
  connect: [info: { entry: IndexEntry; block: Block; txids: Uint8Array[] }];
  /** A block left the main chain (reorg or invalidateblock). */
  disconnect: [info: { entry: IndexEntry; block: Block; txids: Uint8Array[] }];
  /** A block was found invalid (with its descendants, marked too). */
  'block-invalid': [info: { hash: string; code: RejectCode; reason: string; source: string }];
  /** A block was put in the orphan pool. */
  orphan: [info: { hash: string; missing: string; source: string }];
}
