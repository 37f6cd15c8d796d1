import type { Connection } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';

/** libp2p's inbound upgrade timeout: a handshake still pending after this has failed. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The part of a libp2p multiaddr connection the slots look at (libp2p sets `upgraded` as it opens). */
export interface PendingConnection {
  remoteAddr: Multiaddr;
  timeline: { open: number; upgraded?: number; close?: number };
}

export interface SlotsOptions {
  maxInbound: number;
  /** Open connections (the host's). */
  connections: () => Connection[];
  /** The inbound connection to close for a newcomer, or undefined to refuse it (eviction.ts). */
  chooseVictim: (inbound: Connection[]) => Connection | undefined;
  nowMs?: () => number;
}

/**
 * Inbound connection slots, counted from the start of the handshake: the connection gater asks
 * `admitInbound` before the encryption handshake begins, and a connection is counted from then
 * (pending) until it fails or opens (open). So handshakes in flight at once can never take the
 * node past `maxInbound`, as a check made only when a handshake ends would. When every slot is
 * taken, a newcomer gets one by evicting the inbound peer `chooseVictim` names; outbound
 * connections are never counted here and never evicted, so inbound peers cannot take their slots.
 */
export class InboundSlots {
  private readonly pending = new Set<PendingConnection>();
  /** Connections closed to make room, until libp2p reports them closed. */
  private readonly evicting = new Set<string>();
  private readonly nowMs: () => number;

  constructor(private readonly o: SlotsOptions) {
    this.nowMs = o.nowMs ?? (() => Date.now());
  }

  /** Open inbound connections that count (not already being evicted). */
  inbound(): Connection[] {
    return this.o
      .connections()
      .filter((c) => c.direction === 'inbound' && c.status === 'open' && !this.evicting.has(c.id));
  }

  /** Handshakes counted now: admitted, not yet open, not failed. */
  get pendingCount(): number {
    this.prune();
    return this.pending.size;
  }

  /** Gater: may a handshake from this connection begin? Counts it (or evicts to make room). */
  admitInbound(conn: PendingConnection): boolean {
    this.prune();
    const inbound = this.inbound();
    if (inbound.length + this.pending.size >= this.o.maxInbound) {
      const victim = this.o.chooseVictim(inbound);
      if (!victim) return false;
      this.evicting.add(victim.id);
      victim.abort(new Error('evicted to make room for a new inbound peer'));
    }
    this.pending.add(conn);
    return true;
  }

  /** A connection closed (libp2p's connection:close). */
  closed(conn: Connection): void {
    this.evicting.delete(conn.id);
  }

  /**
   * Forget handshakes that ended: upgraded (the connection is open, and counted as such: libp2p
   * sets `upgraded` and adds the connection in one synchronous step), failed (the socket closed),
   * or older than the handshake timeout.
   */
  private prune(): void {
    const now = this.nowMs();
    for (const p of this.pending) {
      const t = p.timeline;
      if (t.upgraded !== undefined || t.close !== undefined || now - t.open > HANDSHAKE_TIMEOUT_MS)
        this.pending.delete(p);
    }
  }
}
