import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub';
import { createPeerScoreParams, createTopicScoreParams } from '@chainsafe/libp2p-gossipsub/score';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import { sha256 } from '../crypto/hash.js';
import { joinMeshOnSubscribe } from './mesh-join.js';

export interface HostOptions {
  privateKey: PrivateKey;
  /** Listen address, e.g. 127.0.0.1. */
  bind: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  mdns: boolean;
  /** Total connection cap. */
  maxConnections: number;
  /** Inbound connection cap (part of the total). */
  maxInbound: number;
  /** Largest gossip message accepted (the largest valid block, plus framing). */
  maxMessageBytes: number;
  topics: string[];
  /** Gossipsub's app-specific score: powchain's own penalties, negated. */
  appScore: (peerId: string) => number;
  /** Refuse connections from and to these peers. */
  isBanned: (peerId: string) => boolean;
  /** libp2p's metrics implementation, when metrics are exported (libp2p counts its own traffic). */
  metrics?: Libp2pOptions['metrics'];
}

export type Host = Libp2p<{
  pubsub: GossipSub;
  identify: ReturnType<ReturnType<typeof identify>>;
  ping: ReturnType<ReturnType<typeof ping>>;
}>;

/**
 * The libp2p node: TCP, Noise, Yamux, identify, ping and gossipsub with content-addressed,
 * unsigned messages validated asynchronously. This is the only place that configures libp2p.
 */
export async function createHost(o: HostOptions): Promise<Host> {
  let inbound = 0;
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
  const host = await createLibp2p({
    privateKey: o.privateKey,
    metrics: o.metrics,
    addresses: { listen: [`/ip4/${o.bind}/tcp/${o.port}`] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Loaded only when asked for: most nodes never run it, and its multicast DNS stack costs
    // every one of them about 1 MB of heap.
    peerDiscovery: o.mdns ? [(await import('@libp2p/mdns')).mdns()] : [],
    connectionManager: {
      maxConnections: o.maxConnections,
      maxIncomingPendingConnections: Math.max(1, Math.min(10, o.maxInbound)),
    },
    connectionGater: {
      denyDialPeer: (peerId: PeerId) => o.isBanned(peerId.toString()),
      denyInboundEncryptedConnection: (peerId: PeerId) => o.isBanned(peerId.toString()),
      denyOutboundEncryptedConnection: (peerId: PeerId) => o.isBanned(peerId.toString()),
      denyInboundConnection: (_ma: unknown) => inbound >= o.maxInbound,
      // Tests and local testnets run on 127.0.0.1: private addresses must be dialable.
      denyDialMultiaddr: (_ma: Multiaddr) => false,
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        globalSignaturePolicy: 'StrictNoSign',
        asyncValidation: true,
        maxInboundDataLength: o.maxMessageBytes,
        msgIdFn: (msg) => sha256(msg.data),
        scoreParams: createPeerScoreParams({
          topics: Object.fromEntries(o.topics.map((t) => [t, topicScore])),
          appSpecificScore: o.appScore,
          appSpecificWeight: 1,
          // All test peers share 127.0.0.1: co-location must not count against them.
          IPColocationFactorWeight: 0,
        }),
        scoreThresholds: { gossipThreshold: -100, publishThreshold: -200, graylistThreshold: -300 },
      }),
    },
  });
  host.addEventListener('connection:open', (e) => {
    if (e.detail.direction === 'inbound') inbound++;
  });
  host.addEventListener('connection:close', (e) => {
    if (e.detail.direction === 'inbound') inbound = Math.max(0, inbound - 1);
  });
  const typed = host as unknown as Host;
  joinMeshOnSubscribe(typed.services.pubsub, o.topics);
  for (const t of o.topics) typed.services.pubsub.subscribe(t);
  return typed;
}
