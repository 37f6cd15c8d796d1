/**
 * mining/hasher: the worker-thread pool that runs a hashing kernel over nonce ranges in every
 * thread, and the rate meter the miner reports its hash rate with.
 *
 * Part of mining: may import kernel/, crypto and encoding; knows nothing of chains or templates.
 */
export { HasherPool } from './pool.js';
export type { HasherPoolOptions, SearchOptions, SearchResult } from './pool.js';
export { RateMeter } from './rate.js';
