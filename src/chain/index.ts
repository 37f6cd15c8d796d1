/**
 * chain: the block store and the main chain. Every block enters through Chain.processBlock(s)
 * and takes the six stages of process.ts (docs/architecture.md, "The block path"); the index,
 * UTXO set, undo records and address index live in one classic-level database (layout.ts). The
 * chain's state is private: other layers ask Chain questions and listen to its events.
 *
 * May import: consensus, crypto, encoding, collections. Never mempool, mining, net, rpc, node,
 * wallet or cli: it knows nothing above it (dependency-cruiser: chain-not-to-...).
 */
export { Chain } from './chain.js';
export type { ChainOptions } from './options.js';
export { isAccepted, type ProcessResult, type ProcessOptions, type ChainEvents, type ChainStats } from './types.js';
export type { ChainEntry } from './block-index.js';
export { BlockStatus } from './layout.js';
export { ChainError, type ChainErrorCode } from './errors.js';
export type { UtxoSetInfo, VerifyChainResult } from './verify.js';
export { reindexChain, reindexChainstate, type ReindexEvent } from './reindex.js';
export type { AddressUtxo, AddressHistoryItem, TxLocation } from './address-index.js';
export { DEFAULT_ORPHAN_LIMITS, type OrphanLimits, type OrphanInfo, type OrphanDropReason } from './orphans.js';
export type { BatchVerifier } from './connect.js';
