/**
 * What the testnet dashboard's page receives (GET /api/state and each `state` event): the
 * contract between src/testnet/dashboard and ui/dashboard. Hashes are display-order hex; times
 * are Unix milliseconds of the dashboard's clock.
 */

export type PeerCondition = 'synced' | 'behind' | 'forked' | 'down' | 'starting';

export interface DashboardPeer {
  index: number;
  miner: boolean;
  running: boolean;
  /** The peer's own explorer (its --web page). */
  web: string;
  height: number | null;
  tip: string | null;
  /** Peers (by index) this one has a connection with. */
  connectedTo: number[];
  connections: number | null;
  mempool: number | null;
  /** Hashes per second its miner reports (0 when not mining). */
  hashRate: number | null;
  condition: PeerCondition;
  /** Blocks behind the best tip (0 when synced; on another branch: height difference). */
  behind: number;
  /** Whether its live event feed (the dashboard's source of block arrival times) is connected. */
  feed: 'live' | 'down';
  error?: string;
}

export interface DashboardBlock {
  hash: string;
  height: number;
  prev: string;
  status: 'main' | 'side' | 'invalid';
  /** Peers that have this block on their main chain. */
  peers: number[];
}

export interface BlockArrival {
  hash: string;
  height: number;
  /** The peer that had it first (the miner, usually) and when. */
  first: number;
  firstAt: number;
  /** Per peer index: ms after `firstAt` the block joined that peer's main chain; null: not yet. */
  delays: (number | null)[];
}

export interface TimelineEvent {
  t: number;
  peer: number;
  kind: 'tip' | 'reorg';
  height: number;
  /** Blocks disconnected, for a reorg. */
  depth?: number;
}

export interface FaultSpan {
  id: string;
  fault: string;
  from: number;
  /** Absent while the fault is in effect. */
  to?: number;
  peers?: number[];
  sides?: number[][];
  detail?: string;
}

export interface DashboardState {
  network: string;
  updated: number;
  best: { hash: string; height: number } | null;
  peers: DashboardPeer[];
  tree: { blocks: DashboardBlock[]; orphans: { hash: string; missing: string; peers: number[] }[] };
  propagation: BlockArrival[];
  /** Per miner: [time, hashes per second] samples, oldest first. */
  hashRates: { peer: number; samples: [number, number][] }[];
  timeline: { from: number; to: number; events: TimelineEvent[]; faults: FaultSpan[] };
  /** Groups of running peers that can reach each other (one group: no partition). */
  components: number[][];
  faultsFile: string;
  /** Lines of the fault file that could not be read (malformed JSON, wrong shape). */
  faultLineErrors: number;
}
