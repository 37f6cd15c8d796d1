import { gossipsub, type GossipSub, type GossipSubComponents } from '@chainsafe/libp2p-gossipsub';
import { createPeerScoreParams, createTopicScoreParams } from '@chainsafe/libp2p-gossipsub/score';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Connection, Libp2p, PeerId, PrivateKey } from '@libp2p/interface';
import type { KadDHT } from '@libp2p/kad-dht';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import { sha256 } from '../crypto/hash.js';
import { joinMeshOnSubscribe } from './mesh-join.js';
import { checkingRegistrar, GOSSIP_RPC_LIMITS, type FrameFault } from './gossip-frames.js';
import { InboundSlots, type PendingConnection } from './slots.js';

/** Bytes gossipsub may queue for a peer that reads slowly (or not at all) before it drops what it sends it. */
const MAX_OUTBOUND_GOSSIP_BUFFER = 8 * 1024 * 1024;
/** libp2p's own cap sits above powchain's (maxConnections): room for the handshakes pending at once. */
const LIBP2P_CONNECTION_MARGIN = 10;

export interface HostOptions {
  privateKey: PrivateKey;
  /** Listen address, e.g. 127.0.0.1. */
  bind: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  mdns: boolean;
  /** Total connection cap. */
  maxConnections: number;
  /** Inbound connection cap (part of the total), counted from the start of each handshake. */
  maxInbound: number;
  /** Which inbound connection to close for a newcomer when every inbound slot is taken (none: refuse it). */
  chooseVictim: (inbound: Connection[]) => Connection | undefined;
  /** Largest gossip frame accepted; a longer one costs its sender (onFrameFault). */
  maxFrameBytes: number;
  /** A peer sent a gossip frame that is oversized or not a gossipsub RPC. */
  onFrameFault: (peerId: string, fault: FrameFault, reason: string) => void;
  topics: string[];
  /** gossipsub's mesh degree and heartbeat; undefined fields take GOSSIP_DEFAULTS. */
  gossip?: Partial<GossipParams>;
  /** Gossipsub's app-specific score: powchain's own penalties, negated. */
  appScore: (peerId: string) => number;
  /** Refuse connections from and to these peers. */
  isBanned: (peerId: string) => boolean;
  /** libp2p's metrics implementation, when metrics are exported (libp2p counts its own traffic). */
  metrics?: Libp2pOptions['metrics'];
  /** Discovery: the DHT's and AutoNAT's protocol names carry this (the network tag), so networks never mix. */
  networkTag: string;
  /** What this node advertises (discovery/announce.ts). */
  announce: { announce: string[]; announceFilter: (addrs: Multiaddr[]) => Multiaddr[] };
  /**
   * Private and reserved ranges are normal here (every network but main, or main when told): the
   * DHT keeps them and serves from the start. Otherwise it drops them and turns server only once
   * AutoNAT has confirmed a public address.
   */
  allowPrivate: boolean;
  /** Run the DHT and AutoNAT (off in tests that build a topology by hand). */
  discovery: boolean;
}

/** The gossipsub parameters the scale benchmark varies (docs/benchmarks.md, scale). */
export interface GossipParams {
  /** Target mesh degree, and the bounds the heartbeat keeps it within. */
  D: number;
  Dlo: number;
  Dhi: number;
  /** Peers outside the mesh told (IHAVE) of recent messages at each heartbeat. */
  Dlazy: number;
  heartbeatMs: number;
}

/** gossipsub's own defaults (the spec's); the scale benchmark tried others and these held up. */
export const GOSSIP_DEFAULTS: GossipParams = { D: 6, Dlo: 4, Dhi: 12, Dlazy: 6, heartbeatMs: 1_000 };

export type Host = Libp2p<{
  pubsub: GossipSub;
  identify: ReturnType<ReturnType<typeof identify>>;
  ping: ReturnType<ReturnType<typeof ping>>;
  dht?: KadDHT;
  autoNAT?: unknown;
}>;

/**
 * The libp2p node: TCP, Noise, Yamux, identify, ping and gossipsub with content-addressed,
 * unsigned messages validated asynchronously. This is the only place that configures libp2p.
 */
