import type { NetworkParams } from '../consensus/params/types.js';
import type { BatchVerifier } from './connect.js';
import { ChainError } from './errors.js';
import { DEFAULT_ORPHAN_LIMITS, type OrphanLimits } from './orphans.js';
import type { LevelCache } from './store.js';

export interface ChainOptions {
  params: NetworkParams;
  /** Path of the chain database (one per data directory). */
  location: string;
  /** Path of the block store (block-store.ts); `<location>-blocks` when not given. */
  blocksLocation?: string;
  /**
   * Compare the whole UTXO set with the tip's commitment when opening (default true). Only
   * reindex turns it off, for the chain it is about to rebuild.
   */
  checkUtxoSet?: boolean;
  /** Verifies signature batches (a VerifyPool spreads them over threads). */
  verifier: BatchVerifier;
  /** Seconds since the epoch: injected, never read from the system deep inside. */
  clock: () => number;
  /** Orphan pool bounds; those not given keep their defaults. */
  orphanLimits?: Partial<OrphanLimits>;
  sigCacheSize?: number;
  /**
   * Memory for the chain's caches, in MiB, as bitcoind's -dbcache: half for LevelDB's write buffer,
   * a quarter for its block cache and a quarter for the coin cache (see dbCacheSplit). Default
   * DEFAULT_DB_CACHE_MIB.
   */
  dbCacheMiB?: number;
  /** Coins kept in memory in front of the database (0 turns the cache off); default from dbCacheMiB. */
  coinCacheSize?: number;
  /**
   * Blocks of a run whose signatures may be in flight at once while the next one is walked
   * (extend.ts); at least 1. Deeper keeps the verify workers fed while this thread builds batches.
   */
  pipelineDepth?: number;
  /**
   * MAX_QUEUED_TASKS: tasks that may wait for (or hold) the chain lock at once: blocks, mempool
   * acceptances, templates, operator actions. Past it a caller gets ChainError('busy').
   */
  maxQueuedTasks?: number;
}

/** Where the block store of a chain database lives unless told. */
export function blocksLocationOf(opts: Pick<ChainOptions, 'location' | 'blocksLocation'>): string {
  return opts.blocksLocation ?? `${opts.location}-blocks`;
}

/** Default pipeline depth: see ChainOptions.pipelineDepth and docs/benchmarks.md. */
export const DEFAULT_PIPELINE_DEPTH = 3;
/** Past this the views and verify batches held in memory grow for no gain (depth 6 measured no faster than 3). */
export const MAX_PIPELINE_DEPTH = 64;
export const DEFAULT_SIG_CACHE_SIZE = 200_000;
/**
 * Far above what a node queues in normal work (a sync batch is one task, the mempool poll and the
 * miner one at a time), low enough that a flood of gossip cannot hold more than that many blocks
 * and transactions in memory waiting.
 */
export const DEFAULT_MAX_QUEUED_TASKS = 1_024;

/**
 * The default cache budget: LevelDB's 64 MiB write buffer and 32 MiB block cache, which connect
 * measured fastest with (store.ts), and about 280,000 coins. Idle, a node uses little of it: the
 * write buffer fills as blocks are written, the caches as coins and records are read.
 */
export const DEFAULT_DB_CACHE_MIB = 128;
export const MIN_DB_CACHE_MIB = 4;
export const MAX_DB_CACHE_MIB = 65_536;
/**
 * What a cached coin costs: its 33-byte record in the slab, its outpoint key and its map entry
 * (measured: 86 bytes of heap and 33 of slab a coin, 250,000 coins in the cache).
 */
export const COIN_CACHE_BYTES_PER_COIN = 120;

/** A budget of `mib` MiB split over LevelDB's write buffer and block cache and the coin cache. */
export function dbCacheSplit(mib: number): LevelCache & { coins: number } {
  const bytes = mib * 1024 * 1024;
  return {
    writeBufferSize: Math.floor(bytes / 2),
    cacheSize: Math.floor(bytes / 4),
    coins: Math.floor(bytes / 4 / COIN_CACHE_BYTES_PER_COIN),
  };
}

/** The chain's sizes and limits, defaults filled in. */
export type ChainTuning = Required<
  Pick<ChainOptions, 'orphanLimits' | 'sigCacheSize' | 'coinCacheSize' | 'pipelineDepth' | 'maxQueuedTasks'>
> & { level: LevelCache };

/** Fill in the defaults and refuse an option out of range, before anything is opened. */
export function chainTuning(opts: ChainOptions): ChainTuning {
  const depth = opts.pipelineDepth ?? DEFAULT_PIPELINE_DEPTH;
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_PIPELINE_DEPTH) {
    throw new ChainError(
      'bad-option',
      `pipelineDepth must be an integer from 1 to ${MAX_PIPELINE_DEPTH}, not ${depth}`,
    );
  }
  const mib = opts.dbCacheMiB ?? DEFAULT_DB_CACHE_MIB;
  if (!Number.isInteger(mib) || mib < MIN_DB_CACHE_MIB || mib > MAX_DB_CACHE_MIB) {
    throw new ChainError(
      'bad-option',
      `dbCacheMiB must be a whole number of MiB from ${MIN_DB_CACHE_MIB} to ${MAX_DB_CACHE_MIB}, not ${mib}`,
    );
  }
  const { coins, ...level } = dbCacheSplit(mib);
  return {
    orphanLimits: opts.orphanLimits ?? DEFAULT_ORPHAN_LIMITS,
    sigCacheSize: cacheSize('sigCacheSize', opts.sigCacheSize ?? DEFAULT_SIG_CACHE_SIZE),
    coinCacheSize: cacheSize('coinCacheSize', opts.coinCacheSize ?? coins),
    pipelineDepth: depth,
    maxQueuedTasks: queueLength(opts.maxQueuedTasks ?? DEFAULT_MAX_QUEUED_TASKS),
    level,
  };
}

/** How many tasks the chain lock may hold: a whole number, at least 1, or Infinity. */
function queueLength(n: number): number {
  if (n !== Infinity && !(Number.isInteger(n) && n >= 1)) {
    throw new ChainError('bad-option', `maxQueuedTasks must be a whole number, at least 1, not ${n}`);
  }
  return n;
}

/** A cache's entry count: a whole number, 0 (off) or more, or Infinity (unbounded). */
function cacheSize(name: string, n: number): number {
  if (n !== Infinity && !(Number.isInteger(n) && n >= 0)) {
    throw new ChainError('bad-option', `${name} must be a whole number of entries, 0 or more, not ${n}`);
  }
  return n;
}
