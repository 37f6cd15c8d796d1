import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { Chain } from '../chain/chain.js';
import { decodeBlockWithTxids } from '../consensus/block.js';
import { encodeTx } from '../consensus/tx.js';
import { prng } from '../collections/prng.js';
import { VerifyPool } from '../crypto/verify-pool.js';
import { encodeCompactBlock, makeCompactBlock } from '../net/compact.js';
import { GOSSIP_DEFAULTS, type GossipParams } from '../net/host.js';
import type { BenchContext } from './context.js';
import { loadChain, regtest } from './gen/load.js';
import { ScaleChild } from './scale-children.js';
import type { NodeCounters } from './scale-process.js';
import { percentile, sleep } from './timing.js';
import { atMost, result, type Measured } from './types.js';

/** One way of relaying the stream of blocks. */
interface Mode {
  name: string;
  compact: boolean;
  /** Share of each block's transactions a node is not given before the block (fetched, or in the full block). */
  missing: number;
}

const MODES: Mode[] = [
  { name: 'compact', compact: true, missing: 0 },
  { name: 'compact-missing', compact: true, missing: 0.1 },
  { name: 'full', compact: false, missing: 0 },
];

/** Nodes per process: 10 runs 100 nodes in 10 processes (docs/benchmarks.md: why not one each). */
const NODES_PER_PROCESS = 10;
/** Connections each node dials: bitcoind's 8 outbound, or fewer in a small network. */
const OUTBOUND = 8;

function sizeFor(nodes: number): { nodes: number; processes: number; outbound: number } {
  return { nodes, processes: Math.ceil(nodes / NODES_PER_PROCESS), outbound: Math.min(OUTBOUND, nodes - 1) };
}

/** How long one block may take to reach every node; a node still without it then counts as missed, at this time. */
const BLOCK_TIMEOUT_MS = 30_000;

/**
 * 100 peers on one machine: many libp2p nodes in a few processes (docs/benchmarks.md says why),
 * each dialling a few random others. A stream of blocks of real payments is published from a
 * different node each time; before each block every mempool is given its transactions (all of
 * them, or all but a random tenth), as gossip would have. Measured per relay mode: the time for
 * a block to be validated by 50, 90, 99 and 100% of the other nodes, the bytes each node sends
 * per block (gossipsub with its control messages, blocktxn and blocks) against the block and its
 * compact form, and duplicate deliveries.
 */
export async function scaleBench(ctx: BenchContext): Promise<Measured[]> {
  const size = sizeFor(ctx.peers ?? (ctx.quick ? 32 : 100));
  const { blocks, spec, cached } = await loadChain(ctx, 'scale');
  const prefix = blocks.slice(0, spec.padTo);
  const stream = blocks.slice(spec.padTo);
  const decoded = stream.map((b) => decodeBlockWithTxids(b));
  const blockBytes = mean(stream.map((b) => b.length));
  const compactBytes = mean(decoded.map((b) => encodeCompactBlock(makeCompactBlock(b.header, b.txs, b.txids)).length));
  const gossip: GossipParams = { ...GOSSIP_DEFAULTS, ...ctx.gossip };
  ctx.note(
    `scale: ${size.nodes} nodes in ${size.processes} processes, ${stream.length} blocks of ${mean(decoded.map((b) => b.txs.length)).toFixed(0)} txs ` +
      `(${(blockBytes / 1024).toFixed(1)} kB, compact ${(compactBytes / 1024).toFixed(2)} kB)${cached ? ' (cached chain)' : ''}; ` +
      `gossipsub D=${gossip.D} Dlo=${gossip.Dlo} Dhi=${gossip.Dhi} Dlazy=${gossip.Dlazy} heartbeat=${gossip.heartbeatMs} ms`,
  );
  const base = join(ctx.tmpDir, 'scale-base');
  await prepareBase(base, prefix);
  const out: Measured[] = [
    result('scale.block-bytes', blockBytes, 'B'),
    result('scale.compact-bytes', compactBytes, 'B', { name: 'scale.block-bytes', value: blockBytes }),
  ];
  for (const mode of ctx.quick ? MODES.filter((m) => m.missing === 0) : MODES) {
    const run = await runMode(
      ctx,
      mode,
      size,
      gossip,
      { location: base, prefixLength: prefix.length },
      stream,
      decoded,
    );
    out.push(...report(mode, run, blockBytes, compactBytes, size.nodes));
  }
  return out;
}

