import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../fsutil/index.js';
import { join, resolve } from 'node:path';

/** One peer of a local testnet, as the state file records it. */
export interface PeerState {
  index: number;
  datadir: string;
  p2pPort: number;
  rpcPort: number;
  /**
   * Where this process reaches the peer's RPC: 127.0.0.1 when absent. A peer in a network
   * namespace of its own (the chaos testnet's netns mode) answers on its bridge address.
   */
  host?: string;
  miner: boolean;
  /** Indexes of the peers this one dials at start (the sparse topology). */
  connectTo: number[];
  walletFile: string;
  /** The wallet's first receive address: where this peer's mining rewards go. */
  address?: string;
  pid?: number;
  peerId?: string;
  /** The network namespace the peer runs in (`testnet up --netns`); absent on 127.0.0.1. */
  netns?: string;
  /** Bootstrap addresses for the peer's next start; cleared once used, so a restart rejoins from its address book. */
  bootstrap?: string[];
}

export interface TestnetState {
  network: 'testnet' | 'regtest';
  dir: string;
  basePort: number;
  threads: number;
  /** The wallets' passphrase: a local testnet's coins are play money. */
  passphrase: string;
  peers: PeerState[];
}

export const STATE_FILE = 'testnet.json';

export function statePath(dir: string): string {
  return join(resolve(dir), STATE_FILE);
}

export function loadState(dir: string): TestnetState | undefined {
  const path = statePath(dir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as TestnetState;
  } catch (err) {
    throw new Error(`testnet state ${path} is unreadable: ${(err as Error).message}`);
  }
}

export function saveState(s: TestnetState): void {
  writeFileAtomic(statePath(s.dir), JSON.stringify(s, null, 2));
}

/**
 * A sparse connected graph: peer i dials peer i-1 (a line), and every third peer also dials one
 * further back, so gossip crosses several hops and there is more than one path. Peer 0 dials none.
 */
export function sparseTopology(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    if (i === 0) return [];
    const links = [i - 1];
    if (i >= 3 && i % 3 === 0) links.push(i - 3);
    return links;
  });
}

function newPeer(dir: string, basePort: number, index: number, miner: boolean, connectTo: number[]): PeerState {
  return {
    index,
    datadir: join(dir, `peer${index}`),
    p2pPort: basePort + 2 * index,
    rpcPort: basePort + 2 * index + 1,
    miner,
    connectTo,
    walletFile: join(dir, `peer${index}`, 'wallet.json'),
  };
}

export function createState(o: {
  dir: string;
  nodes: number;
  miners: number;
  network: 'testnet' | 'regtest';
  basePort: number;
  threads: number;
}): TestnetState {
  const dir = resolve(o.dir);
  const topology = sparseTopology(o.nodes);
  return {
    network: o.network,
    dir,
    basePort: o.basePort,
    threads: o.threads,
    passphrase: 'powchain-local-testnet',
    peers: Array.from({ length: o.nodes }, (_, index) =>
      newPeer(dir, o.basePort, index, index < o.miners, topology[index]!),
    ),
  };
}

/**
 * Grow a testnet to `nodes` peers. The new peers do not mine and join the same sparse topology
 * (a peer only ever dials earlier ones, so the existing peers' links stay as they are). Returns
 * the peers added.
 */
export function addPeers(s: TestnetState, nodes: number): PeerState[] {
  const topology = sparseTopology(nodes);
  const added: PeerState[] = [];
  for (let index = s.peers.length; index < nodes; index++)
    added.push(newPeer(s.dir, s.basePort, index, false, topology[index]!));
  s.peers.push(...added);
  return added;
}
