import { availableParallelism } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
import { createTsKernel, createWasmKernel, loadBestKernelExplained, selfTest } from '../mining/kernel/index.js';
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

/**
 * sha256d header hashes per second: the TS, WASM and (where it runs) native kernels on one thread,
 * and the miner's pool, on the kernel the node would pick, with one thread and with all of them.
 */
export async function hashBench(ctx: BenchContext): Promise<Measured[]> {
  const ms = ctx.quick ? 200 : 1_000;
  const windows = ctx.quick ? 1 : 3;
  const threads = availableParallelism();
  const best = loadBestKernelExplained();
  const native = best.kernel.name === 'sha-ni' ? best.kernel : null;
  const bar = ctx.progress('hash: noble, TS, WASM, native, pool', 6);
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
  // The native kernel's chunk is the pool's (2^16 nonces, about 2 ms): one call into C per chunk.
  const nativeBoth = native ? await kernelRate(native, windows, ms, 1 << 16) : null;
  bar.update(4);
  const bestRateHere = nativeBoth?.rate ?? wasmRate;
  const perPool = Math.max(1 << 20, Math.round((bestRateHere * ms) / 1000));
  const oneBoth = await poolRate(1, perPool, windows);
  const one = oneBoth.rate;
  bar.update(5);
  const allBoth = await poolRate(threads, perPool * threads, windows);
  const all = allBoth.rate;
  bar.stop();
  if (!native) ctx.note(`hash: no native kernel here (${best.fallbackReasons.join('; ')})`);

  const base = { name: 'hash.noble-per-nonce', value: baseline };
  const baseCpu = { name: 'hash.noble-per-nonce-per-cpu-s', value: noble.cpuRate };
  const oneRef = { name: 'hash.miner-1-thread', value: one };
  const nativeRows = nativeBoth
    ? [
        result('hash.native-kernel', nativeBoth.rate, 'H/s', base, [
          atLeast(nativeBoth.rate, 15e6, '≥ 15 M/s/thread'),
          atLeast(nativeBoth.rate / baseline, 30, '≥ 30× baseline'),
        ]),
        result('hash.native-kernel-per-cpu-s', nativeBoth.cpuRate, 'H/cpu-s', baseCpu, [
          atLeast(nativeBoth.cpuRate, 15e6, '≥ 15 M/s/thread'),
          atLeast(nativeBoth.cpuRate / noble.cpuRate, 30, '≥ 30× baseline'),
        ]),
      ]
    : [];
  return [
    result(base.name, baseline, 'H/s'),
    result('hash.ts-kernel', tsRate, 'H/s', base),
    result('hash.wasm-kernel', wasmRate, 'H/s', base, [
      atLeast(wasmRate, 5e6, '≥ 5 M/s/thread'),
      atLeast(wasmRate / baseline, 15, '≥ 15× baseline'),
    ]),
    // The same two, per second of CPU the thread was given: what a core of its own would do.
    result('hash.wasm-kernel-per-cpu-s', wasmBoth.cpuRate, 'H/cpu-s', baseCpu, [
      atLeast(wasmBoth.cpuRate, 5e6, '≥ 5 M/s/thread'),
      atLeast(wasmBoth.cpuRate / noble.cpuRate, 15, '≥ 15× baseline'),
    ]),
    ...nativeRows,
    result(oneRef.name, one, 'H/s', { name: `hash.${native ? 'native' : 'wasm'}-kernel`, value: bestRateHere }),
    result(
      `hash.miner-${threads}-threads`,
      all,
      'H/s',
      oneRef,
      threads > 1 ? [atLeast(all / one, 0.95 * threads, `≥ ${0.95 * threads}× one thread`)] : [],
    ),
    // Hashes per CPU-second of the whole process: threads that scale keep the one-thread figure
    // (0.95× of it is 1.9× on two free cores), whatever share of the machine they are given.
    result(
      `hash.miner-${threads}-threads-per-cpu-s`,
      allBoth.cpuRate,
      'H/cpu-s',
      { name: 'hash.miner-1-thread-per-cpu-s', value: oneBoth.cpuRate },
      threads > 1 ? [atLeast(allBoth.cpuRate / oneBoth.cpuRate, 0.95, '≥ 0.95× (≈ 1.9× on two free cores)')] : [],
    ),
  ];
}