/** The chain up to the stream's parent, connected once; each node starts from a copy. */
async function prepareBase(location: string, prefix: Uint8Array[]): Promise<void> {
  const pool = new VerifyPool({ size: 1 });
  const chain = await Chain.open({ params: regtest, location, verifier: pool, clock: () => 2_000_000_000 });
  try {
    for (const bytes of prefix) {
      const block = decodeBlockWithTxids(bytes);
      const r = await chain.processBlock(block, { bytes, txids: block.txids, source: 'bench' });
      if (r.status !== 'connected') throw new Error(`scale base: ${JSON.stringify(r)}`);
    }
  } finally {
    await chain.close();
    await pool.close();
  }
}

interface ModeRun {
  /** Per block: ms until 50/90/99/100% of the other nodes validated it. */
  reach: { p50: number; p90: number; p99: number; p100: number }[];
  counters: NodeCounters[];
  blocks: number;
  /** Node-blocks that did not arrive within BLOCK_TIMEOUT_MS. */
  missed: number;
  /** Transactions handed to mempools, and accepted. */
  offered: number;
  accepted: number;
}

async function runMode(
  ctx: BenchContext,
  mode: Mode,
  size: ReturnType<typeof sizeFor>,
  gossip: GossipParams,
  base: { location: string; prefixLength: number },
  stream: Uint8Array[],
  decoded: ReturnType<typeof decodeBlockWithTxids>[],
): Promise<ModeRun> {
  const clockFloor = regtest.genesis.header.time + 100_000;
  const perChild = Math.ceil(size.nodes / size.processes);
  const children: ScaleChild[] = [];
  const rand = prng(17);
  const run: ModeRun = { reach: [], counters: [], blocks: stream.length, missed: 0, offered: 0, accepted: 0 };
  try {
    const bar = ctx.progress(`scale ${mode.name}: starting nodes`, size.processes);
    for (let p = 0; p < size.processes; p++) {
      const first = p * perChild;
      const locations = [];
      for (let i = first; i < Math.min(size.nodes, first + perChild); i++) {
        const dir = join(ctx.tmpDir, `scale-${mode.name}-${i}`);
        cpSync(base.location, dir, { recursive: true });
        locations.push(dir);
      }
      children.push(await ScaleChild.start(`p${p}`, first, { locations, compact: mode.compact, gossip, clockFloor }));
      bar.update(p + 1);
    }
    bar.stop();
    const addrs = children.flatMap((c) => c.addrs);
    const owner = (g: number) => children[Math.floor(g / perChild)]!;
    // Each node dials `outbound` distinct random others (bitcoind makes 8 outbound connections).
    await Promise.all(
      addrs.map((_, g) => {
        const picks = new Set<number>();
        while (picks.size < size.outbound) {
          const k = Math.floor(rand() * size.nodes);
          if (k !== g) picks.add(k);
        }
        return owner(g).connect(
          g - owner(g).first,
          [...picks].map((k) => addrs[k]!),
        );
      }),
    );
    // gossipsub forms its meshes at heartbeats: let a few pass.
    await sleep(4 * gossip.heartbeatMs);

    const feed = async (k: number) => {
      const b = decoded[k];
      if (!b) return;
      const txs = b.txs.slice(1).map((tx) => encodeTx(tx));
      const skips = addrs.map(() => txs.map((_, i) => i).filter(() => rand() < mode.missing));
      run.offered += txs.length * size.nodes - skips.reduce((s, x) => s + x.length, 0);
      const counts = await Promise.all(children.map((c) => c.mempool(txs, skips.slice(c.first, c.first + c.size))));
      run.accepted += counts.reduce((s, n) => s + n, 0);
    };
    // Mempools hold the next block's transactions and the one after (as a live network's would).
    await feed(0);
    const before = await counters(children);
    const blocksBar = ctx.progress(`scale ${mode.name}: blocks`, stream.length);
    let hasParent = (_g: number) => true;
    for (let k = 0; k < stream.length; k++) {
      await feed(k + 1);
      // Stream block k sits right after the prepared prefix.
      const height = base.prefixLength + k + 1;
      // A different node each time, among those holding the block's parent (a node may have missed it).
      let publisher = (k * 37) % size.nodes;
      while (!hasParent(publisher)) publisher = (publisher + 1) % size.nodes;
      const times = new Map<number, number>();
      const done = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const x of children) x.removeAllListeners('validated');
          resolve();
        }, BLOCK_TIMEOUT_MS);
        for (const c of children) {
          const on = (m: { node: number; height: number; t: number }) => {
            const g = c.first + m.node;
            if (m.height !== height || g === publisher || times.has(g)) return;
            times.set(g, m.t);
            if (times.size === size.nodes - 1) {
              clearTimeout(timer);
              for (const x of children) x.removeAllListeners('validated');
              resolve();
            }
          };
          c.on('validated', on);
        }
      });
      const t0 = await owner(publisher).publish(publisher - owner(publisher).first, stream[k]!);
      await done;
      const lat = [...times.values()].map((t) => t - t0);
      // A node that never got the block counts at the timeout (and as missed).
      run.missed += size.nodes - 1 - lat.length;
      while (lat.length < size.nodes - 1) lat.push(BLOCK_TIMEOUT_MS);
      lat.sort((a, b) => a - b);
      const at = (share: number) => lat[Math.max(0, Math.ceil(share * lat.length) - 1)]!;
      run.reach.push({ p50: at(0.5), p90: at(0.9), p99: at(0.99), p100: at(1) });
      const holders = new Set([publisher, ...times.keys()]);
      hasParent = (g) => holders.has(g);
      blocksBar.update(k + 1);
    }
    blocksBar.stop();
    // IHAVE gossip about a message goes out for three heartbeats after it: count it too.
    await sleep(3.5 * gossip.heartbeatMs);
    const after = await counters(children);
    run.counters = after.map((a, i) => ({
      relayBytes: a.relayBytes - before[i]!.relayBytes,
      duplicates: a.duplicates - before[i]!.duplicates,
      rebuilt: a.rebuilt - before[i]!.rebuilt,
      fetched: a.fetched - before[i]!.fetched,
      fallbacks: a.fallbacks - before[i]!.fallbacks,
      rebuildMs: a.rebuildMs - before[i]!.rebuildMs,
    }));
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
  return run;
}

