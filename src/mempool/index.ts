export {
  Mempool,
  DEFAULT_MEMPOOL_OPTIONS,
  type MempoolOptions,
  type AcceptResult,
  type MempoolEvents,
} from './mempool.js';
export { feeRate, type MempoolEntry } from './entry.js';
export { selectForBlock } from './select.js';
