export { HasherPool } from './pool.js';
export type { HasherPoolOptions, SearchOptions, SearchResult } from './pool.js';
export { RateMeter } from './rate.js';
