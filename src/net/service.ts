import { EventEmitter } from 'node:events';
import type { PeerId } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { ChainEvents } from '../chain/types.js';
import { decodeBlockWithTxids, encodeBlock, type Block } from '../consensus/block.js';
import { headerHash } from '../consensus/header.js';
import { encodeTx, type Transaction } from '../consensus/tx.js';
import { DecodeError } from '../encoding/errors.js';
import { equalBytes, hashToHex } from '../encoding/hex.js';
import { BanList, type BanEntry } from './bans.js';
import { BlockGossipValidator, validateGossipTx } from './gossip-validators.js';
import type { NetEvents, NetOptions, PeerInfo } from './service-types.js';
import { GossipAdapter } from './gossip.js';
import { CompactRelay } from './compact-relay.js';
import { protocolHandlers } from './handlers.js';
import { createHost, type Host } from './host.js';
import { loadOrCreateIdentity } from './identity.js';
import { decodeStatus, encodeStatusRequest, MAX_FRAME_BYTES, type StatusMessage } from './messages.js';
import { LIMITS, networkTag, wireNames, type WireNames } from './protocol.js';
import { ReqResp } from './reqresp.js';
import { PeerScorer } from './scorer.js';
import { CostAccount } from './costs.js';
import { randomBytes } from 'node:crypto';
import { selectEvictionVictim } from './eviction.js';
import { maxGossipFrameBytes } from './gossip-frames.js';
import { PeerBook } from './peer-book.js';
import { MempoolPoller } from './mempool-poll.js';
import { AncestryFetcher } from './ancestry.js';
import { RejectCode } from '../consensus/errors.js';
import { Syncer } from './sync.js';
import { Reconnector } from './reconnect.js';
import { AddressBook } from './discovery/address-book.js';
import { announcePolicy } from './discovery/announce.js';
import { Discovery } from './discovery/discovery.js';
import { DEFAULT_OUTBOUND } from './discovery/outbound.js';
import { isPrivateAddress } from './address-group.js';
import { SEEDS } from './discovery/seeds.js';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { BoundedMap } from '../collections/bounded-map.js';

/** How often connected peers are asked for their status again. */
const STATUS_INTERVAL_MS = 10_000;
/** Retries of a status request that timed out or failed (not one that did not decode), 1 s apart, then 2 s. */
const STATUS_RETRIES = 2;
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

/** A libp2p peer id (base58btc), not one of the chain's other sources ('rpc', 'local', 'miner'). */
function looksLikePeerId(source: string): boolean {
  return /^(12D3KooW|16Uiu2|Qm)[1-9A-HJ-NP-Za-km-z]{30,}$/.test(source);
}

