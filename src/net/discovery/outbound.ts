import type { Connection, PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { AddressBook, BookEntry } from './address-book.js';
import { multiaddrGroup } from '../address-group.js';

/** Outbound peer policy: how many, and how few per address group. */
export interface OutboundLimits {
  /** Outbound peers the keeper keeps (its own dials, persistent peers and adopted connections). */
  target: number;
  /** At most this many of them in one address group (/16): an attacker with one network block cannot be all of them. */
  maxPerGroup: number;
}

export const DEFAULT_OUTBOUND: OutboundLimits = { target: 8, maxPerGroup: 2 };

/** A dial the keeper decided on. */
export interface PlannedDial {
  id: string;
  addr: string;
  group: string;
}

/**
 * Which candidates to dial: in the book's order, skipping peers in `skip` (connected, ourselves,
 * banned), each at its first address whose group still has room, until `need` are chosen. Pure:
 * `groups` (outbound peers per group now) is not changed.
 */
export function planDials(
  candidates: readonly Pick<BookEntry, 'id' | 'addrs'>[],
  o: { need: number; maxPerGroup: number; groups: ReadonlyMap<string, number>; skip: (id: string) => boolean },
): PlannedDial[] {
  const groups = new Map(o.groups);
  const out: PlannedDial[] = [];
  for (const c of candidates) {
    if (out.length >= o.need) break;
    if (o.skip(c.id)) continue;
    for (const addr of c.addrs) {
      const group = multiaddrGroup(multiaddr(addr));
      if ((groups.get(group) ?? 0) >= o.maxPerGroup) continue;
      groups.set(group, (groups.get(group) ?? 0) + 1);
      out.push({ id: c.id, addr, group });
      break;
    }
  }
  return out;
}

/** What the keeper needs of the libp2p host. */
export interface KeeperHost {
  peerId: PeerId;
  getConnections(): Connection[];
  dial(ma: Multiaddr, o: { signal: AbortSignal }): Promise<Connection>;
}

export interface KeeperOptions extends OutboundLimits {
  host: KeeperHost;
  book: AddressBook;
  /** Bootstrap addresses (--bootstrap and the network's seeds), dialled when the book gives too few. */
  bootstrap: readonly string[];
  /** Peers the operator asked for (--peer, addnode): counted, never closed, exempt from the group limit. */
  isPinned(peerId: string): boolean;
  isBanned(peerId: string): boolean;
  /** Look for more peers (a DHT walk); called when the book has nobody left to try. */
  discover(): Promise<void>;
  onError(err: Error): void;
}

/** How often the keeper looks at its outbound peers: often while short of the target, rarely once there. */
const TICK_SHORT_MS = 2_000;
const TICK_FULL_MS = 15_000;
/** Dials started per tick, at most (each waits up to DIAL_TIMEOUT_MS). */
const MAX_DIALS_PER_TICK = 4;
const DIAL_TIMEOUT_MS = 10_000;
/** An outbound connection the keeper did not open (a DHT query's) is closed after this long unless adopted. */
const TRANSIENT_GRACE_MS = 20_000;
/** Bootstrap and discovery are tried at most this often. */
const BOOTSTRAP_EVERY_MS = 30_000;
const DISCOVER_EVERY_MS = 20_000;

/**
 * Keeps `target` outbound peers, at most `maxPerGroup` per address group, with a maintenance
 * loop: each tick it drops peers that went away, adopts outbound connections others opened (a
 * DHT query's) while there is room and closes them after a grace period when there is not, and
 * dials the book's best candidates into the room left. When the book has nobody to try, it dials
 * the bootstrap list and asks the DHT for more. Inbound peers are never counted here: their own
 * cap is the host's (maxInbound), so the two limits are separate.
 */
export class OutboundKeeper {
  /** Peers counted as our outbound peers (pinned ones are counted without being here). */
  private readonly owned = new Set<string>();
  private readonly dialling = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastBootstrap = -Infinity;
  private lastDiscover = -Infinity;
  private ticking = false;

  constructor(private readonly o: KeeperOptions) {}

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Our outbound peers now, by id: the keeper's own and the pinned ones. */
  outboundPeers(): string[] {
    return [...new Set(this.outboundConns().map((c) => c.remotePeer.toString()))].filter(
      (id) => this.owned.has(id) || this.o.isPinned(id),
    );
  }

  private outboundConns(): Connection[] {
    return this.o.host.getConnections().filter((c) => c.direction === 'outbound' && c.status === 'open');
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  /** One round of maintenance (exposed so tests can drive it). */
  async tick(): Promise<void> {
    if (this.ticking || !this.running) return;
    this.ticking = true;
    try {
      await this.maintain();
    } catch (err) {
      this.o.onError(err as Error);
    } finally {
      try {
        this.o.book.save();
      } catch (err) {
        this.o.onError(err as Error);
      }
      this.ticking = false;
      this.schedule(this.outboundPeers().length < this.o.target ? TICK_SHORT_MS : TICK_FULL_MS);
    }
  }

  private async maintain(): Promise<void> {
    const conns = this.outboundConns();
    const connected = new Set(this.o.host.getConnections().map((c) => c.remotePeer.toString()));
    for (const id of this.owned) if (!connected.has(id)) this.owned.delete(id);
    const groups = new Map<string, number>();
    const count = (c: Connection) =>
      groups.set(multiaddrGroup(c.remoteAddr), (groups.get(multiaddrGroup(c.remoteAddr)) ?? 0) + 1);
    for (const c of conns) if (this.owned.has(c.remotePeer.toString())) count(c);
    let have = this.outboundPeers().length;
    // Connections others opened: adopt while there is room, close once their grace is over.
    for (const c of conns) {
      const id = c.remotePeer.toString();
      if (this.owned.has(id) || this.o.isPinned(id)) continue;
      const g = multiaddrGroup(c.remoteAddr);
      if (have < this.o.target && (groups.get(g) ?? 0) < this.o.maxPerGroup) {
        this.owned.add(id);
        count(c);
        have++;
      } else if (Date.now() - c.timeline.open > TRANSIENT_GRACE_MS) {
        await c.close().catch((err: Error) => c.abort(err));
      }
    }
    const need = Math.min(MAX_DIALS_PER_TICK, this.o.target - have - this.dialling.size);
    if (need <= 0) return;
    const self = this.o.host.peerId.toString();
    const plan = planDials(this.o.book.candidates(), {
      need,
      maxPerGroup: this.o.maxPerGroup,
      groups,
      skip: (id) => id === self || connected.has(id) || this.dialling.has(id) || this.o.isBanned(id),
    });
    const dials = plan.map((d) => this.dial(d));
    if (plan.length < need) {
      const now = Date.now();
      if (have + plan.length === 0 && now - this.lastBootstrap >= BOOTSTRAP_EVERY_MS && this.o.bootstrap.length > 0) {
        this.lastBootstrap = now;
        for (const addr of this.o.bootstrap) dials.push(this.dialBootstrap(addr));
      }
      if (now - this.lastDiscover >= DISCOVER_EVERY_MS && have > 0) {
        this.lastDiscover = now;
        dials.push(this.o.discover().catch((err: Error) => this.o.onError(err)));
      }
    }
    await Promise.all(dials);
  }

  private async dial(d: PlannedDial): Promise<void> {
    this.dialling.add(d.id);
    this.o.book.attempted(d.id);
    try {
      const conn = await this.o.host.dial(multiaddr(`${d.addr}/p2p/${d.id}`), {
        signal: AbortSignal.timeout(DIAL_TIMEOUT_MS),
      });
      this.owned.add(conn.remotePeer.toString());
      // Success is recorded when the peer identifies as one of this network's (Discovery).
    } catch {
      this.o.book.failed(d.id);
    } finally {
      this.dialling.delete(d.id);
    }
  }

  private async dialBootstrap(addr: string): Promise<void> {
    try {
      const conn = await this.o.host.dial(multiaddr(addr), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
      this.owned.add(conn.remotePeer.toString());
    } catch {
      // tried again after BOOTSTRAP_EVERY_MS while the node has no outbound peer
    }
  }
}
