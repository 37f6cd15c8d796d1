/**
 * Loaded into a benchmarked `powchain node` with `--import` (flood.ts does it): measures the
 * event loop's delay with perf_hooks.monitorEventLoopDelay and writes, every 100 ms, one JSON line
 * to file descriptor 3 (a pipe the benchmark reads): the largest delay in that window, the
 * median, and the process's resident memory. The node's own code is untouched, so the same
 * measurement runs on any build.
 */
import { writeSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What each line says. Delays in milliseconds, rss in bytes, t in ms since the epoch. */
export interface LoopSample {
  t: number;
  maxMs: number;
  p50Ms: number;
  rss: number;
  /** V8's heap in use and memory outside it (buffers), bytes: where RSS went, when it grows. */
  heapUsed: number;
  external: number;
  /** CPU time the process got in this window, ms (all threads). */
  cpuMs: number;
  /** CPU time the main thread got in this window, ms. */
  mainCpuMs: number;
  /**
   * No task on the main thread in this window ran longer than this, ms. A tick every TICK_MS
   * measures the wall time and the main thread's CPU time since the last; a task never spans two
   * ticks (a tick runs between tasks), so a task is no longer than the lesser of the two. A long
   * delay with little main-thread CPU is the machine's (other processes), not the node's.
   */
  taskBoundMs: number;
}

export const LOOP_MONITOR_FD = 3;
const WINDOW_MS = 100;
const TICK_MS = 5;

// 5 ms resolution: the histogram's samples are the delay beyond that timer, so a 50 ms task shows as ~50.
const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
let cpu = process.cpuUsage();
let mainCpu = process.threadCpuUsage();
let taskBound = 0;
let tickAt = performance.now();
let tickCpu = process.threadCpuUsage();
const ticker = setInterval(() => {
  const now = performance.now();
  const used = process.threadCpuUsage(tickCpu);
  taskBound = Math.max(taskBound, Math.min(now - tickAt, (used.user + used.system) / 1000));
  tickAt = now;
  tickCpu = process.threadCpuUsage();
}, TICK_MS);
ticker.unref();
const timer = setInterval(() => {
  const mem = process.memoryUsage();
  const used = process.cpuUsage(cpu);
  const usedMain = process.threadCpuUsage(mainCpu);
  cpu = process.cpuUsage();
  mainCpu = process.threadCpuUsage();
  const sample: LoopSample = {
    t: Date.now(),
    maxMs: histogram.max / 1e6,
    p50Ms: histogram.percentile(50) / 1e6,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    external: mem.external,
    cpuMs: (used.user + used.system) / 1000,
    mainCpuMs: (usedMain.user + usedMain.system) / 1000,
    taskBoundMs: taskBound,
  };
  histogram.reset();
  taskBound = 0;
  try {
    writeSync(LOOP_MONITOR_FD, `${JSON.stringify(sample)}\n`);
  } catch {
    // the benchmark went away: nothing to report to
    clearInterval(timer);
    clearInterval(ticker);
  }
}, WINDOW_MS);
timer.unref();
