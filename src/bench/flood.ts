import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './context.js';
import { MB } from './files.js';
import type { FloodKind, FromAttacker, ToAttacker } from './hostile/attacker-process.js';
import type { FloodReport } from './hostile/floods.js';
import { IpcChild } from './ipc-child.js';
import type { LoopSample } from './loop-monitor.js';
import { rssOf, startNode, type NodeProcess } from './node-process.js';
import { now, percentile, sleep } from './timing.js';
import { atMost, result, type Measured } from './types.js';

/** How long after a flood its memory is measured again (the "10 s after"). */
const AFTER_MS = 10_000;
/** The goals. */
const RPC_MAX_GOAL_MS = 250;
const LOOP_MAX_GOAL_MS = 100;
const RSS_RETAINED_GOAL_MB = 40;
/** No task on the main thread longer than this. */
const TASK_GOAL_MS = 50;
/** The node's default --max-peers, and the inbound share of it (net/service.ts). */
const MAX_PEERS = 50;
const RPC_GAP_MS = 20;

interface FloodPlan {
  kind: FloodKind;
  title: string;
  count: number;
  sizes?: number[];
}

function plans(quick: boolean): FloodPlan[] {
  return [
    { kind: 'orphans', title: 'orphan blocks', count: quick ? 500 : 2_000 },
    { kind: 'txs', title: 'transactions spending unknown coins', count: quick ? 1_000 : 5_000 },
    { kind: 'oversized', title: 'oversized gossip', count: quick ? 1 : 2, sizes: quick ? [5 * MB] : [5 * MB, 50 * MB] },
    { kind: 'connections', title: 'connections', count: quick ? MAX_PEERS : MAX_PEERS + 20 },
  ];
}

/** Run `step` again and again, `gapMs` apart, until stopped (each run finishes first). */
function repeat(step: () => Promise<void>, gapMs: number): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await step();
      await sleep(gapMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** getblockcount, one call after another `RPC_GAP_MS` apart, each call's latency recorded. */
function sampleRpc(node: NodeProcess): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  const r = repeat(async () => {
    const t0 = now();
    await node.rpc.call('getblockcount');
    latencies.push(now() - t0);
  }, RPC_GAP_MS);
  return { stop: () => r.stop().then(() => latencies) };
}

/** The node's inbound peer count, polled, the largest seen (connection flood only). */
function sampleInbound(node: NodeProcess): { stop(): Promise<number> } {
  let max = 0;
  const r = repeat(async () => {
    const peers = await node.rpc.call<{ inbound: boolean }[]>('getpeerinfo');
    max = Math.max(max, peers.filter((p) => p.inbound).length);
  }, 100);
  return { stop: () => r.stop().then(() => max) };
}

/** Median of three RSS readings 100 ms apart: a single reading can catch a passing allocation. */
async function rssNow(pid: number): Promise<number> {
  const r: number[] = [];
  for (let i = 0; i < 3; i++) {
    r.push(rssOf(pid));
    await sleep(100);
  }
  return r.sort((a, b) => a - b)[1]!;
}

/**
 * Floods against a `powchain node` (regtest, default limits) from a hostile peer in a process of
 * its own: orphan blocks, transactions spending unknown coins, oversized gossip frames, and more
 * connections than the node has slots. During each: getblockcount latency (p50, max) from this
 * process, the node's event-loop delay (perf_hooks.monitorEventLoopDelay, loaded into the node
 * with --import), and its RSS before, at peak and 10 s after.
 */
