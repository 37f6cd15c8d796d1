/**
 * The flood tests' common parts: a target `powchain node` process, an honest node process
 * beside it, and what the tests read from the target (its peers, bans, memory). The hostile
 * peers themselves come from src/bench/hostile: libp2p parts speaking the documented protocol,
 * with powchain used only as a library, in this test process.
 */
import { readFileSync } from 'node:fs';
import { networks } from '../../src/consensus/params/networks.js';
import type { HostileOptions } from '../../src/bench/hostile/peer.js';
import { NodeProcess, regtestKey, waitFor } from './node-helpers.js';

export const hostile: HostileOptions = { params: networks.regtest };

export interface PeerRow {
  peerid: string;
  inbound: boolean;
  banscore: number;
  costs: Record<string, number>;
  last_block: number;
}

export async function peerRows(node: NodeProcess): Promise<PeerRow[]> {
  return node.call<PeerRow[]>('getpeerinfo');
}

export async function banned(node: NodeProcess): Promise<string[]> {
  return (await node.call<{ address: string }[]>('listbanned')).map((b) => b.address);
}

/** Resident memory of a process, MB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The target's P2P multiaddr on 127.0.0.1 (with its peer id). */
export async function p2p(node: NodeProcess): Promise<string> {
  return (await node.p2pAddress()).multiaddr;
}

/**
 * An honest node with `blocks` blocks connected to `target` (it dials the target, as a new
 * peer would) and the target synced to it. Returns the honest node and its peer id.
 */
export async function honestBeside(
  target: NodeProcess,
  blocks: number,
  label = 'honest',
): Promise<{ node: NodeProcess; peerId: string; address: string }> {
  const node = await NodeProcess.start();
  const { address } = regtestKey(`e2e-${label}`);
  if (blocks > 0) await node.call('generatetoaddress', blocks, address);
  const peerId = (await node.call<{ peerid: string }>('getnetworkinfo')).peerid;
  expect(await node.call('addnode', (await target.p2pAddress()).hostPort, 'onetry')).toBeNull();
  const best = await node.call<string>('getbestblockhash');
  await waitFor(
    'the target to sync from the honest node',
    async () => (await target.call('getbestblockhash')) === best,
    60_000,
  );
  return { node, peerId, address };
}
