import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { loadChain, regtest } from './gen/load.js';
import { MB } from './files.js';
import { PeerChild } from './peers.js';
import { percentile, sleep } from './timing.js';
import { atMost, result, type Measured } from './types.js';

const PEERS = 8;
/** A ring with two chords: every peer has 2 or 3 connections, at most 3 hops apart. */
const EDGES: [number, number][] = [
  ...Array.from({ length: PEERS }, (_, i) => [i, (i + 1) % PEERS] as [number, number]),
  [0, 4],
  [2, 6],
];

/**
 * Block propagation: 8 peers, each its own process, in a sparse graph on 127.0.0.1. Each block
 * (~100 kB: a coinbase of 3,500 outputs) is connected and published by one peer (rotating). Two
 * latencies from the publish call: until the last of the other seven accepted it (validated it
 * fully, which is when gossip forwards it), and until the last one had it written as its tip.
 */
export async function propagateBench(ctx: BenchContext): Promise<Measured[]> {
  const { blocks, stats, cached } = await loadChain(ctx, 'propagate');
  ctx.note(
    `propagate chain: ${stats.blocks} blocks of ${(stats.bytes / stats.blocks / 1024).toFixed(0)} kB${cached ? ' (cached)' : ''}`,
  );
  const warmup = ctx.quick ? 3 : 10;
  const clockFloor = regtest.genesis.header.time + blocks.length + 1;
  const peers: PeerChild[] = [];
  const latencies: number[] = [];
  const written: number[] = [];
  /** Per hop: message arrival to validated (rebuild, rules, queue), and sender's validated (or publish) to arrival. */
  const hopValidate: number[] = [];
  const hopLink: number[] = [];
  try {
    const started = await Promise.all(
      Array.from({ length: PEERS }, (_, i) =>
        PeerChild.start(`peer-${i}`, join(ctx.tmpDir, `propagate-${i}`), { clockFloor }),
      ),
    );
    peers.push(...started);
    for (const [a, b] of EDGES) await peers[a]!.connect(peers[b]!.addr);
    // gossipsub builds its mesh on the heartbeat (1 s): let a few pass before the first block.
    await sleep(ctx.quick ? 2_500 : 3_000);
    const bar = ctx.progress('propagate: blocks', blocks.length);
    try {
      for (let i = 0; i < blocks.length; i++) {
        const height = i + 1;
        const hops = watchHops(peers);
        const accepted = peers.map((p) => waitFor(p, 'validated', height, 15_000));
        const tips = peers.map((p) => waitFor(p, 'tip', height, 15_000));
        const publisher = peers[i % PEERS]!;
        const pub = await publisher.publish(blocks[i]!);
        hops.validatedAt.set(publisher.peerId, pub.t);
        const lastOf = (times: number[]) => Math.max(...times.filter((_, k) => k !== i % PEERS));
        const acceptedAt = lastOf(await Promise.all(accepted));
        const writtenAt = lastOf(await Promise.all(tips));
        hops.stop();
        if (i >= warmup) {
          latencies.push(acceptedAt - pub.t);
          written.push(writtenAt - pub.t);
          for (const h of hops.hops()) {
            hopValidate.push(h.validate);
            hopLink.push(h.link);
          }
        }
        bar.update(height);
        await sleep(20);
      }
    } finally {
      bar.stop();
    }
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
  }
  latencies.sort((a, b) => a - b);
  written.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  ctx.note(`propagate: ${latencies.length} blocks measured, ${(stats.bytes / MB).toFixed(1)} MB in all`);
  return [
    result('propagate.p50', p50, 'ms', null, [atMost(p50, 100, '< 100 ms', true)]),
    result('propagate.p95', percentile(latencies, 95), 'ms'),
    result('propagate.max', latencies.at(-1) ?? NaN, 'ms'),
    result('propagate.written-p50', percentile(written, 50), 'ms'),
    result('propagate.written-p95', percentile(written, 95), 'ms'),
    // Where each hop's time goes (docs/benchmarks.md): validating at a peer, and the link to the next.
    result(
      'propagate.hop-validate-p50',
      percentile(
        hopValidate.sort((a, b) => a - b),
        50,
      ),
      'ms',
    ),
    result(
      'propagate.hop-link-p50',
      percentile(
        hopLink.sort((a, b) => a - b),
        50,
      ),
      'ms',
    ),
  ];
}

/**
 * Per peer, when a block's message reached its validator and from whom, and when it validated the
 * block: a hop's validate time is the first gap, its link time the gap from the sender's validated
 * moment (or the publish) to the arrival. Clocks of processes on one machine agree.
 */
function watchHops(peers: PeerChild[]) {
  const arrivals = new Map<string, { from: string; t: number }>();
  const validatedAt = new Map<string, number>();
  const offs: (() => void)[] = [];
  for (const p of peers) {
    const onArrive = (m: { from: string; t: number }) => arrivals.set(p.peerId, m);
    const onValidated = (m: { t: number }) => validatedAt.set(p.peerId, m.t);
    p.on('arrived', onArrive);
    p.on('validated', onValidated);
    offs.push(() => {
      p.off('arrived', onArrive);
      p.off('validated', onValidated);
    });
  }
  return {
    validatedAt,
    stop: () => offs.forEach((f) => f()),
    hops: () => {
      const out: { validate: number; link: number }[] = [];
      for (const [id, a] of arrivals) {
        const done = validatedAt.get(id);
        const sent = validatedAt.get(a.from);
        if (done !== undefined && sent !== undefined) out.push({ validate: done - a.t, link: a.t - sent });
      }
      return out;
    },
  };
}

/** The wall-clock time at which `peer` reports `event` (a validated block or a new tip) at `height`. */
function waitFor(peer: PeerChild, event: 'validated' | 'tip', height: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      peer.off(event, on);
      reject(
        new Error(
          `${peer.label} did not report ${event} at height ${height} within ${timeoutMs} ms (at ${peer.height})`,
        ),
      );
    }, timeoutMs);
    const on = (m: { height: number; t: number }) => {
      if (m.height < height) return;
      clearTimeout(timer);
      peer.off(event, on);
      resolve(m.t);
    };
    peer.on(event, on);
  });
}
