import type { Chain } from '../chain/chain.js';
import type { Mempool } from '../mempool/mempool.js';
import type { BanEntry } from './bans.js';
import type { CompactOutcome } from './compact-relay.js';
import type { HostOptions } from './host.js';
import type { StatusMessage } from './messages.js';
import type { SyncEvents } from './sync.js';

/** What NetService is given, what it tells of its peers, and the events it emits. */
export interface NetOptions {
  chain: Chain;
  mempool?: Mempool;
  /** Where the identity key and ban list live; undefined keeps both in memory (tests). */
  datadir?: string;
  bind?: string;
  port?: number;
  /** Multiaddrs to connect to at start and keep reconnecting to. */
  peers?: string[];
  mdns?: boolean;
  maxPeers?: number;
  maxInbound?: number;
  /** Seconds a ban lasts (default 24 h). */
  banSeconds?: number;
  /** Seconds since the epoch (injected). */
  clock: () => number;
  /** libp2p's own metrics (e.g. @libp2p/prometheus-metrics), when the node exports metrics. */
  metrics?: HostOptions['metrics'];
  /** Peers to learn the network from when the address book has nobody to dial (default: the network's seeds). */
  bootstrap?: string[];
  /** Addresses to advertise instead of the listen address (--announce). */
  announce?: string[];
  /** Advertise no address (--no-announce). */
  noAnnounce?: boolean;
  /** On main, advertise and share private-range addresses too (always so on testnet and regtest). */
  announcePrivate?: boolean;
  /** Outbound peers kept (default 8) and at most this many per address group (default 2). */
  maxOutbound?: number;
  maxOutboundPerGroup?: number;
  /**
   * Find peers on its own: the DHT, AutoNAT and the outbound keeper (default on). Off, the node
   * connects only where it is told (tests that build a topology by hand); the address book and
   * peer exchange still run.
   */
  discovery?: boolean;
  /** Announce blocks as compact blocks (default) or whole; both kinds are always received and relayed. */
  compactBlocks?: boolean;
  /** gossipsub's mesh degree and heartbeat (host.ts has the defaults and why). */
  gossip?: HostOptions['gossip'];
}

export interface PeerInfo {
  id: string;
  addresses: string[];
  direction: 'inbound' | 'outbound';
  status?: StatusMessage;
  penalty: number;
  connectedAt: number;
  /** Round-trip time (ms): libp2p's last ping on this connection, else its last status answer; once measured. */
  latencyMs?: number;
  /** What it has made this node spend, by kind (costs.ts). */
  costs: Partial<Record<string, number>>;
  /** When it last gave a new valid block / an accepted transaction, ms since the epoch (0: never). */
  lastBlockAt: number;
  lastTxAt: number;
}

export interface NetEvents extends SyncEvents {
  'peer:connect': [info: { id: string }];
  'peer:disconnect': [info: { id: string }];
  ban: [entry: BanEntry];
  penalty: [info: { peerId: string; points: number; total: number; reason: string }];
  'wrong-network': [info: { id: string; network: string }];
  /** A gossiped message was validated: its topic ('block' or 'tx'; compact blocks count as 'block') and the verdict. */
  gossip: [info: { topic: 'block' | 'tx'; verdict: 'accept' | 'ignore' | 'reject' }];
  /** An inbound peer was disconnected to make room for a new one. */
  evict: [info: { id: string }];
  /** A compact block was rebuilt (or fell back to the full block): how, and what it cost. */
  compact: [outcome: CompactOutcome];
  error: [err: Error];
  /** Something was wrong but the node goes on (a damaged address book set aside). */
  warning: [err: Error];
}
