/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

/** Milliseconds, monotonic. */
export const now = (): number => performance.now();

/** Let timers, I/O and progress bars run between chunks of synchronous work. */
export const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Run `step` (which does some work and returns how many operations it did) until `ms` have
 * passed, at least once; returns operations per second.
 */
export async function ratePerSecond(
  ms: number,
  step: () => number,
  onTick?: (elapsedMs: number) => void,
): Promise<{ rate: number; cpuRate: number; ops: number; ms: number }> {
  const start = now();
  const cpu0 = threadCpuMs();
  let ops = 0;
  let elapsed = 0;
  do {
    ops += step();
    elapsed = now() - start;
    onTick?.(elapsed);
    if (elapsed < ms) await yieldToLoop();
  } while (elapsed < ms);
  const cpu = Math.max(1e-3, threadCpuMs() - cpu0);
  return { rate: (ops * 1000) / elapsed, cpuRate: (ops * 1000) / cpu, ops, ms: elapsed };
}

/** CPU time of this thread, ms: what the OS actually gave it, whatever else runs on the machine. */
export function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU time of the whole process (every thread), ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The machine is shared: other processes steal time slices at random. Run a short warm-up (JIT,
 * caches), then `windows` measurement windows of `ms`, and keep the best rate, the figure least
 * disturbed by them; and the best rate per second of CPU this thread was given, which does not
 * depend on the other processes at all.
 */
export async function bestRate(
  windows: number,
  ms: number,
  step: () => number,
): Promise<{ rate: number; cpuRate: number }> {
  await ratePerSecond(Math.min(200, ms / 2), step);
  let rate = 0;
  let cpuRate = 0;
  for (let w = 0; w < windows; w++) {
    const r = await ratePerSecond(ms, step);
    rate = Math.max(rate, r.rate);
    cpuRate = Math.max(cpuRate, r.cpuRate);
  }
  return { rate, cpuRate };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolve when `check` is true (polled), or reject after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string, pollMs = 5): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!check()) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}
