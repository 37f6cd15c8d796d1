import { cpSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../chain/chain.js';
import { VerifyPool } from '../crypto/verify-pool.js';
import { NetService } from '../net/service.js';
import { benchClock, ensureConnected, type ConnectArtifacts } from './connect.js';
import type { BenchContext } from './context.js';
import { regtest } from './gen/load.js';
import { cpuSecondsOf } from './node-process.js';
import { PeerChild } from './peers.js';
import { now, percentile, processCpuMs } from './timing.js';
import { atLeast, result, type Measured } from './types.js';

/** Cold syncs in a full run: as many as connect's runs, so the two figures are read alike (best of three). */
const FULL_RUNS = 3;

interface SyncRun {
  ms: number;
  /** CPU of this process (the syncing peer: network, decoding, the chain, its verify workers). */
  cpuMs: number;
  /** CPU of the serving peers' processes together, or null where /proc cannot be read. */
  serversCpuMs: number | null;
}

/**
 * A fresh peer (in this process: Chain, VerifyPool, NetService) syncing the connect benchmark's
 * chain over libp2p on 127.0.0.1 from two peers, each its own process serving a copy of the
 * database connect built. The baseline is connect's figure: the ratio is what the network costs.
 * Like connect, a full run syncs three times, each into a new database, and reports the best run
 * with the median and the slowest beside it. The CPU per transaction of the syncing process is
 * reported apart from the serving peers': on a real network those run on other machines, here
 * they take their CPU from the same two cores.
 */
export async function syncBench(ctx: BenchContext): Promise<Measured[]> {
  const { artifacts, ran } = await ensureConnected(ctx);
  const clockFloor = regtest.genesis.header.time + artifacts.height + 1;
  const dirs = ['sync-a', 'sync-b'].map((d) => join(ctx.tmpDir, d));
  // The chain database and its block store beside it (`<location>-blocks`, blocksLocationOf).
  for (const d of dirs) {
    cpSync(artifacts.dbDir, d, { recursive: true });
    cpSync(`${artifacts.dbDir}-blocks`, `${d}-blocks`, { recursive: true });
  }
  const servers = await Promise.all(dirs.map((d, i) => PeerChild.start(`server-${i}`, d, { clockFloor })));
  const runs: SyncRun[] = [];
  try {
    for (const s of servers)
      if (s.height !== artifacts.height)
        throw new Error(`sync server ${s.label} is at height ${s.height}, not ${artifacts.height}`);
    const count = ctx.quick ? 1 : FULL_RUNS;
    for (let r = 1; r <= count; r++) {
      const label = count > 1 ? `sync ${r}/${count}: blocks` : 'sync: blocks';
      runs.push(await syncOnce(ctx, artifacts, servers, join(ctx.tmpDir, `sync-fresh-${r}`), label));
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const rates = runs.map((r) => artifacts.txs / (r.ms / 1000)).sort((a, b) => a - b);
  const seconds = best.ms / 1000;
  const txRate = artifacts.txs / seconds;
  const perCpu = artifacts.txs / (best.cpuMs / 1000);
  return [
    ...ran,
    result('sync.blocks', artifacts.height / seconds, 'blocks/s', {
      name: 'connect.blocks',
      value: artifacts.height / artifacts.seconds,
    }),
    result('sync.txs', txRate, 'tx/s', { name: 'connect.txs', value: artifacts.txPerSecond }, [
      atLeast(txRate, 5_000, '≥ 5,000 tx/s'),
    ]),
    ...(rates.length > 1
      ? [result('sync.txs-median', percentile(rates, 50), 'tx/s'), result('sync.txs-slowest', rates[0]!, 'tx/s')]
      : []),
    // The syncing process alone, against connect's whole process: what the network adds on the receiving side.
    result('sync.txs-per-cpu-s', perCpu, 'tx/cpu-s', {
      name: 'connect.txs-per-cpu-s',
      value: artifacts.txPerCpuSecond,
    }),
    ...(best.serversCpuMs === null
      ? []
      : [result('sync.servers-cpu-per-block', (best.serversCpuMs * 1000) / artifacts.height, 'µs/block')]),
  ];
}

/** One cold sync of the whole chain into a new database at `location`, from `servers`. */
async function syncOnce(
  ctx: BenchContext,
  artifacts: ConnectArtifacts,
  servers: PeerChild[],
  location: string,
  label: string,
): Promise<SyncRun> {
  const pool = new VerifyPool({ size: availableParallelism() });
  const chain = await Chain.open({ params: regtest, location, verifier: pool, clock: benchClock(artifacts.height) });
  // It syncs from the two servers it is given: no DHT, no outbound keeper of its own.
  const net = new NetService({ chain, clock: benchClock(artifacts.height), discovery: false });
  const bar = ctx.progress(label, artifacts.height);
  try {
    await net.start();
    const target = artifacts.height;
    const timeoutMs = ctx.quick ? 120_000 : 900_000;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`sync did not reach height ${target} in ${timeoutMs / 1000} s (at ${chain.height})`)),
        timeoutMs,
      );
      chain.on('tip', (e) => {
        bar.update(e.height);
        if (e.height >= target) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const serversCpu = (): number | null => {
      let sum = 0;
      for (const s of servers) {
        const cpu = s.pid === undefined ? null : cpuSecondsOf(s.pid);
        if (!cpu) return null;
        sum += cpu.process * 1000;
      }
      return sum;
    };
    const start = now();
    const cpu0 = processCpuMs();
    const servers0 = serversCpu();
    await Promise.all(servers.map((s) => net.connect(s.addr)));
    await done;
    const ms = now() - start;
    const cpuMs = processCpuMs() - cpu0;
    const servers1 = serversCpu();
    return { ms, cpuMs, serversCpuMs: servers0 === null || servers1 === null ? null : servers1 - servers0 };
  } finally {
    bar.stop();
    await net.stop().catch(() => undefined);
    await chain.close();
    await pool.close();
    rmSync(location, { recursive: true, force: true });
    rmSync(`${location}-blocks`, { recursive: true, force: true });
  }
}
