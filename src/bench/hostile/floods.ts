/**
 * The floods a hostile peer can aim at a node, each from fresh identities: thousands of orphan
 * blocks, transactions spending coins that do not exist, gossip frames far above any block's
 * size, and more connections than the node has slots for. The flood tests and
 * `powchain bench flood` run the same code, so the benchmark measures what the tests assert on.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from '@libp2p/interface';
import { encodeTx, type NetworkParams } from '../../index.js';
import { forgeOrphans, junkTx, type ForgedBlock } from './forge.js';
import { HostilePeer, type HostileOptions } from './peer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a flooding identity stays connected after its last message, counting the node's calls back. */
const HOLD_MS = 3_000;

/** Poll until `cond` holds, or throw after `ms`. */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`hostile peer: timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A hostile peer connected to the node at `addr`, with the node's gossip stream open to it. */
export async function connectHostile(
  addr: string,
  o: HostileOptions,
): Promise<{ peer: HostilePeer; conn: Connection }> {
  const peer = await HostilePeer.start(o);
  try {
    const conn = await peer.dial(addr);
    await until(() => peer.gossipReady(conn.remotePeer), "the node's gossip stream");
    return { peer, conn };
  } catch (err) {
    await peer.stop();
    throw err;
  }
}

/**
 * `count` hostile peers connected to the node, `perWave` at a time a little over a second apart:
 * libp2p refuses more than about five new connections a second from one address.
 */
export async function connectMany(
  addr: string,
  o: HostileOptions,
  count: number,
  perWave = 4,
): Promise<{ peer: HostilePeer; conn: Connection }[]> {
  const out: { peer: HostilePeer; conn: Connection }[] = [];
  for (let i = 0; i < count; i += perWave) {
    if (i > 0) await sleep(1_100);
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(perWave, count - i) }, () => connectHostile(addr, o)))),
    );
  }
  return out;
}

export interface FloodReport {
  /** Messages or connections sent. */
  sent: number;
  /** Writes the node refused (the connection was closed under the flood: a ban, an eviction). */
  refused: number;
  /** Requests the node made of the attackers, by protocol. */
  requests: Record<string, number>;
}

function sumRequests(peers: HostilePeer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of peers) for (const [k, v] of Object.entries(p.requests)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Forge `count` orphans of about `bytes` each (before any clock starts: it takes a second or two). */
export function prepareOrphans(params: NetworkParams, count: number, bytes: number): ForgedBlock[] {
  return forgeOrphans(params, count, bytes);
}

/**
 * Gossip every payload on `topic` from one identity, `perFrame` messages to a gossip frame. When
 * the node hangs up (a ban), the rest is not sent: a real attacker would need a new identity.
 */
async function gossipAll(
  addr: string,
  o: HostileOptions,
  topic: (p: HostilePeer) => string,
  payloads: Uint8Array[],
  perFrame: number,
): Promise<FloodReport> {
  const { peer, conn } = await connectHostile(addr, o);
  let sent = 0;
  try {
    for (let i = 0; i < payloads.length; i += perFrame) {
      if (conn.status !== 'open') break;
      const chunk = payloads.slice(i, i + perFrame);
      try {
        await peer.gossip(conn, topic(peer), chunk, perFrame);
      } catch {
        break; // the node hung up
      }
      sent += chunk.length;
    }
    // Stay a while: the node works through what arrived and calls back (status, headers).
    await sleep(HOLD_MS);
    return { sent, refused: payloads.length - sent, requests: sumRequests([peer]) };
  } finally {
    await peer.stop();
  }
}

export function orphanFlood(
  addr: string,
  o: HostileOptions,
  orphans: ForgedBlock[],
  perFrame = 20,
): Promise<FloodReport> {
  return gossipAll(
    addr,
    o,
    (p) => p.wire.blockTopic,
    orphans.map((b) => b.bytes),
    perFrame,
  );
}

/** `count` well-formed transactions spending coins that do not exist. */
export function txSpam(addr: string, o: HostileOptions, count: number, perFrame = 50): Promise<FloodReport> {
  const txs = Array.from({ length: count }, () => encodeTx(junkTx()));
  return gossipAll(addr, o, (p) => p.wire.txTopic, txs, perFrame);
}

/**
 * One gossip frame of each size from a fresh identity each (a ban would otherwise end the flood
 * at the first): a block-topic message of `size` bytes of noise. The node reads only the
 * length prefix of a frame above its limit; the rest is sent into a stream it has closed.
 */
export async function oversizedGossip(addr: string, o: HostileOptions, sizes: number[]): Promise<FloodReport> {
  let sent = 0;
  let refused = 0;
  const peers: HostilePeer[] = [];
  try {
    for (const size of sizes) {
      const { peer, conn } = await connectHostile(addr, o);
      peers.push(peer);
      try {
        await peer.gossip(conn, peer.wire.blockTopic, [randomBytes(size)]);
        sent++;
      } catch {
        refused++;
      }
    }
    await sleep(500);
    return { sent, refused, requests: sumRequests(peers) };
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
  }
}

/**
 * `count` identities connect to the node, `burst` at once (their handshakes overlap, which is
 * where a limit checked only when a handshake ends overshoots), a burst every `gapMs`: libp2p
 * accepts about five new connections a second from one address, and a faster flood only measures
 * that refusal. Each stays connected, answering the node's status requests, until `release`.
 */
export async function connectionFlood(
  addr: string,
  o: HostileOptions,
  count: number,
  burst = 5,
  gapMs = 1_100,
): Promise<{ report: FloodReport; peers: HostilePeer[]; release(): Promise<void> }> {
  const peers: HostilePeer[] = [];
  let refused = 0;
  for (let i = 0; i < count; i += burst) {
    const wave = await Promise.all(Array.from({ length: Math.min(burst, count - i) }, () => HostilePeer.start(o)));
    peers.push(...wave);
    await Promise.all(wave.map((p) => p.dial(addr).catch(() => refused++)));
    if (i + burst < count) await sleep(gapMs);
  }
  return {
    report: { sent: count, refused, requests: sumRequests(peers) },
    peers,
    release: async () => {
      await Promise.all(peers.map((p) => p.stop()));
    },
  };
}