export async function floodBench(ctx: BenchContext): Promise<Measured[]> {
  const datadir = join(ctx.tmpDir, 'flood-node');
  mkdirSync(datadir, { recursive: true });
  const monitorModule = fileURLToPath(new URL('./loop-monitor.js', import.meta.url));
  const node = await startNode(datadir, { nodeOptions: ['--import', monitorModule], monitorFd: true });
  ctx.onCleanup(() => node.stop());
  const samples: LoopSample[] = [];
  createInterface({ input: node.monitor! }).on('line', (line) => samples.push(JSON.parse(line) as LoopSample));
  const attacker = IpcChild.fork<ToAttacker, FromAttacker>(
    fileURLToPath(new URL('./hostile/attacker-process.js', import.meta.url)),
    'flood attacker',
  );
  ctx.onCleanup(() => attacker.stop({ type: 'stop' }, 'stopped'));
  const addr = node.listen.find((a) => a.includes('/ip4/127.0.0.1/'));
  if (!addr) throw new Error(`the node listens on no 127.0.0.1 address: ${node.listen.join(', ')}`);

  const all = plans(ctx.quick);
  const orphanPlan = all.find((p) => p.kind === 'orphans')!;
  const prepared = await attacker.request(
    { type: 'prepare', orphans: orphanPlan.count, orphanBytes: ctx.quick ? 10_000 : 30_000 },
    'prepared',
  );
  ctx.note(`flood: ${orphanPlan.count} orphans forged in ${(prepared.ms / 1000).toFixed(1)} s`);
  await sleep(ctx.quick ? 1_000 : 3_000);
  const startRss = await rssNow(node.pid);
  const out: Measured[] = [];
  let lastAfter = startRss;
  const bar = ctx.progress('flood: orphans, txs, oversized, connections', all.length);
  for (const [i, plan] of all.entries()) {
    const before = await rssNow(node.pid);
    const from = samples.length;
    const rpc = sampleRpc(node);
    const inbound = plan.kind === 'connections' ? sampleInbound(node) : undefined;
    const t0 = now();
    const flooded = await attacker.request(
      { type: 'flood', kind: plan.kind, addr, count: plan.count, sizes: plan.sizes },
      'flooded',
    );
    const report: FloodReport = flooded.report;
    // The node may still be working through what arrived: wait for a quiet second (or 60 s).
    const quietSince = { t: now() };
    const deadline = now() + 60_000;
    while (now() - quietSince.t < 1_000 && now() < deadline) {
      await sleep(100);
      const last = samples.at(-1);
      if (!last || last.maxMs > 20) quietSince.t = now();
    }
    const floodMs = now() - t0;
    const latencies = (await rpc.stop()).sort((a, b) => a - b);
    const inboundMax = await inbound?.stop();
    if (plan.kind === 'connections') await attacker.request({ type: 'release' }, 'released');
    const window = samples.slice(from);
    const loopMax = Math.max(0, ...window.map((s) => s.maxMs));
    // No task was longer than the loop monitor's bound (wall time and main-thread CPU between its ticks).
    const taskBound = Math.max(0, ...window.map((s) => s.taskBoundMs));
    const peak = Math.max(before, ...window.map((s) => s.rss));
    await sleep(AFTER_MS);
    const after = await rssNow(node.pid);
    lastAfter = after;
    const k = `flood.${plan.kind}`;
    const rpcMax = latencies.at(-1) ?? NaN;
    out.push(
      result(`${k}.rpc-p50`, percentile(latencies, 50), 'ms'),
      result(`${k}.rpc-max`, rpcMax, 'ms', null, [atMost(rpcMax, RPC_MAX_GOAL_MS, `< ${RPC_MAX_GOAL_MS} ms`, true)]),
      result(`${k}.loop-delay-max`, loopMax, 'ms', null, [
        atMost(loopMax, LOOP_MAX_GOAL_MS, `< ${LOOP_MAX_GOAL_MS} ms`, true),
      ]),
      result(`${k}.longest-task-bound`, taskBound, 'ms', null, [
        atMost(taskBound, TASK_GOAL_MS, `≤ ${TASK_GOAL_MS} ms`),
      ]),
      result(`${k}.rss-before`, before / MB, 'MB'),
      result(`${k}.rss-peak`, peak / MB, 'MB'),
      result(`${k}.rss-after-10s`, after / MB, 'MB', { name: `${k}.rss-before`, value: before / MB }, [
        atMost((after - before) / MB, RSS_RETAINED_GOAL_MB, `≤ before + ${RSS_RETAINED_GOAL_MB} MB`),
      ]),
      result(
        `${k}.callbacks`,
        Object.values(report.requests).reduce((a, b) => a + b, 0),
        'requests',
      ),
    );
    if (inboundMax !== undefined) out.push(result(`${k}.inbound-max`, inboundMax, 'peers'));
    ctx.note(
      `flood: ${plan.title}: ${report.sent} sent, ${report.refused} refused, ${(floodMs / 1000).toFixed(1)} s; requests to the attacker ${JSON.stringify(report.requests)}`,
    );
    bar.update(i + 1);
  }
  bar.stop();
  out.push(
    result('flood.rss-retained', (lastAfter - startRss) / MB, 'MB', null, [
      atMost((lastAfter - startRss) / MB, RSS_RETAINED_GOAL_MB, `≤ ${RSS_RETAINED_GOAL_MB} MB`),
    ]),
  );
  return out;
}
