import { cpSync, mkdirSync } from 'node:fs';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Chain } from '../chain/chain.js';
import { decodeBlockWithTxids } from '../consensus/block.js';
import { VerifyPool } from '../crypto/verify-pool.js';
import { benchClock } from './connect.js';
import type { BenchContext } from './context.js';
import { MB } from './files.js';
import { cachedDir, cacheKey } from './gen/cache.js';
import { loadChain, regtest } from './gen/load.js';
import { rssOf, startNode, trackChild } from './node-process.js';
import { sleep } from './timing.js';
import { atMost, result, type Measured } from './types.js';

/** RSS after `settleMs` idle, sampled a few times; the largest sample (what the OS must give it). */
async function settledRss(pid: number, settleMs: number): Promise<number> {
  await sleep(settleMs);
  let max = 0;
  for (let i = 0; i < 5; i++) {
    max = Math.max(max, rssOf(pid));
    await sleep(200);
  }
  return max;
}

async function bareRss(settleMs: number): Promise<number> {
  const child = trackChild(
    fork(fileURLToPath(new URL('./bare-process.js', import.meta.url)), [], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      execArgv: [],
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`baseline process exited with ${code}`)));
    });
    return await settledRss(child.pid!, settleMs);
  } finally {
    child.kill('SIGTERM');
  }
}

/** A chain database at the memory chain's tip, built once and cached (connecting 10k blocks is setup, not the measurement). */
async function memoryDb(ctx: BenchContext): Promise<{ dir: string; height: number; utxos: number }> {
  const { blocks, spec, stats } = await loadChain(ctx, 'memory');
  const { dir } = await cachedDir(ctx.cacheDir, cacheKey('memory-db', spec), async (d) => {
    const pool = new VerifyPool({ size: 1 });
    const chain = await Chain.open({
      params: regtest,
      location: join(d, 'chain'),
      verifier: pool,
      clock: benchClock(blocks.length),
    });
    const bar = ctx.progress('memory: building the chain database', blocks.length);
    try {
      for (let i = 0; i < blocks.length; i++) {
        const block = decodeBlockWithTxids(blocks[i]!);
        const r = await chain.processBlock(block, { bytes: blocks[i]!, txids: block.txids });
        if (r.status !== 'connected') throw new Error(`memory chain block ${i + 1}: ${JSON.stringify(r)}`);
        if (i % 100 === 0) bar.update(i + 1);
      }
    } finally {
      bar.stop();
      await chain.close();
      await pool.close();
    }
  });
  return { dir: join(dir, 'chain'), height: blocks.length, utxos: stats.utxos };
}

/**
 * Resident memory: a bare Node process with powchain's libraries loaded (baseline), a
 * `powchain node` idle on an empty regtest chain, and one idle at the memory chain's tip
 * (10,000 blocks and ~100,000 unspent outputs; 1,000 and ~10,000 with --quick).
 */
export async function memoryBench(ctx: BenchContext): Promise<Measured[]> {
  const settleMs = ctx.quick ? 1_500 : 5_000;
  const db = await memoryDb(ctx);
  const bar = ctx.progress('memory: bare, idle node, loaded node', 3);
  const bare = await bareRss(settleMs);
  bar.update(1);

  const idleNode = await startNode(join(ctx.tmpDir, 'memory-idle'));
  let idle: number;
  try {
    idle = await settledRss(idleNode.pid, settleMs);
  } finally {
    await idleNode.stop();
  }
  bar.update(2);

  const datadir = join(ctx.tmpDir, 'memory-loaded');
  mkdirSync(datadir, { recursive: true });
  cpSync(db.dir, join(datadir, 'chain'), { recursive: true });
  cpSync(`${db.dir}-blocks`, join(datadir, 'blocks'), { recursive: true });
  const loadedNode = await startNode(datadir);
  let loaded: number;
  try {
    const height = await loadedNode.rpc.call<number>('getblockcount');
    if (height !== db.height) throw new Error(`the loaded node is at height ${height}, expected ${db.height}`);
    loaded = await settledRss(loadedNode.pid, settleMs);
  } finally {
    await loadedNode.stop();
  }
  bar.stop();
  ctx.note(`memory: loaded node at ${db.height} blocks, ${db.utxos} unspent outputs`);

  const base = { name: 'memory.bare-node-process', value: bare / MB };
  return [
    result(base.name, bare / MB, 'MB'),
    result('memory.node-idle', idle / MB, 'MB', base, [atMost(idle / MB, 90, '≤ 90 MB')]),
    result(`memory.node-${db.height}-blocks`, loaded / MB, 'MB', base, [atMost(loaded / MB, 180, '≤ 180 MB')]),
  ];
}