export async function createHost(o: HostOptions): Promise<Host> {
  // eslint-disable-next-line prefer-const -- the slots read the host's connections, and the host's gater the slots
  let host: Libp2p;
  const slots = new InboundSlots({
    maxInbound: o.maxInbound,
    connections: () => host.getConnections(),
    chooseVictim: o.chooseVictim,
  });
  const g = { ...GOSSIP_DEFAULTS, ...o.gossip };
  const topicScore = createTopicScoreParams({
    topicWeight: 1,
    // Every REJECTed message lowers the sender's score; the counter decays (x0.9 a second).
    // gossipsub squares the counter (P4 = n^2 x weight): at -20, the three offences a peer can
    // make before powchain's own scorer bans it (3 x 25 < BAN_THRESHOLD) plus that app score stay
    // above graylistThreshold (-180 - 75 > -300). A heavier weight graylists the sender after two
    // rejects, its later messages are dropped unvalidated, and it is never banned.
    invalidMessageDeliveriesWeight: -20,
    invalidMessageDeliveriesDecay: 0.9,
    timeInMeshWeight: 0,
    firstMessageDeliveriesWeight: 0,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
  });
  host = await createLibp2p({
    privateKey: o.privateKey,
    metrics: o.metrics,
    addresses: { listen: [`/ip4/${o.bind}/tcp/${o.port}`], ...o.announce },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Loaded only when asked for: most nodes never run it, and its multicast DNS stack costs
    // every one of them about 1 MB of heap.
    peerDiscovery: o.mdns ? [(await import('@libp2p/mdns')).mdns()] : [],
    connectionManager: {
      // powchain's own limits are the exact ones (InboundSlots inbound; outbound, the keeper, which
      // also closes the DHT's extra connections): libp2p's must not refuse the handshake that
      // would evict an inbound peer to make room.
      maxConnections: o.maxConnections + LIBP2P_CONNECTION_MARGIN,
      maxIncomingPendingConnections: Math.max(1, Math.min(LIBP2P_CONNECTION_MARGIN, o.maxInbound)),
    },
    connectionGater: {
      denyDialPeer: (peerId: PeerId) => o.isBanned(peerId.toString()),
      denyInboundEncryptedConnection: (peerId: PeerId) => o.isBanned(peerId.toString()),
      denyOutboundEncryptedConnection: (peerId: PeerId) => o.isBanned(peerId.toString()),
      // At the start of the handshake: counted from here, so concurrent handshakes cannot overshoot.
      denyInboundConnection: (maConn: PendingConnection) => !slots.admitInbound(maConn),
      // Tests and local testnets run on 127.0.0.1: private addresses must be dialable.
      denyDialMultiaddr: (_ma: Multiaddr) => false,
    },
    services: {
      identify: identify(),
      ping: ping(),
      ...(o.discovery ? await discoveryServices(o) : {}),
      pubsub: (components: GossipSubComponents) =>
        gossipsub({
          emitSelf: false,
          D: g.D,
          Dlo: g.Dlo,
          Dhi: g.Dhi,
          Dlazy: g.Dlazy,
          heartbeatInterval: g.heartbeatMs,
          // The spec's bounds for the two derived degrees: Dout < Dlo and Dout <= D/2, Dscore <= D.
          Dout: Math.max(0, Math.min(2, g.Dlo - 1, Math.floor(g.D / 2))),
          Dscore: Math.min(4, g.D),
          allowPublishToZeroTopicPeers: true,
          globalSignaturePolicy: 'StrictNoSign',
          asyncValidation: true,
          maxInboundDataLength: o.maxFrameBytes,
          maxOutboundBufferSize: MAX_OUTBOUND_GOSSIP_BUFFER,
          decodeRpcLimits: { ...GOSSIP_RPC_LIMITS },
          msgIdFn: (msg) => sha256(msg.data),
          scoreParams: createPeerScoreParams({
            topics: Object.fromEntries(o.topics.map((t) => [t, topicScore])),
            appSpecificScore: o.appScore,
            appSpecificWeight: 1,
            // All test peers share 127.0.0.1: co-location must not count against them.
            IPColocationFactorWeight: 0,
          }),
          scoreThresholds: { gossipThreshold: -100, publishThreshold: -200, graylistThreshold: -300 },
        })(
          // Every gossip frame is checked before gossipsub reads it, so a frame it would drop
          // quietly (too long, not an RPC) costs the peer that sent it.
          withRegistrar(components, checkingRegistrar(components.registrar, o.maxFrameBytes, o.onFrameFault)),
        ),
    },
  });
  host.addEventListener('connection:close', (e) => slots.closed(e.detail));
  const typed = host as unknown as Host;
  joinMeshOnSubscribe(typed.services.pubsub, o.topics);
  for (const t of o.topics) typed.services.pubsub.subscribe(t);
  return typed;
}

/** libp2p's components as they are, but for the registrar. */
function withRegistrar(components: GossipSubComponents, registrar: GossipSubComponents['registrar']) {
  return new Proxy(components, {
    get: (target, prop) => (prop === 'registrar' ? registrar : Reflect.get(target, prop, target)),
  });
}

/**
 * The DHT and AutoNAT, loaded only when discovery is on: a node that keeps to the peers it is
 * given (`--max-outbound 0`, benchmarks, tests) does not carry their code.
 */
async function discoveryServices(o: Pick<HostOptions, 'networkTag' | 'allowPrivate'>) {
  const [{ kadDHT, passthroughMapper, removePrivateAddressesMapper }, { autoNAT }] = await Promise.all([
    import('@libp2p/kad-dht'),
    import('@libp2p/autonat'),
  ]);
  return {
    // Kademlia over this network's peers only: its protocol carries the network tag.
    dht: kadDHT({
      protocol: `/powchain/${o.networkTag}/kad/1.0.0`,
      clientMode: o.allowPrivate ? false : undefined,
      peerInfoMapper: o.allowPrivate ? passthroughMapper : removePrivateAddressesMapper,
    }),
    // Asks peers to dial the addresses others see us at; a confirmed one is reachable.
    autoNAT: autoNAT({ protocolPrefix: `powchain/${o.networkTag}` }),
  };
}
