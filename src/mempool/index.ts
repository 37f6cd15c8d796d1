/**
 * mempool: unconfirmed transactions. Acceptance under the chain lock in arrival order
 * (signatures checked ahead on the verify workers, then through chain.verifySignatures and its
 * cache), policy, package fee-rate eviction from an indexed heap, expiry, re-admission after a
 * reorg, and selection for a block template.
 *
 * May import: chain, consensus, encoding, collections. Never mining, net, rpc, node, wallet or
 * cli (dependency-cruiser: mempool-not-to-...).
 */
export {
  Mempool,
  DEFAULT_MEMPOOL_OPTIONS,
  type MempoolOptions,
  type AcceptResult,
  type MempoolEvents,
} from './mempool.js';
export { feeRate, type MempoolEntry } from './entry.js';
export { selectForBlock } from './select.js';
