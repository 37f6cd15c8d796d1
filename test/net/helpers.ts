import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import type { Block } from '../../src/consensus/block.js';
import { encodeBlock } from '../../src/consensus/block.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { Mempool } from '../../src/mempool/index.js';
import { NetService, type NetOptions } from '../../src/net/index.js';
import type { GossipAdapter } from '../../src/net/gossip.js';
import { createHost, type Host } from '../../src/net/host.js';
import type { ReqResp } from '../../src/net/reqresp.js';
import { ChainHarness } from '../chain/harness.js';

/**
 * Poll `cond` every 20 ms until it holds; fail with `what` after `ms`. Every wait in the network
 * tests goes through here: no fixed sleeps, and nothing waits forever.
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One peer: a real Chain on classic-level in a temp dir, a Mempool, and a NetService on 127.0.0.1. */
export interface TestPeer {
  name: string;
  h: ChainHarness;
  mempool: Mempool;
  svc: NetService;
  /** The data directory (peer.key, bans.json): the harness's temp dir. */
  datadir: string;
  readonly id: string;
  readonly addr: string;
  /** The libp2p host, for raw streams and gossip in attack tests. */
  readonly host: Host;
  readonly reqresp: ReqResp;
  readonly gossip: GossipAdapter;
  /** Stop the NetService and start a new one on the same chain, mempool and datadir. */
  restart(extra?: Partial<NetOptions>): Promise<void>;
}

export interface PeerOptions {
  name?: string;
  params?: NetworkParams;
  /** Extra NetService options (peers, banSeconds...). */
  net?: Partial<NetOptions>;
}

/**
 * A set of peers that are all stopped and closed by `close()` (call it in `finally`).
 * Services stop before chains close, so no sync is left writing to a closed database.
 */
export class TestNet {
  readonly peers: TestPeer[] = [];
  readonly hosts: Host[] = [];

  /**
   * A bare libp2p host on 127.0.0.1 with powchain's transport stack but no chain and no powchain
   * protocols: an attacker that writes raw streams without syncing anything first.
   */
  async startHost(): Promise<Host> {
    const host = await createHost({
      privateKey: await generateKeyPair('Ed25519'),
      bind: '127.0.0.1',
      port: 0,
      mdns: false,
      maxConnections: 10,
      maxInbound: 10,
      chooseVictim: () => undefined,
      maxFrameBytes: 1 << 20,
      onFrameFault: () => undefined,
      topics: [],
      appScore: () => 0,
      isBanned: () => false,
      networkTag: 'regtest-attacker',
      announce: { announce: [], announceFilter: (a) => a },
      allowPrivate: true,
      discovery: false,
    });
    this.hosts.push(host);
    return host;
  }

  async startPeer(o: PeerOptions = {}): Promise<TestPeer> {
    const h = await ChainHarness.create(o.params ? { params: o.params } : {});
    const mempool = new Mempool(h.chain, h.clock.read);
    const make = (extra: Partial<NetOptions> = {}) =>
      new NetService({
        chain: h.chain,
        mempool,
        datadir: h.dir,
        clock: h.clock.read,
        // Tests build their topologies by hand: no peer of their own choosing (discovery tests opt in).
        discovery: false,
        ...o.net,
        ...extra,
      });
    const peer: TestPeer = {
      name: o.name ?? `p${this.peers.length}`,
      h,
      mempool,
      svc: make(),
      datadir: h.dir,
      get id() {
        return this.svc.peerId;
      },
      get addr() {
        return `${this.svc.listenAddresses()[0]!}`;
      },
      get host() {
        return (this.svc as unknown as { host: Host }).host;
      },
      get reqresp() {
        return (this.svc as unknown as { reqresp: ReqResp }).reqresp;
      },
      get gossip() {
        return (this.svc as unknown as { gossip: GossipAdapter }).gossip;
      },
      async restart(extra = {}) {
        await this.svc.stop();
        this.svc = make(extra);
        await this.svc.start();
      },
    };
    this.peers.push(peer);
    await peer.svc.start();
    return peer;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.peers.map((p) => p.svc.stop()), ...this.hosts.map((h) => h.stop())]);
    await Promise.allSettled(this.peers.map((p) => p.h.close()));
  }
}

/** `a` dials `b` and both sides see the connection and have exchanged status (same network). */
export async function link(a: TestPeer, b: TestPeer): Promise<void> {
  await a.svc.connect(b.addr);
  await until(() => hasStatus(a, b) && hasStatus(b, a), `${a.name} and ${b.name} to exchange status`);
}

export function connected(a: TestPeer, b: TestPeer): boolean {
  return a.svc.peers().some((p) => p.id === b.id);
}

function hasStatus(a: TestPeer, b: TestPeer): boolean {
  return a.svc.peers().some((p) => p.id === b.id && p.status !== undefined);
}

/** Wait until `a` and `b` are in each other's gossipsub mesh for every topic (so a publish is forwarded at once). */
export async function meshed(a: TestPeer, b: TestPeer): Promise<void> {
  const topics = [a.svc.names.blockTopic, a.svc.names.compactBlockTopic, a.svc.names.txTopic];
  const inMesh = (x: TestPeer, y: TestPeer) =>
    topics.every((t) => x.host.services.pubsub.getMeshPeers(t).includes(y.id));
  await until(() => inMesh(a, b) && inMesh(b, a), `${a.name} and ${b.name} to graft each other into the gossip mesh`);
}

/** Hand `blocks` to `to`'s chain directly (no network), in order, expecting each to connect. */
export async function give(to: TestPeer, blocks: Block[]): Promise<void> {
  for (const block of blocks) {
    const r = await to.h.chain.processBlock(block, { source: 'test' });
    if (r.status !== 'connected') throw new Error(`${to.name}: ${JSON.stringify(r)}`);
  }
}

/** Build `count` empty blocks on the tip of `p`'s harness and connect them locally (nothing is gossiped). */
export async function extendLocal(p: TestPeer, prefix: string, count: number): Promise<Block[]> {
  const parent = p.h.tipName() ?? 'genesis';
  const out: Block[] = [];
  let prev = parent;
  for (let i = 1; i <= count; i++) {
    const name = `${prefix}${i}`;
    out.push(p.h.block(name, prev).block);
    prev = name;
  }
  await give(p, out);
  return out;
}

/** Publish raw bytes on `p`'s block topic (bypassing every local check). */
export function publishRawBlock(p: TestPeer, bytes: Uint8Array): Promise<number> {
  return p.gossip.publish(p.svc.names.blockTopic, bytes);
}

export function blockBytes(b: Block): Uint8Array {
  return encodeBlock(b);
}

/** `p`'s libp2p PeerId object (what requests and dials take). */
export function pid(p: TestPeer): PeerId {
  return p.host.peerId;
}

/** Every peer's tip hash (display hex). */
export function tips(peers: TestPeer[]): string[] {
  return peers.map((p) => p.h.chain.tip.hashHex);
}
