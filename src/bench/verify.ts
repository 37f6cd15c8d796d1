import { availableParallelism } from 'node:os';
import { backendUnavailableReason, getBackend, nobleBackend, type VerifyBackend } from '../crypto/verify.js';
import { VerifyPool, type VerifyItem } from '../crypto/verify-pool.js';
import type { BenchContext } from './context.js';
import { benchKeys, fastSha256d, signer } from './gen/keys.js';
import { bestRate, now, processCpuMs, yieldToLoop } from './timing.js';
import { atLeast, result, type Measured } from './types.js';

/** `n` valid (signature, digest, key) triples over 16 keys, signed with libsecp256k1. */
export function signatureItems(n: number): VerifyItem[] {
  const keys = benchKeys('verify', 16);
  const sign = signer().sign;
  const items: VerifyItem[] = [];
  for (let i = 0; i < n; i++) {
    const key = keys[i % keys.length]!;
    const digest = fastSha256d(new TextEncoder().encode(`powchain bench digest ${i}`));
    items.push({ sig: sign(digest, key.priv), digest, pubkey: key.pub });
  }
  return items;
}

function backendRate(
  backend: VerifyBackend,
  items: readonly VerifyItem[],
  windows: number,
  ms: number,
): Promise<{ rate: number; cpuRate: number }> {
  let i = 0;
  return bestRate(windows, ms, () => {
    const end = Math.min(items.length, i + 64);
    for (; i < end; i++) {
      const it = items[i]!;
      if (!backend.verify(it.sig, it.digest, it.pubkey)) throw new Error(`${backend.name} rejected a valid signature`);
    }
    if (i >= items.length) i = 0;
    return 64;
  });
}

/**
 * ECDSA verifications per second: noble (baseline), the secp256k1 package's libsecp256k1 on one
 * thread, the system's libsecp256k1 through powchain's module when it is built, and the VerifyPool
 * with the fastest of them.
 */
export async function verifyBench(ctx: BenchContext, opts: { items?: number; ms?: number } = {}): Promise<Measured[]> {
  const count = opts.items ?? (ctx.quick ? 4_000 : 30_000);
  const ms = opts.ms ?? (ctx.quick ? 200 : 1_000);
  const windows = ctx.quick ? 1 : 3;
  const bar = ctx.progress('verify: sign, noble, native, system, pool', 5);
  const items = signatureItems(count);
  bar.update(1);
  const noble = await backendRate(nobleBackend, items, windows, ms);
  const baseline = noble.rate;
  bar.update(2);
  const native = getBackend('libsecp256k1');
  if (!native) throw new Error('the native libsecp256k1 backend did not load: nothing to measure against noble');
  const nativeBoth = await backendRate(native, items, windows, ms);
  const nativeRate = nativeBoth.rate;
  bar.update(3);
  const system = getBackend('system-libsecp256k1');
  if (!system)
    ctx.note(`system-libsecp256k1 not measured: ${backendUnavailableReason('system-libsecp256k1')?.message}`);
  const systemBoth = system ? await backendRate(system, items, windows, ms) : undefined;
  bar.update(4);

  const threads = availableParallelism();
  const fastest =
    systemBoth && systemBoth.rate > nativeRate
      ? { backend: system!, name: 'verify.system-1-thread', rate: systemBoth.rate, cpuRate: systemBoth.cpuRate }
      : { backend: native, name: 'verify.native-1-thread', rate: nativeRate, cpuRate: nativeBoth.cpuRate };
  const pool = new VerifyPool({ size: threads, backend: fastest.backend });
  let poolRate: number;
  let poolCpuRate: number;
  try {
    const batch = 2_000;
    if ((await pool.verifyBatch(items.slice(0, batch))) !== -1) throw new Error('the pool rejected a valid signature');
    let i = 0;
    poolRate = 0;
    poolCpuRate = 0;
    for (let w = 0; w < windows; w++) {
      const start = now();
      const cpu0 = processCpuMs();
      let done = 0;
      while (now() - start < ms || done === 0) {
        if (i + batch > items.length) i = 0;
        if ((await pool.verifyBatch(items.slice(i, i + batch))) !== -1)
          throw new Error('the pool rejected a valid signature');
        i += batch;
        done += batch;
        await yieldToLoop();
      }
      poolRate = Math.max(poolRate, (done * 1000) / (now() - start));
      poolCpuRate = Math.max(poolCpuRate, (done * 1000) / Math.max(1e-3, processCpuMs() - cpu0));
    }
  } finally {
    await pool.close();
  }
  bar.stop();

  const base = { name: 'verify.noble', value: baseline };
  return [
    result(base.name, baseline, 'verify/s'),
    result('verify.native-1-thread', nativeRate, 'verify/s', base, [
      atLeast(nativeRate, 15_000, '≥ 15,000/s/thread'),
      atLeast(nativeRate / baseline, 35, '≥ 35× baseline'),
    ]),
    // Per second of CPU the thread was given: what a core of its own would do.
    result(
      'verify.native-per-cpu-s',
      nativeBoth.cpuRate,
      'verify/cpu-s',
      { name: 'verify.noble-per-cpu-s', value: noble.cpuRate },
      [
        atLeast(nativeBoth.cpuRate, 15_000, '≥ 15,000/s/thread'),
        atLeast(nativeBoth.cpuRate / noble.cpuRate, 35, '≥ 35× baseline'),
      ],
    ),
    ...(systemBoth
      ? [
          // The same curve library, seven years newer (safegcd inversions), with the package's as baseline.
          result('verify.system-1-thread', systemBoth.rate, 'verify/s', {
            name: 'verify.native-1-thread',
            value: nativeRate,
          }),
          result('verify.system-per-cpu-s', systemBoth.cpuRate, 'verify/cpu-s', {
            name: 'verify.native-per-cpu-s',
            value: nativeBoth.cpuRate,
          }),
        ]
      : []),
    // The pool uses the fastest backend; its baseline is that backend on one thread.
    result(`verify.pool-${threads}-threads`, poolRate, 'verify/s', { name: fastest.name, value: fastest.rate }, [
      atLeast(poolRate / threads, 15_000, '≥ 15,000/s/thread'),
    ]),
    // Per CPU-second of the whole process (workers, and the main thread packing batches).
    result(
      `verify.pool-${threads}-threads-per-cpu-s`,
      poolCpuRate,
      'verify/cpu-s',
      { name: fastest.name.replace('1-thread', 'per-cpu-s'), value: fastest.cpuRate },
      [atLeast(poolCpuRate, 15_000, '≥ 15,000/s/thread')],
    ),
  ];
}