async function counters(children: ScaleChild[]): Promise<NodeCounters[]> {
  return (await Promise.all(children.map((c) => c.counters()))).flat();
}

function report(mode: Mode, run: ModeRun, blockBytes: number, compactBytes: number, nodes: number): Measured[] {
  const name = (s: string) => `scale.${mode.name}.${s}`;
  const med = (pick: (r: ModeRun['reach'][number]) => number) =>
    percentile(
      run.reach.map(pick).sort((a, b) => a - b),
      50,
    );
  const sum = (pick: (c: NodeCounters) => number) => run.counters.reduce((s, c) => s + pick(c), 0);
  const perPeerBlock = sum((c) => c.relayBytes) / (nodes * run.blocks);
  const p99 = med((r) => r.p99);
  const inSyncCompact = mode.compact && mode.missing === 0;
  const rebuilt = sum((c) => c.rebuilt);
  const out = [
    result(
      name('reach-50%'),
      med((r) => r.p50),
      'ms',
    ),
    result(
      name('reach-90%'),
      med((r) => r.p90),
      'ms',
    ),
    result(name('reach-99%'), p99, 'ms', null, inSyncCompact ? [atMost(p99, 1_000, '< 1 s', true)] : []),
    result(
      name('reach-100%'),
      med((r) => r.p100),
      'ms',
    ),
    result(name('reach-100%-worst'), Math.max(...run.reach.map((r) => r.p100)), 'ms'),
    result(name('bytes-per-peer-block'), perPeerBlock, 'B', { name: 'scale.block-bytes', value: blockBytes }),
    ...(mode.compact
      ? [
          result(
            name('bytes-vs-compact'),
            perPeerBlock,
            'B',
            { name: 'scale.compact-bytes', value: compactBytes },
            inSyncCompact ? [atMost(perPeerBlock / compactBytes, 1.5, '≤ 1.5× compact')] : [],
          ),
        ]
      : []),
    result(name('duplicates-per-peer-block'), sum((c) => c.duplicates) / (nodes * run.blocks), 'msgs'),
    result(name('missed'), run.missed, 'node-blocks'),
    result(name('mempool-accepted'), run.offered > 0 ? (100 * run.accepted) / run.offered : 0, '%'),
  ];
  if (mode.compact && rebuilt > 0) {
    out.push(
      result(name('rebuild-ms'), sum((c) => c.rebuildMs) / rebuilt, 'ms'),
      result(name('fetched-share'), (100 * sum((c) => c.fetched)) / rebuilt, '%'),
      result(name('fallback-share'), (100 * sum((c) => c.fallbacks)) / rebuilt, '%'),
    );
  }
  return out;
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
}
