/**
 * The network a chaos run's peers talk over, in one of two modes with one interface:
 *
 * - `netns`: each peer is a host of its own (netns.ts): its node listens for peers on 127.0.0.1
 *   inside its namespace, behind a relay process in the same namespace that listens on the host's
 *   bridge address, one port per incoming link (20000 + the dialler's index). Partitions are
 *   nftables drop rules in the namespaces. The node's RPC listens on the bridge address, where this
 *   process (in the root namespace, never partitioned) reaches it.
 * - `loopback`: every peer on 127.0.0.1 with ports of its own, one in-process relay port per link.
 *   Partitions are cuts in the relay (a black hole per direction), since nothing else can make
 *   127.0.0.1 silent without root.
 *
 * Peers form a full mesh (the higher index dials the lower), so every side of any partition stays
 * connected within itself. In both modes links are shaped by the relays.
 */
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { NetLab } from '../netns.js';
import type { RunRegistry } from '../registry.js';
import { type RunClaim } from '../registry.js';
import { RelayProcess, type RelayHandle } from '../relay-process.js';
import { Relay, type LinkShape } from '../relay.js';
import { blocked, meshLinks, type PartitionFault } from './schedule.js';

export interface PeerAddress {
  /** Where this process reaches the peer's RPC (and the wallet its node). */
  rpcHost: string;
  rpcPort: number;
  /** The node's own p2p listening address. */
  p2pBind: string;
  p2pPort: number;
  /** The multiaddrs the peer dials (its relay ports towards lower-numbered peers). */
  dial: string[];
}

export interface Fabric {
  readonly mode: 'netns' | 'loopback';
  readonly claim: RunClaim;
  readonly peers: PeerAddress[];
  /** The argv prefix that runs a command where peer i lives. */
  execPrefix(i: number): string[];
  /** Apply a partition, replacing any other; undefined heals. */
  setPartition(p: PartitionFault | undefined): Promise<void>;
  shapeLink(link: [number, number], change: Partial<LinkShape>): Promise<void>;
  describe(): string;
  /** Remove relays, namespaces and the registry claim (after the peers are stopped). */
  close(): Promise<void>;
}

export const linkId = ([i, j]: [number, number]) => `${i}>${j}`;

const NETNS_P2P_PORT = 18733;
const NETNS_RPC_PORT = 18732;
const NETNS_RELAY_BASE = 20000;

/** A port nothing listens on right now on 127.0.0.1 (the OS's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export class LoopbackFabric implements Fabric {
  readonly mode = 'loopback';

  private constructor(
    readonly claim: RunClaim,
    readonly peers: PeerAddress[],
    private readonly relay: Relay,
  ) {}

  static async create(nodes: number, seed: number, registry: RunRegistry): Promise<LoopbackFabric> {
    const claim = registry.claimRun();
    const relay = new Relay(seed);
    try {
      const peers: PeerAddress[] = [];
      for (let i = 0; i < nodes; i++)
        peers.push({ rpcHost: '127.0.0.1', rpcPort: await freePort(), p2pBind: '127.0.0.1', p2pPort: 0, dial: [] });
      for (const p of peers) p.p2pPort = await freePort();
      for (const [i, j] of meshLinks(nodes)) {
        const port = await relay.addLink(
          linkId([i, j]),
          { host: '127.0.0.1', port: 0 },
          { host: '127.0.0.1', port: peers[j]!.p2pPort },
        );
        peers[i]!.dial.push(`/ip4/127.0.0.1/tcp/${port}`);
      }
      return new LoopbackFabric(claim, peers, relay);
    } catch (err) {
      await relay.close();
      claim.release();
      throw err;
    }
  }

  execPrefix(): string[] {
    return [];
  }

  async setPartition(p: PartitionFault | undefined): Promise<void> {
    for (const [i, j] of meshLinks(this.peers.length))
      this.relay.shape(linkId([i, j]), {
        cutForward: !!p && blocked(p, i, j),
        cutBackward: !!p && blocked(p, j, i),
      });
  }

  async shapeLink(link: [number, number], change: Partial<LinkShape>): Promise<void> {
    this.relay.shape(linkId(link), change);
  }

  describe(): string {
    return `loopback: ${this.peers.length} peers on 127.0.0.1, ${this.relay.ids().length} relayed links (partitions are relay black holes)`;
  }

  async close(): Promise<void> {
    await this.relay.close();
    this.claim.release();
  }
}

export class NetnsFabric implements Fabric {
  readonly mode = 'netns';

  private constructor(
    private readonly lab: NetLab,
    readonly peers: PeerAddress[],
    /** relays[j]: the relay in peer j's namespace, for the links peer j listens on. */
    private readonly relays: RelayHandle[],
  ) {}

  get claim(): RunClaim {
    return this.lab.claim;
  }

  static async create(nodes: number, seed: number, registry: RunRegistry, logDir: string): Promise<NetnsFabric> {
    const lab = await NetLab.create(nodes, registry);
    const relays: RelayHandle[] = [];
    try {
      const peers: PeerAddress[] = Array.from({ length: nodes }, (_, i) => ({
        rpcHost: lab.ip(i),
        rpcPort: NETNS_RPC_PORT,
        p2pBind: '127.0.0.1',
        p2pPort: NETNS_P2P_PORT,
        dial: [],
      }));
      for (let j = 0; j < nodes; j++) {
        const fd = openSync(join(logDir, `relay${j}.log`), 'a');
        try {
          relays.push(await RelayProcess.start(lab.execPrefix(j), seed + j, fd));
        } finally {
          closeSync(fd);
        }
      }
      for (const [i, j] of meshLinks(nodes)) {
        const port = NETNS_RELAY_BASE + i;
        await relays[j]!.addLink(
          linkId([i, j]),
          { host: lab.ip(j), port },
          { host: '127.0.0.1', port: NETNS_P2P_PORT },
        );
        peers[i]!.dial.push(`/ip4/${lab.ip(j)}/tcp/${port}`);
      }
      return new NetnsFabric(lab, peers, relays);
    } catch (err) {
      await Promise.all(relays.map((r) => r.close().catch(() => undefined)));
      await lab.destroy();
      throw err;
    }
  }

  execPrefix(i: number): string[] {
    return this.lab.execPrefix(i);
  }

  async setPartition(p: PartitionFault | undefined): Promise<void> {
    const n = this.peers.length;
    const all = Array.from({ length: n }, (_, i) => i);
    await Promise.all(
      all.map((a) =>
        this.lab.setDrops(
          a,
          all.filter((b) => b !== a && !!p && blocked(p, b, a)).map((b) => this.lab.ip(b)),
          all.filter((b) => b !== a && !!p && blocked(p, a, b)).map((b) => this.lab.ip(b)),
        ),
      ),
    );
  }

  async shapeLink(link: [number, number], change: Partial<LinkShape>): Promise<void> {
    await this.relays[link[1]]!.shape(linkId(link), change);
  }

  describe(): string {
    return `netns: ${this.peers.length} namespaces ${this.lab.ns(0)}..${this.lab.ns(this.peers.length - 1)} on bridge ${this.lab.bridge} (${this.lab.subnet}); partitions are nftables drops`;
  }

  async close(): Promise<void> {
    await Promise.all(this.relays.map((r) => r.close().catch(() => undefined)));
    await this.lab.destroy();
  }
}
