import { availableParallelism } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
import { createTsKernel, createWasmKernel, selfTest } from '../mining/kernel/index.js';
import type { HashKernel } from '../mining/kernel/types.js';
import { HasherPool } from '../mining/hasher/pool.js';
import type { BenchContext } from './context.js';
import { bestRate, now, processCpuMs } from './timing.js';
import { atLeast, result, type Measured } from './types.js';

/** A header no nonce can satisfy at target 0: every scan runs its whole range. */
function benchHeader(): Uint8Array {
  const h = new Uint8Array(80);
  for (let i = 0; i < 76; i++) h[i] = (i * 37 + 11) & 0xff;
  return h;
}

/** Keeps the baseline's hashes observable, so the work cannot be optimised away. */
export let hashSink = 0;

/** The baseline: @noble/hashes sha256d called per nonce, the way a naive miner would. */
function nobleStep(header: Uint8Array, count: number, startNonce: number): number {
  const h = new Uint8Array(header);
  const view = new DataView(h.buffer);
  for (let n = 0; n < count; n++) {
    view.setUint32(76, (startNonce + n) >>> 0, true);
    hashSink ^= sha256(sha256(h))[31]!;
  }
  return count;
}

function kernelRate(
  kernel: HashKernel,
  windows: number,
  ms: number,
  chunk: number,
): Promise<{ rate: number; cpuRate: number }> {
  const header = benchHeader();
  let next = 0;
  return bestRate(windows, ms, () => {
    kernel.scan(header, 0n, next, chunk);
    next = (next + chunk) % 0xf0000000;
    return chunk;
  });
}

/** Hash `total` nonces per window with a pool of `threads` workers; the best window's hashes per second. */
async function poolRate(threads: number, total: number, windows: number): Promise<{ rate: number; cpuRate: number }> {
  const pool = await HasherPool.create({ threads });
  try {
    await pool.search(benchHeader(), 0n, { startNonce: 0, endNonce: Math.min(total, 1 << 20) }); // warm the workers' JIT
    let rate = 0;
    let cpuRate = 0;
    for (let w = 0; w < windows; w++) {
      const from = (1 << 24) + w * total;
      const start = now();
      const cpu0 = processCpuMs();
      const r = await pool.search(benchHeader(), 0n, { startNonce: from, endNonce: from + total });
      rate = Math.max(rate, (r.hashes * 1000) / (now() - start));
      cpuRate = Math.max(cpuRate, (r.hashes * 1000) / Math.max(1e-3, processCpuMs() - cpu0));
    }
    return { rate, cpuRate };
  } finally {
    await pool.close();
  }
}

/** sha256d header hashes per second: the TS and WASM kernels on one thread, and the miner's pool. */
export async function hashBench(ctx: BenchContext): Promise<Measured[]> {
  const ms = ctx.quick ? 200 : 1_000;
  const windows = ctx.quick ? 1 : 3;
  const threads = availableParallelism();
  const bar = ctx.progress('hash: noble, TS, WASM, pool', 5);
  const header = benchHeader();
  let nonce = 0;
  const noble = await bestRate(windows, ms, () => nobleStep(header, 2_000, (nonce += 2_000)));
  const baseline = noble.rate;
  bar.update(1);
  const ts = createTsKernel();
  selfTest(ts);
  const tsRate = (await kernelRate(ts, windows, ms, 1 << 16)).rate;
  bar.update(2);
  const wasm = createWasmKernel();
  selfTest(wasm);
  const wasmBoth = await kernelRate(wasm, windows, ms, 1 << 18);
  const wasmRate = wasmBoth.rate;
  bar.update(3);
  const perPool = Math.max(1 << 20, Math.round((wasmRate * ms) / 1000));
  const oneBoth = await poolRate(1, perPool, windows);
  const one = oneBoth.rate;
  bar.update(4);
  const allBoth = await poolRate(threads, perPool * threads, windows);
  const all = allBoth.rate;
  bar.stop();

  const base = { name: 'hash.noble-per-nonce', value: baseline };
  const oneRef = { name: 'hash.miner-1-thread', value: one };
  return [
    result(base.name, baseline, 'H/s'),
    result('hash.ts-kernel', tsRate, 'H/s', base),
    result('hash.wasm-kernel', wasmRate, 'H/s', base, [
      atLeast(wasmRate, 5e6, '≥ 5 M/s/thread'),
      atLeast(wasmRate / baseline, 15, '≥ 15× baseline'),
    ]),
    // The same two, per second of CPU the thread was given: what a core of its own would do.
    result(
      'hash.wasm-kernel-per-cpu-s',
      wasmBoth.cpuRate,
      'H/cpu-s',
      { name: 'hash.noble-per-nonce-per-cpu-s', value: noble.cpuRate },
      [
        atLeast(wasmBoth.cpuRate, 5e6, '≥ 5 M/s/thread'),
        atLeast(wasmBoth.cpuRate / noble.cpuRate, 15, '≥ 15× baseline'),
      ],
    ),
    result(oneRef.name, one, 'H/s', { name: 'hash.wasm-kernel', value: wasmRate }),
    result(
      `hash.miner-${threads}-threads`,
      all,
      'H/s',
      oneRef,
      threads > 1 ? [atLeast(all / one, 1.8, `≥ 1.8× one thread`)] : [],
    ),
    // Hashes per CPU-second of the whole process: threads that scale keep the one-thread figure
    // (0.9× of it is 1.8× on two free cores), whatever share of the machine they are given.
    result(
      `hash.miner-${threads}-threads-per-cpu-s`,
      allBoth.cpuRate,
      'H/cpu-s',
      { name: 'hash.miner-1-thread-per-cpu-s', value: oneBoth.cpuRate },
      threads > 1 ? [atLeast(allBoth.cpuRate / oneBoth.cpuRate, 0.9, '≥ 0.9× (≈ 1.8× on free cores)')] : [],
    ),
  ];
}
