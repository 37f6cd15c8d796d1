import { randomBytes } from 'node:crypto';
import { KEEP_ALIVE, type IdentifyResult, type Libp2pEvents, type PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { BoundedMap } from '../../collections/bounded-map.js';
import { DecodeError } from '../../encoding/errors.js';
import type { Host } from '../host.js';
import { ProtocolError, type Handler, type ReqResp } from '../reqresp.js';
import type { AddressBook, AddressSource, BookEntry } from './address-book.js';
import { isPrivateAddress } from '../address-group.js';
import {
  decodeExchange,
  decodeExchangeRequest,
  encodeExchange,
  encodeExchangeRequest,
  EXCHANGE_LIMITS,
  type ExchangedPeer,
} from './exchange.js';
import { OutboundKeeper, type OutboundLimits } from './outbound.js';

/** Connections whose peer was asked for addresses (one exchange per connection). */
const MAX_EXCHANGED = 10_000;
/** How long a DHT walk for new peers may take. */
const DHT_WALK_MS = 15_000;

export interface DiscoveryOptions extends OutboundLimits {
  host: Host;
  reqresp: ReqResp;
  book: AddressBook;
  /** The peer exchange protocol's name (it carries the network tag). */
  protocol: string;
  /** The status protocol: a peer that speaks it is of this network. */
  statusProtocol: string;
  bootstrap: readonly string[];
  /** Private and reserved ranges are fine to keep and share (not main, or main when told). */
  allowPrivate: boolean;
  isPinned(peerId: string): boolean;
  isBanned(peerId: string): boolean;
  /** A peer sent an address list that does not decode. */
  penalise(peerId: string, reason: string): void;
  onError(err: Error): void;
}

/**
 * How this node finds peers and keeps them: the address book fed by identify (what peers say
 * they listen on), peer exchange (what they know to be good) and the DHT (peers of this network
 * found by random walks), and the outbound keeper dialling from it. docs/architecture.md
 * ("Discovery") tells the whole story.
 */
export class Discovery {
  readonly keeper: OutboundKeeper;
  private readonly exchanged = new BoundedMap<string, true>(MAX_EXCHANGED);
  private readonly onIdentify = (e: Libp2pEvents['peer:identify']) => this.identified(e.detail);
  private readonly onDiscovery = (e: Libp2pEvents['peer:discovery']) =>
    this.record(e.detail.id.toString(), e.detail.multiaddrs, 'dht');
  /**
   * The keeper alone decides which peers to stay connected to. kad-dht tags its 20 closest peers
   * keep-alive, and libp2p redials keep-alive peers whenever they disconnect: on a network of a
   * few dozen that is everyone, a full mesh the keeper closes and libp2p reopens every 20 s
   * (seen on 16 peers: 10-15 outbound connections each instead of 4). So those tags are removed.
   */
  private readonly onPeerUpdate = (e: Libp2pEvents['peer:update']) => {
    const keepAlive = [...e.detail.peer.tags.keys()].filter((t) => t.startsWith(KEEP_ALIVE));
    if (keepAlive.length === 0) return;
    const tags = Object.fromEntries(keepAlive.map((t) => [t, undefined]));
    this.o.host.peerStore.merge(e.detail.peer.id, { tags }).catch(() => undefined);
  };

  constructor(private readonly o: DiscoveryOptions) {
    this.keeper = new OutboundKeeper({
      host: o.host,
      book: o.book,
      target: o.target,
      maxPerGroup: o.maxPerGroup,
      bootstrap: o.bootstrap,
      isPinned: o.isPinned,
      isBanned: o.isBanned,
      discover: () => this.walk(),
      onError: o.onError,
    });
  }

  /** The peer exchange protocol's handler: our known-good peers, never the asker itself. */
  handler(): Handler {
    return {
      protocol: this.o.protocol,
      maxRequestBytes: 16,
      respond: (req, peerId) => {
        try {
          decodeExchangeRequest(req);
        } catch (err) {
          if (err instanceof DecodeError) throw new ProtocolError('bad-frame', err.message);
          throw err;
        }
        return [encodeExchange(this.shareable(peerId))];
      },
    };
  }

  /** Known-good peers first, then peers connected now (alive, though not dialled by us). */
  private shareable(asker: string): ExchangedPeer[] {
    const connected = new Set(this.o.host.getConnections().map((c) => c.remotePeer.toString()));
    const good = this.o.book.good(EXCHANGE_LIMITS.maxPeers + 1);
    const live = this.o.book
      .all()
      .filter((e) => connected.has(e.id))
      .sort((a, b) => b.lastSeen - a.lastSeen);
    const out = new Map<string, ExchangedPeer>();
    for (const e of [...good, ...live]) {
      if (e.id === asker || out.has(e.id)) continue;
      const addrs = e.addrs.filter((a) => this.acceptable(a));
      if (addrs.length > 0) out.set(e.id, { id: e.id, addrs });
      if (out.size >= EXCHANGE_LIMITS.maxPeers) break;
    }
    return [...out.values()];
  }

  /** Listen to identify and the DHT; with `keeper`, keep outbound peers too. */
  start(o: { keeper: boolean }): void {
    this.o.host.addEventListener('peer:identify', this.onIdentify);
    this.o.host.addEventListener('peer:discovery', this.onDiscovery);
    if (o.keeper) {
      this.o.host.addEventListener('peer:update', this.onPeerUpdate);
      this.keeper.start();
    }
  }

  stop(): void {
    this.keeper.stop();
    this.o.host.removeEventListener('peer:identify', this.onIdentify);
    this.o.host.removeEventListener('peer:discovery', this.onDiscovery);
    this.o.host.removeEventListener('peer:update', this.onPeerUpdate);
    this.o.book.save();
  }

  knownGood(n: number): Readonly<BookEntry>[] {
    return this.o.book.good(n);
  }

  get bookSize(): number {
    return this.o.book.size;
  }

  private acceptable(addr: string | Multiaddr): boolean {
    if (this.o.allowPrivate) return true;
    try {
      return !isPrivateAddress(typeof addr === 'string' ? multiaddr(addr) : addr);
    } catch {
      return false;
    }
  }

  private record(id: string, addrs: readonly (Multiaddr | string)[], source: AddressSource): void {
    if (id === this.o.host.peerId.toString() || this.o.isBanned(id)) return;
    this.o.book.heard(
      id,
      addrs.filter((a) => this.acceptable(a)),
      source,
    );
  }

  /**
   * A peer told us who it is. One of this network's: keep the addresses it listens on; if we
   * dialled it, it is reachable (a success in the book), and we ask it for the peers it knows.
   * Another network's peer is forgotten.
   */
  private identified(d: IdentifyResult): void {
    const id = d.peerId.toString();
    if (!d.protocols.includes(this.o.statusProtocol)) {
      this.o.book.forget(id);
      return;
    }
    this.record(id, d.listenAddrs, 'identify');
    if (d.connection.direction !== 'outbound') return;
    this.o.book.succeeded(id);
    if (this.exchanged.has(d.connection.id)) return;
    this.exchanged.set(d.connection.id, true);
    void this.exchange(d.peerId);
  }

  /** Ask `peer` for the peers it knows; a list that does not decode costs it. */
  private async exchange(peer: PeerId): Promise<void> {
    try {
      const [frame] = await this.o.reqresp.request(peer, this.o.protocol, encodeExchangeRequest(), {
        frames: 1,
        maxFrameBytes: EXCHANGE_LIMITS.maxFrameBytes,
      });
      for (const p of decodeExchange(frame!)) this.record(p.id, p.addrs, 'exchange');
    } catch (err) {
      if (err instanceof DecodeError) this.o.penalise(peer.toString(), `address list: ${err.message}`);
      else if (err instanceof ProtocolError && err.code === 'bad-frame')
        this.o.penalise(peer.toString(), `address list: ${err.message}`);
      // A peer that does not answer (an older node, or busy) just told us nothing.
    }
  }

  /** A DHT walk: look up a random key; every peer met on the way goes into the book. */
  private async walk(): Promise<void> {
    const dht = this.o.host.services.dht;
    if (!dht) return;
    const signal = AbortSignal.timeout(DHT_WALK_MS);
    try {
      for await (const ev of dht.getClosestPeers(randomBytes(32), { signal })) {
        if (ev.name === 'FINAL_PEER') this.record(ev.peer.id.toString(), ev.peer.multiaddrs, 'dht');
        else if (ev.name === 'PEER_RESPONSE')
          for (const p of ev.closer) this.record(p.id.toString(), p.multiaddrs, 'dht');
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }
}
