import { EventEmitter } from 'node:events';
import { multiaddr } from '@multiformats/multiaddr';
import { encodeBlock, type Block } from '../consensus/block.js';
import { encodeTx, type Transaction } from '../consensus/tx.js';
import { BanList, type BanEntry } from './bans.js';
import type { NetEvents, NetOptions, PeerInfo } from './service-types.js';
import type { GossipAdapter } from './gossip.js';
import { openGossip } from './gossip-topics.js';
import { createHost, type Host } from './host.js';
import { loadOrCreateIdentity } from './identity.js';
import { LIMITS, networkTag, wireNames, type WireNames } from './protocol.js';
import { ReqResp } from './reqresp.js';
import { PeerScorer } from './scorer.js';
import { CostAccount } from './costs.js';
import { randomBytes } from 'node:crypto';
import { selectEvictionVictim } from './eviction.js';
import { maxGossipFrameBytes } from './gossip-frames.js';
import { PeerBook } from './peer-book.js';
import { MempoolPoller } from './mempool-poll.js';
import { Syncer } from './sync.js';
import { BlockRelay } from './block-relay.js';
import { StatusExchange, STATUS_RETRIES } from './status-exchange.js';
import type { Discovery } from './discovery/discovery.js';
import { openDiscovery } from './discovery/open.js';
import { Reconnector } from './reconnect.js';
import { announcePolicy } from './discovery/announce.js';
import { isPrivateAddress } from './address-group.js';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { BoundedMap } from '../collections/bounded-map.js';

/** How often connected peers are asked for their status again. */
const STATUS_INTERVAL_MS = 10_000;
const DEFAULT_MAX_PEERS = 50;
/** MAX_MANUAL_PEERS: one-off dials remembered as the operator's (oldest forgotten first). */
const MAX_MANUAL_PEERS = 1_000;
/** Share of the connection slots inbound peers may take, so outbound peers we chose always fit. */
const INBOUND_SHARE = 0.75;
const DEFAULT_BAN_SECONDS = 24 * 3600;
/** How long after a peer connects or disconnects the node counts as busy (for `quiet`). */
const QUIET_AFTER_PEER_CHANGE_MS = 1_000;
/** Every this many status rounds, peers' mempools are compared with ours too. */
const MEMPOOL_POLL_TICKS = 3;

/**
 * The network layer: the libp2p host, gossip (gossip-topics.ts), blocks relayed whole or compact
 * and their ancestry (block-relay.ts), status and sync (status-exchange.ts), discovery, inbound
 * eviction, peer costs and bans. All traffic between this node and others passes through here;
 * this class wires the parts together and owns their life cycle.
 */
