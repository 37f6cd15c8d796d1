export { NetService, type NetOptions, type PeerInfo, type NetEvents } from './service.js';
export { wireNames, networkTag, LIMITS, type WireNames } from './protocol.js';
export { PeerScorer, PENALTY, BAN_THRESHOLD } from './scorer.js';
export { BanList, type BanEntry } from './bans.js';
export type { SyncProgress } from './sync.js';