/**
 * The network layer: the libp2p host, gossip of blocks and transactions, the request/response
 * protocols, sync and orphan ancestry fetching, peer scoring and bans. All traffic between this
 * node and others passes through here.
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
  private readonly statuses = new Map<string, StatusMessage>();
  private readonly connectedAt = new Map<string, number>();
  /** Asks orphans' senders for their ancestry, deduplicated and bounded by what is in flight. */
  private readonly ancestry: AncestryFetcher;
  private stopped = false;
  /** When a peer last connected or disconnected (performance.now()). */
  private lastPeerChangeMs = -Infinity;
  private mempoolPoller: MempoolPoller | undefined;
  private readonly blocks: BlockGossipValidator;
  private compact!: CompactRelay;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: NetOptions) {
    super();
    this.names = wireNames(o.chain.params);
    this.bans = new BanList(o.datadir, o.clock);
    this.ancestry = new AncestryFetcher({
      fetch: (peer) => this.fetchAncestry(peer),
      connected: (peer) => this.host.getConnections().some((c) => c.remotePeer.toString() === peer),
      progress: () => o.chain.tip.chainWork,
      wasted: (peer, reason) => this.costs.charge(peer, 'ancestry-wasted', reason),
    });
    this.blocks = new BlockGossipValidator(o.chain, {
      fetchAncestry: (from, missing) => this.ancestry.request(from, missing),
      orphanRefused: (from) => this.costs.charge(from, 'orphan-dropped', 'refused: over its orphan quota'),
      onError: (err) => this.emit('error', err),
      onAccept: (hash, block, txids) => this.compact?.remember(hash, block, txids),
    });
  }

  /** An orphan left the pool without connecting: its sender pays (unless it is gone for good, banned). */
  private readonly onOrphanDropped = ({ hash, source, reason }: ChainEvents['orphan-dropped'][0]) => {
    if (reason !== 'source-dropped' && looksLikePeerId(source))
      this.costs.charge(source, 'orphan-dropped', `orphan ${hashToHex(hash)} ${reason}`);
  };

  /** An orphan from a peer banned while its block was being checked: it goes at once, as the rest did. */
  private readonly onOrphan = ({ source }: { source: string }) => {
    if (this.bans.isBanned(source)) this.o.chain.dropOrphansFrom(source);
  };

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
    this.compact = new CompactRelay({
      chain,
      mempool: this.o.mempool,
      reqresp: this.reqresp,
      names: this.names,
      validateBlock: (block, bytes, txids, from) => this.blocks.validateBlock(block, bytes, txids, from),
      refuseOrphanOverQuota: (parent, from) => this.blocks.refuseOrphanOverQuota(parent, from),
      peers: () => this.host.getConnections().map((c) => c.remotePeer),
      charge: (p, kind, reason) => this.costs.charge(p, kind, reason),
    });
    this.compact.on('outcome', (o) => this.emit('compact', o));
    for (const h of protocolHandlers(this.names, chain, this.o.mempool, (hash) => this.compact.recentBlockBytes(hash)))
      await this.reqresp.register(h);
    await this.reqresp.register(this.compact.handler());
    if (this.o.mempool)
      this.mempoolPoller = new MempoolPoller({
        mempool: this.o.mempool,
        reqresp: this.reqresp,
        names: this.names,
        maxTxBytes: chain.params.maxBlockBytes,
        peers: () => this.syncPeers().map((p) => p.peerId),
        badFrame: (peerId, reason) => this.costs.charge(peerId, 'bad-frame', reason),
      });
    this.discovery = this.createDiscovery();
    await this.reqresp.register(this.discovery.handler());
    this.gossip = new GossipAdapter(this.host, {
      isBanned: (peerId) => this.bans.isBanned(peerId),
      onReject: (peerId, topic, code, reason) =>
        this.costs.charge(peerId, 'invalid-gossip', `${topic}: ${code} ${reason}`),
      onIgnore: (peerId, topic, code, reason) => {
        if (topic === this.names.txTopic && code === RejectCode.InputsMissingOrSpent)
          this.costs.charge(peerId, 'unconnectable-tx', reason);
      },
      onAccept: (peerId, topic) => {
        if (topic === this.names.blockTopic || topic === this.names.compactBlockTopic) this.book.gaveBlock(peerId);
        else if (topic === this.names.txTopic) this.book.gaveTx(peerId);
      },
      onOverflow: (peerId, topic) => this.costs.charge(peerId, 'gossip-overflow', topic),
      onError: (err) => this.emit('error', err),
      onVerdict: (topic, verdict) =>
        this.emit('gossip', { topic: topic === this.names.txTopic ? 'tx' : 'block', verdict }),
    });
    this.gossip.on(this.names.blockTopic, (data, from) => this.blocks.validate(data, from));
    this.gossip.on(this.names.compactBlockTopic, (data, from) => this.compact.validate(data, from));
    this.gossip.on(this.names.txTopic, (data) => validateGossipTx(this.o.mempool, data));
    this.syncer = new Syncer({
      chain,
      reqresp: this.reqresp,
      names: this.names,
      charge: (p, kind, reason) => this.costs.charge(p, kind, reason),
      credit: (p) => this.book.gaveBlock(p),
      peers: () => this.syncPeers(),
    });
    this.syncer.on('progress', (p) => this.emit('progress', p));
    this.syncer.on('done', (d) => {
      this.emit('done', d);
      if (d.blocks > 0) this.announceTip().catch((err: Error) => this.emit('error', err));
      this.fetchMempool().catch((err: Error) => this.emit('error', err));
    });
    this.scorer.on('penalty', (p) => this.emit('penalty', p));
    chain.on('orphan-dropped', this.onOrphanDropped);
    chain.on('orphan', this.onOrphan);
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
      if (e.detail.protocols.includes(this.names.status)) void this.exchangeStatus(e.detail.peerId);
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
      this.statuses.delete(id);
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
      for (const { peerId } of this.syncPeers()) void this.exchangeStatus(peerId, STATUS_RETRIES);
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
    this.o.chain.off('orphan-dropped', this.onOrphanDropped);
    this.o.chain.off('orphan', this.onOrphan);
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

  /** The address book (from the datadir), peer exchange, the DHT walks and the outbound keeper. */
  private createDiscovery(): Discovery {
    let book: AddressBook;
    if (this.o.datadir) {
      const loaded = AddressBook.load(this.o.datadir, this.o.clock);
      book = loaded.book;
      if (loaded.error) this.emit('warning', loaded.error);
    } else book = AddressBook.inMemory(this.o.clock);
    return new Discovery({
      host: this.host,
      reqresp: this.reqresp,
      book,
      protocol: `/powchain/${networkTag(this.o.chain.params)}/addrs/1`,
      statusProtocol: this.names.status,
      bootstrap: this.o.bootstrap ?? SEEDS[this.o.chain.params.name],
      allowPrivate: this.allowPrivate,
      target: this.o.maxOutbound ?? DEFAULT_OUTBOUND.target,
      maxPerGroup: this.o.maxOutboundPerGroup ?? DEFAULT_OUTBOUND.maxPerGroup,
      isPinned: (p) => (this.reconnector?.isPersistent(p) ?? false) || this.manual.has(p),
      isBanned: (p) => this.bans.isBanned(p),
      penalise: (p, reason) => this.costs.charge(p, 'bad-frame', reason),
      onError: (err) => this.emit('error', err),
    });
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

  /**
   * Announce a block this node has validated (mined, submitted): as a compact block unless
   * `compactBlocks` is off. Returns the number of peers it was sent to.
   */
  async publishBlock(block: Block, bytes = encodeBlock(block)): Promise<number> {
    if (this.o.compactBlocks === false) return this.gossip.publish(this.names.blockTopic, bytes);
    const txids = decodeBlockWithTxids(bytes).txids;
    const compact = this.compact.announce(headerHash(block.header), block, txids);
    return this.gossip.publish(this.names.compactBlockTopic, compact);
  }

  async publishTx(tx: Transaction, bytes = encodeTx(tx)): Promise<number> {
    return this.gossip.publish(this.names.txTopic, bytes);
  }

  // ---- status, sync, ancestry -----------------------------------------------------------------

  /**
   * Ask `peer` for its status and remember it. A peer of another network is hung up on and
   * answers undefined. Throws what the request throws (ProtocolError, DecodeError).
   */
  private async requestStatus(peer: PeerId): Promise<StatusMessage | undefined> {
    const sent = performance.now();
    const [frame] = await this.reqresp.request(peer, this.names.status, encodeStatusRequest(), {
      frames: 1,
      maxFrameBytes: MAX_FRAME_BYTES.status,
    });
    // Its latency: eviction protects the fastest peers.
    this.book.measuredRtt(peer.toString(), performance.now() - sent);
    const status = decodeStatus(frame!);
    if (!equalBytes(status.genesis, this.o.chain.params.genesisHash)) {
      this.emit('wrong-network', { id: peer.toString(), network: status.network });
      await this.host.hangUp(peer);
      return undefined;
    }
    this.statuses.set(peer.toString(), status);
    return status;
  }

  /** Learn a peer's status and sync from it if it has more work; a bad answer costs it, a lost one is retried. */
  private async exchangeStatus(peer: PeerId, attempt = 0): Promise<void> {
    try {
      const status = await this.requestStatus(peer);
      if (status && status.chainWork > this.o.chain.tip.chainWork) await this.syncer.syncWith({ peerId: peer, status });
    } catch (err) {
      if (err instanceof DecodeError) this.costs.charge(peer.toString(), 'bad-frame', `status: ${err.message}`);
      else if (attempt < STATUS_RETRIES && !this.stopped) {
        // A busy or slow peer: try again shortly, a bounded number of times.
        setTimeout(() => void this.exchangeStatus(peer, attempt + 1), 1_000 * (attempt + 1)).unref();
      }
    }
  }

  private syncPeers() {
    const out = [];
    for (const conn of this.host.getConnections()) {
      const status = this.statuses.get(conn.remotePeer.toString());
      if (status) out.push({ peerId: conn.remotePeer, status });
    }
    return out;
  }

  /**
   * One ancestry fetch (AncestryFetcher decides when): the sender's status, and a sync if it has
   * more work. True when it claimed more work (a sync was asked of it).
   */
  private async fetchAncestry(from: string): Promise<boolean> {
    const conn = this.host.getConnections().find((c) => c.remotePeer.toString() === from);
    if (!conn) return false;
    const status = await this.requestStatus(conn.remotePeer);
    if (!status || status.chainWork <= this.o.chain.tip.chainWork) return false;
    await this.syncer.syncWith({ peerId: conn.remotePeer, status });
    return true;
  }

  /**
   * After a sync moved our tip, gossip the tip block once: a peer that lacks its ancestry takes it
   * as an orphan and fetches the ancestry from us, so new work crosses a line of peers hop by hop
   * (status is only exchanged on connecting). Peers that have it drop it as a duplicate.
   */
  private async announceTip(): Promise<void> {
    // A session can end while the node shuts down: the database may be closed already.
    if (this.stopped || !this.o.chain.isOpen) return;
    const bytes = this.o.chain.getBlockBytes(this.o.chain.tip.hash);
    if (!bytes) return;
    await this.gossip.publish(this.names.blockTopic, bytes).catch(() => undefined);
  }

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