export class NetService extends EventEmitter<NetEvents> {
  readonly names: WireNames;
  readonly scorer = new PeerScorer();
  /** What each peer made the node spend, charged to its score. */
  readonly costs = new CostAccount(this.scorer);
  /** When each connected peer came and what it has given since (whom to keep when slots run out). */
  readonly book = new PeerBook();
  /** Ranks address groups for eviction: unknown to anyone else, so no one can tell which groups are safe. */
  private readonly groupKey = randomBytes(32);
  readonly bans: BanList;
  private host!: Host;
  private gossip!: GossipAdapter;
  private reqresp!: ReqResp;
  private syncer!: Syncer;
  private reconnector!: Reconnector;
  private discovery!: Discovery;
  /** Peers connected by an operator's one-off dial (addnode onetry): the keeper never closes them. */
  private readonly manual = new BoundedMap<string, true>(MAX_MANUAL_PEERS);
  private statuses!: StatusExchange;
  private readonly connectedAt = new Map<string, number>();
  private stopped = false;
  /** When a peer last connected or disconnected (performance.now()). */
  private lastPeerChangeMs = -Infinity;
  private mempoolPoller: MempoolPoller | undefined;
  private relay!: BlockRelay;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: NetOptions) {
    super();
    this.names = wireNames(o.chain.params);
    this.bans = new BanList(o.datadir, o.clock);
  }

  async start(): Promise<void> {
    const { chain } = this.o;
    const privateKey = this.o.datadir ? await loadOrCreateIdentity(this.o.datadir) : await generateKeyPair('Ed25519');
    this.host = await createHost({
      privateKey,
      bind: this.o.bind ?? '127.0.0.1',
      port: this.o.port ?? 0,
      mdns: this.o.mdns ?? false,
      maxConnections: this.o.maxPeers ?? DEFAULT_MAX_PEERS,
      maxInbound: this.o.maxInbound ?? Math.max(1, Math.floor((this.o.maxPeers ?? DEFAULT_MAX_PEERS) * INBOUND_SHARE)),
      chooseVictim: (inbound) => {
        const persistent = (p: string) => this.reconnector?.isPersistent(p) ?? false;
        const victim = selectEvictionVictim(this.book.candidates(inbound, persistent), this.groupKey);
        if (victim) this.emit('evict', { id: victim.peerId });
        return victim && inbound.find((c) => c.id === victim.id);
      },
      maxFrameBytes: maxGossipFrameBytes(chain.params.maxBlockBytes),
      onFrameFault: (peerId, fault, reason) => this.costs.charge(peerId, fault, reason),
      topics: [this.names.blockTopic, this.names.compactBlockTopic, this.names.txTopic],
      gossip: this.o.gossip,
      appScore: (p) => this.scorer.appScore(p),
      isBanned: (p) => this.bans.isBanned(p),
      metrics: this.o.metrics,
      networkTag: networkTag(chain.params),
      announce: announcePolicy({
        announce: this.o.announce ?? [],
        noAnnounce: this.o.noAnnounce ?? false,
        allowPrivate: this.allowPrivate,
      }),
      allowPrivate: this.allowPrivate,
      discovery: this.o.discovery ?? true,
    });
    this.reqresp = new ReqResp(this.host, {
      onMisbehaviour: (peerId, reason, kind) =>
        this.costs.charge(peerId, kind === 'rate' ? 'rate-limited' : 'bad-frame', reason),
    });
    this.relay = new BlockRelay({
      chain,
      mempool: this.o.mempool,
      host: this.host,
      reqresp: this.reqresp,
      names: this.names,
      costs: this.costs,
      isBanned: (p) => this.bans.isBanned(p),
      fetchAncestry: (peer) => this.statuses.fetchAncestry(peer),
      publish: (topic, bytes) => this.gossip.publish(topic, bytes),
      compactBlocks: this.o.compactBlocks ?? true,
      stopped: () => this.stopped,
      onError: (err) => this.emit('error', err),
    });
    this.relay.on('compact', (outcome) => this.emit('compact', outcome));
    for (const h of this.relay.handlers()) await this.reqresp.register(h);
    if (this.o.mempool)
      this.mempoolPoller = new MempoolPoller({
        mempool: this.o.mempool,
        reqresp: this.reqresp,
        names: this.names,
        maxTxBytes: chain.params.maxBlockBytes,
        peers: () => this.statuses.syncPeers().map((p) => p.peerId),
        badFrame: (peerId, reason) => this.costs.charge(peerId, 'bad-frame', reason),
      });
    this.discovery = openDiscovery({
      host: this.host,
      reqresp: this.reqresp,
      params: chain.params,
      statusProtocol: this.names.status,
      datadir: this.o.datadir,
      clock: this.o.clock,
      bootstrap: this.o.bootstrap,
      maxOutbound: this.o.maxOutbound,
      maxOutboundPerGroup: this.o.maxOutboundPerGroup,
      allowPrivate: this.allowPrivate,
      isPinned: (p) => (this.reconnector?.isPersistent(p) ?? false) || this.manual.has(p),
      isBanned: (p) => this.bans.isBanned(p),
      penalise: (p, reason) => this.costs.charge(p, 'bad-frame', reason),
      onError: (err) => this.emit('error', err),
      onWarning: (err) => this.emit('warning', err),
    });
    await this.reqresp.register(this.discovery.handler());
    this.gossip = openGossip(this.host, {
      names: this.names,
      costs: this.costs,
      book: this.book,
      isBanned: (peerId) => this.bans.isBanned(peerId),
      blocks: this.relay.blocks,
      compact: this.relay.compact,
      mempool: this.o.mempool,
      onError: (err) => this.emit('error', err),
      onVerdict: (topic, verdict) => this.emit('gossip', { topic, verdict }),
    });
    this.syncer = new Syncer({
      chain,
      reqresp: this.reqresp,
      names: this.names,
      charge: (p, kind, reason) => this.costs.charge(p, kind, reason),
      credit: (p) => this.book.gaveBlock(p),
      peers: () => this.statuses.syncPeers(),
    });
    this.statuses = new StatusExchange({
      chain,
      host: this.host,
      reqresp: this.reqresp,
      names: this.names,
      syncer: this.syncer,
      book: this.book,
      costs: this.costs,
      wrongNetwork: (id, network) => this.emit('wrong-network', { id, network }),
      stopped: () => this.stopped,
    });
    this.syncer.on('progress', (p) => this.emit('progress', p));
    this.syncer.on('done', (d) => {
      this.emit('done', d);
      if (d.blocks > 0) this.relay.announceTip().catch((err: Error) => this.emit('error', err));
      this.fetchMempool().catch((err: Error) => this.emit('error', err));
    });
    this.scorer.on('penalty', (p) => this.emit('penalty', p));
    this.scorer.on('ban', ({ peerId, reason }) => {
      const entry = this.bans.ban(peerId, this.o.banSeconds ?? DEFAULT_BAN_SECONDS, reason);
      this.emit('ban', entry);
      // What it made the node hold goes with it.
      this.gossip.forget(peerId);
      this.o.chain.dropOrphansFrom(peerId);
      this.hangUpId(peerId).catch(() => undefined);
    });
    this.host.addEventListener('peer:identify', (e) => {
      const id = e.detail.peerId.toString();
      if (e.detail.protocols.includes(this.names.status)) void this.statuses.exchange(e.detail.peerId);
      else if (!this.statuses.has(id)) {
        // Not a peer of this network (or not powchain at all): free the connection slot.
        this.emit('wrong-network', { id, network: 'unknown' });
        void this.hangUpId(id);
      }
    });
    this.host.addEventListener('peer:connect', (e) => {
      this.lastPeerChangeMs = performance.now();
      const id = e.detail.toString();
      this.connectedAt.set(id, this.o.clock());
      this.book.connected(id);
      this.emit('peer:connect', { id });
    });
    this.host.addEventListener('peer:disconnect', (e) => {
      this.lastPeerChangeMs = performance.now();
      const id = e.detail.toString();
      this.statuses.forget(id);
      this.connectedAt.delete(id);
      this.book.disconnected(id);
      this.emit('peer:disconnect', { id });
    });
    this.reconnector = new Reconnector(this.host, this.o.peers ?? []);
    this.reconnector.start();
    this.discovery.start({ keeper: this.o.discovery ?? true });
    // Statuses are exchanged on connecting; re-asking now and then catches a peer that got ahead
    // while its announcements were missed, and retries a sync that gave up.
    let ticks = 0;
    this.statusTimer = setInterval(() => {
      for (const { peerId } of this.statuses.syncPeers()) void this.statuses.exchange(peerId, STATUS_RETRIES);
      // Mempools converge even when gossip missed something: a relay dropped as a duplicate by
      // gossipsub's seen-cache (transactions re-admitted after a reorg), or a peer that was away.
      if (++ticks % MEMPOOL_POLL_TICKS === 0 && !this.syncer.syncing) void this.fetchMempool();
    }, STATUS_INTERVAL_MS);
    this.statusTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.statusTimer);
    this.relay?.close();
    this.gossip?.close();
    this.bans.flush();
    this.reconnector?.stop();
    this.discovery?.stop();
    await this.host?.stop();
  }

  /** Private and reserved address ranges are normal on every network but main, and on main when told. */
  private get allowPrivate(): boolean {
    return this.o.chain.params.name !== 'main' || (this.o.announcePrivate ?? false);
  }

  /** How many peers the address book holds, and this node's outbound peers (getnetworkinfo). */
  addressBook(): { known: number; outbound: string[] } {
    return { known: this.discovery.bookSize, outbound: this.discovery.keeper.outboundPeers() };
  }

  /** Up to `n` known-good peers of the address book (getnodeaddresses). */
  knownAddresses(n: number) {
    return this.discovery.knownGood(n);
  }

  /**
   * Whether others can dial this node, as far as it knows: 'public' when it advertises a public
   * address (a listen address on one, given with --announce, or an observed one AutoNAT has
   * confirmed: libp2p advertises observed addresses only once confirmed), else 'private'.
   */
  reachability(): 'public' | 'private' {
    return this.host.getMultiaddrs().some((m) => !isPrivateAddress(m)) ? 'public' : 'private';
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }

  listenAddresses(): string[] {
    return this.host.getMultiaddrs().map((m) => m.toString());
  }

  get syncing(): boolean {
    return this.syncer.syncing;
  }

  /**
   * Nothing waiting for validation, no sync running, and no peer come or gone for a second: a
   * burst of traffic is over. (Connections closing free their memory for a while after; a full
   * collection in the middle of a connection flood is the longest task the node would run.)
   */
  get quiet(): boolean {
    return (
      !this.syncer.syncing &&
      this.gossip.queued === 0 &&
      performance.now() - this.lastPeerChangeMs >= QUIET_AFTER_PEER_CHANGE_MS
    );
  }

  // ---- gossip ---------------------------------------------------------------------------------

  /** Announce a block this node has validated (mined, submitted): BlockRelay.publishBlock. */
  async publishBlock(block: Block, bytes = encodeBlock(block)): Promise<number> {
    return this.relay.publishBlock(block, bytes);
  }

  async publishTx(tx: Transaction, bytes = encodeTx(tx)): Promise<number> {
    return this.gossip.publish(this.names.txTopic, bytes);
  }

  // ---- status, sync, ancestry -----------------------------------------------------------------

  /** Fetch transactions we lack from every connected peer's mempool (one poll at a time). */
  private async fetchMempool(): Promise<void> {
    await this.mempoolPoller?.poll();
  }

  // ---- peers, operator actions ----------------------------------------------------------------

  peers(): PeerInfo[] {
    // Not the connections already closing (an eviction): they no longer hold a slot.
    return this.host
      .getConnections()
      .filter((c) => c.status === 'open')
      .map((c) => {
        const id = c.remotePeer.toString();
        return {
          id,
          addresses: [c.remoteAddr.toString()],
          direction: c.direction,
          status: this.statuses.get(id),
          penalty: this.scorer.penalty(id),
          connectedAt: this.connectedAt.get(id) ?? 0,
          latencyMs: c.rtt ?? this.book.get(id)?.rttMs,
          costs: this.costs.tally(id),
          lastBlockAt: this.book.get(id)?.lastBlockAt ?? 0,
          lastTxAt: this.book.get(id)?.lastTxAt ?? 0,
        };
      });
  }

  async connect(addr: string): Promise<string> {
    const conn = await this.host.dial(multiaddr(addr), { signal: AbortSignal.timeout(LIMITS.requestTimeoutMs) });
    this.manual.set(conn.remotePeer.toString(), true);
    return conn.remotePeer.toString();
  }

  /** Keep dialling `addr` with backoff (addnode add). */
  addPersistentPeer(addr: string): void {
    this.reconnector.add(addr);
  }

  removePersistentPeer(addr: string): boolean {
    return this.reconnector.remove(addr);
  }

  async disconnect(peerId: string): Promise<boolean> {
    return this.hangUpId(peerId);
  }

  private async hangUpId(peerId: string): Promise<boolean> {
    const conns = this.host.getConnections().filter((c) => c.remotePeer.toString() === peerId);
    for (const c of conns) await c.close().catch(() => c.abort(new Error('banned')));
    return conns.length > 0;
  }

  async ban(peerId: string, seconds: number, reason = 'manual'): Promise<BanEntry> {
    const entry = this.bans.ban(peerId, seconds, reason);
    await this.hangUpId(peerId);
    return entry;
  }
}
