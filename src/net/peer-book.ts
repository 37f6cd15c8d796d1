import type { Connection } from '@libp2p/interface';
import { BoundedMap } from '../collections/bounded-map.js';
import { multiaddrGroup } from './address-group.js';
import type { EvictionCandidate } from './eviction.js';

/** What a connected peer has given this node, for choosing whom to keep when slots run out. */
export interface PeerRecord {
  /** ms since the epoch. */
  connectedAt: number;
  /** The last new valid block it sent (gossip or sync), ms; 0 never. */
  lastBlockAt: number;
  /** The last transaction of its that the mempool accepted, ms; 0 never. */
  lastTxAt: number;
  /** Round-trip time of its last status answer, ms. */
  rttMs?: number;
}

/** MAX_PEER_RECORDS: records kept (they are dropped on disconnect; this only bounds a leak). */
const MAX_PEER_RECORDS = 10_000;

/** Per connected peer: when it came, and what it has given since (eviction's protections). */
export class PeerBook {
  private readonly records = new BoundedMap<string, PeerRecord>(MAX_PEER_RECORDS);

  constructor(private readonly nowMs: () => number = () => Date.now()) {}

  connected(peerId: string): void {
    if (!this.records.has(peerId)) this.records.set(peerId, { connectedAt: this.nowMs(), lastBlockAt: 0, lastTxAt: 0 });
  }

  disconnected(peerId: string): void {
    this.records.delete(peerId);
  }

  gaveBlock(peerId: string): void {
    const r = this.records.get(peerId);
    if (r) r.lastBlockAt = this.nowMs();
  }

  gaveTx(peerId: string): void {
    const r = this.records.get(peerId);
    if (r) r.lastTxAt = this.nowMs();
  }

  measuredRtt(peerId: string, ms: number): void {
    const r = this.records.get(peerId);
    if (r) r.rttMs = ms;
  }

  get(peerId: string): PeerRecord | undefined {
    return this.records.get(peerId);
  }

  /** `conns` as eviction candidates: their records, address groups, and libp2p's ping time when it has one. */
  candidates(conns: Connection[], isProtected: (peerId: string) => boolean): EvictionCandidate[] {
    return conns.map((c) => {
      const peerId = c.remotePeer.toString();
      const r = this.records.get(peerId);
      return {
        id: c.id,
        peerId,
        group: multiaddrGroup(c.remoteAddr),
        connectedAt: r?.connectedAt ?? c.timeline.open,
        lastBlockAt: r?.lastBlockAt ?? 0,
        lastTxAt: r?.lastTxAt ?? 0,
        rttMs: c.rtt ?? r?.rttMs,
        protected: isProtected(peerId),
      };
    });
  }
}
