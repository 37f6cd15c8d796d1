import { cpSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../chain/chain.js';
import { VerifyPool } from '../crypto/verify-pool.js';
import { NetService } from '../net/service.js';
import { benchClock, ensureConnected } from './connect.js';
import type { BenchContext } from './context.js';
import { regtest } from './gen/load.js';
import { PeerChild } from './peers.js';
import { now } from './timing.js';
import { atLeast, result, type Measured } from './types.js';

/**
 * A fresh peer (in this process: Chain, VerifyPool, NetService) syncing the connect benchmark's
 * chain over libp2p on 127.0.0.1 from two peers, each its own process serving a copy of the
 * database connect built. The baseline is connect's figure: the ratio is what the network costs.
 */
export async function syncBench(ctx: BenchContext): Promise<Measured[]> {
  const { artifacts, ran } = await ensureConnected(ctx);
  const clockFloor = regtest.genesis.header.time + artifacts.height + 1;
  const dirs = ['sync-a', 'sync-b'].map((d) => join(ctx.tmpDir, d));
  for (const d of dirs) cpSync(artifacts.dbDir, d, { recursive: true });
  const servers = await Promise.all(dirs.map((d, i) => PeerChild.start(`server-${i}`, d, { clockFloor })));
  const pool = new VerifyPool({ size: availableParallelism() });
  const chain = await Chain.open({
    params: regtest,
    location: join(ctx.tmpDir, 'sync-fresh'),
    verifier: pool,
    clock: benchClock(artifacts.height),
  });
  const net = new NetService({ chain, clock: benchClock(artifacts.height) });
  const bar = ctx.progress('sync: blocks', artifacts.height);
  let ms: number;
  try {
    for (const s of servers)
      if (s.height !== artifacts.height)
        throw new Error(`sync server ${s.label} is at height ${s.height}, not ${artifacts.height}`);
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
    const start = now();
    await Promise.all(servers.map((s) => net.connect(s.addr)));
    await done;
    ms = now() - start;
  } finally {
    bar.stop();
    await net.stop().catch(() => undefined);
    await chain.close();
    await pool.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
  const seconds = ms / 1000;
  const txRate = artifacts.txs / seconds;
  return [
    ...ran,
    result('sync.blocks', artifacts.height / seconds, 'blocks/s', {
      name: 'connect.blocks',
      value: artifacts.height / artifacts.seconds,
    }),
    result('sync.txs', txRate, 'tx/s', { name: 'connect.txs', value: artifacts.txPerSecond }, [
      atLeast(txRate, 5_000, '≥ 5,000 tx/s'),
    ]),
  ];
}
