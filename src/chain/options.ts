import type { NetworkParams } from '../consensus/params/types.js';
import { DEFAULT_COIN_CACHE_SIZE } from './coin-cache.js';
import type { BatchVerifier } from './connect.js';
import { ChainError } from './errors.js';
import { DEFAULT_ORPHAN_LIMITS, type OrphanLimits } from './orphans.js';

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
  orphanLimits?: OrphanLimits;
  sigCacheSize?: number;
  /** Coins kept in memory in front of the database (0 turns the cache off). */
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

/** The chain's sizes and limits, defaults filled in. */
export type ChainTuning = Required<
  Pick<ChainOptions, 'orphanLimits' | 'sigCacheSize' | 'coinCacheSize' | 'pipelineDepth' | 'maxQueuedTasks'>
>;

/** Fill in the defaults and refuse an option out of range, before anything is opened. */
export function chainTuning(opts: ChainOptions): ChainTuning {
  const depth = opts.pipelineDepth ?? DEFAULT_PIPELINE_DEPTH;
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_PIPELINE_DEPTH) {
    throw new ChainError(
      'bad-option',
      `pipelineDepth must be an integer from 1 to ${MAX_PIPELINE_DEPTH}, not ${depth}`,
    );
  }
  return {
    orphanLimits: opts.orphanLimits ?? DEFAULT_ORPHAN_LIMITS,
    sigCacheSize: cacheSize('sigCacheSize', opts.sigCacheSize ?? DEFAULT_SIG_CACHE_SIZE),
    coinCacheSize: cacheSize('coinCacheSize', opts.coinCacheSize ?? DEFAULT_COIN_CACHE_SIZE),
    pipelineDepth: depth,
    maxQueuedTasks: queueLength(opts.maxQueuedTasks ?? DEFAULT_MAX_QUEUED_TASKS),
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
