/**
 * net: everything between this node and its peers. The libp2p host, the one gossip adapter and
 * the block and transaction validators, compact block relay (compact.ts, compact-relay.ts), the
 * request/response protocols (status, headers, blocks, mempool, blocktxn) with an encoder and
 * decoder for every message (messages.ts), headers-first sync, orphan ancestry fetching, peer
 * costs, inbound eviction by address group (address-group.ts) and persisted bans. discovery/:
 * how peers are found and kept (bootstrap, the address book in the datadir, peer exchange, the
 * DHT, what is announced, the outbound keeper).
 *
 * May import: chain, mempool, consensus, crypto, encoding, collections, fsutil. Never mining,
 * rpc, node, wallet or cli (dependency-cruiser: net-not-to-...).
 */
export { NetService } from './service.js';
export type { NetOptions, PeerInfo, NetEvents } from './service-types.js';
export { wireNames, networkTag, LIMITS, type WireNames } from './protocol.js';
export { PeerScorer, PENALTY, BAN_THRESHOLD } from './scorer.js';
export { BanList, type BanEntry } from './bans.js';
export type { SyncProgress } from './sync.js';
