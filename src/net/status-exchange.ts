import type { PeerId } from '@libp2p/interface';
import type { Chain } from '../chain/chain.js';
import { DecodeError } from '../encoding/errors.js';
import { equalBytes } from '../encoding/hex.js';
import type { CostAccount } from './costs.js';
import type { Host } from './host.js';
import { decodeStatus, encodeStatusRequest, MAX_FRAME_BYTES, type StatusMessage } from './messages.js';
import type { PeerBook } from './peer-book.js';
import type { WireNames } from './protocol.js';
import type { ReqResp } from './reqresp.js';
import type { Syncer, SyncPeer } from './sync.js';

/** Retries of a status request that timed out or failed (not one that did not decode), 1 s apart, then 2 s. */
export const STATUS_RETRIES = 2;

export interface StatusExchangeOptions {
  chain: Chain;
  host: Host;
  reqresp: ReqResp;
  names: WireNames;
  syncer: Syncer;
  book: PeerBook;
  costs: CostAccount;
  /** A peer answered with another network's genesis (it has been hung up on). */
  wrongNetwork(id: string, network: string): void;
  stopped(): boolean;
}

/**
 * What each connected peer said of its chain (the status protocol), and the syncs that follow
 * from it: a peer with more work than our tip is synced from. Status is asked on connecting, now
 * and then after, and when a peer's orphans need their ancestry.
 */
export class StatusExchange {
  private readonly statuses = new Map<string, StatusMessage>();

  constructor(private readonly o: StatusExchangeOptions) {}

  /** The last status `peerId` gave, while it is connected. */
  get(peerId: string): StatusMessage | undefined {
    return this.statuses.get(peerId);
  }

  has(peerId: string): boolean {
    return this.statuses.has(peerId);
  }

  /** A peer left: its status no longer counts. */
  forget(peerId: string): void {
    this.statuses.delete(peerId);
  }

  /**
   * Ask `peer` for its status and remember it. A peer of another network is hung up on and
   * answers undefined. Throws what the request throws (ProtocolError, DecodeError).
   */
  async request(peer: PeerId): Promise<StatusMessage | undefined> {
    const sent = performance.now();
    const [frame] = await this.o.reqresp.request(peer, this.o.names.status, encodeStatusRequest(), {
      frames: 1,
      maxFrameBytes: MAX_FRAME_BYTES.status,
    });
    // Its latency: eviction protects the fastest peers.
    this.o.book.measuredRtt(peer.toString(), performance.now() - sent);
    const status = decodeStatus(frame!);
    if (!equalBytes(status.genesis, this.o.chain.params.genesisHash)) {
      this.o.wrongNetwork(peer.toString(), status.network);
      await this.o.host.hangUp(peer);
      return undefined;
    }
    this.statuses.set(peer.toString(), status);
    return status;
  }

  /** Learn a peer's status and sync from it if it has more work; a bad answer costs it, a lost one is retried. */
  async exchange(peer: PeerId, attempt = 0): Promise<void> {
    try {
      const status = await this.request(peer);
      if (status && status.chainWork > this.o.chain.tip.chainWork)
        await this.o.syncer.syncWith({ peerId: peer, status });
    } catch (err) {
      if (err instanceof DecodeError) this.o.costs.charge(peer.toString(), 'bad-frame', `status: ${err.message}`);
      else if (attempt < STATUS_RETRIES && !this.o.stopped()) {
        // A busy or slow peer: try again shortly, a bounded number of times.
        setTimeout(() => void this.exchange(peer, attempt + 1), 1_000 * (attempt + 1)).unref();
      }
    }
  }

  /** Connected peers whose status is known: the ones sync, mempool polls and status rounds use. */
  syncPeers(): SyncPeer[] {
    const out: SyncPeer[] = [];
    for (const conn of this.o.host.getConnections()) {
      const status = this.statuses.get(conn.remotePeer.toString());
      if (status) out.push({ peerId: conn.remotePeer, status });
    }
    return out;
  }

  /**
   * One ancestry fetch (AncestryFetcher decides when): the sender's status, and a sync if it has
   * more work. True when it claimed more work (a sync was asked of it).
   */
  async fetchAncestry(from: string): Promise<boolean> {
    const conn = this.o.host.getConnections().find((c) => c.remotePeer.toString() === from);
    if (!conn) return false;
    const status = await this.request(conn.remotePeer);
    if (!status || status.chainWork <= this.o.chain.tip.chainWork) return false;
    await this.o.syncer.syncWith({ peerId: conn.remotePeer, status });
    return true;
  }
}
