/**
 * The memory settler: it gives memory back only when the node is quiet and its RSS has grown,
 * collects only a small heap, backs off when a settle gives little back, and on this machine has
 * both V8's collector and native/memory.c's malloc_trim to work with.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CHECK_MS,
  GROWTH_BYTES,
  MAX_BACKOFF_MS,
  MAX_COLLECT_HEAP_BYTES,
  MemorySettler,
  TRIM_DELAY_MS,
  processMeans,
  type MemoryMeans,
} from '../../src/node/memory.js';

const MB = 1024 * 1024;

/** A process whose RSS the test sets; collect and trim give back what `reclaimable` says. */
function fakeProcess() {
  const p = {
    rss: 100 * MB,
    heap: 30 * MB,
    reclaimable: 0,
    /** Heap bytes the next collection finds unreachable. */
    garbage: 0,
    now: 0,
    collected: 0,
    trimmed: 0,
    quiet: true,
    /** Each wait between collecting and trimming, with the counts when it began. */
    waited: [] as { ms: number; collected: number; trimmed: number }[],
  };
  const means: MemoryMeans = {
    rss: () => p.rss,
    heapUsed: () => p.heap,
    collect: () => {
      p.collected++;
      p.heap -= p.garbage;
      p.garbage = 0;
    },
    trim: () => {
      p.trimmed++;
      p.rss -= p.reclaimable;
      p.reclaimable = 0;
      return true;
    },
    nowMs: () => p.now,
    wait: (ms) => {
      p.waited.push({ ms, collected: p.collected, trimmed: p.trimmed });
      return Promise.resolve();
    },
  };
  const settler = new MemorySettler({ quiet: () => p.quiet }, means);
  return { p, settler };
}

test('a burst that grew RSS is given back once the node is quiet, not while it is busy', async () => {
  const { p, settler } = fakeProcess();
  p.rss += GROWTH_BYTES - 1;
  await settler.check();
  expect(p.trimmed).toBe(0); // not grown enough
  p.rss += 40 * MB;
  p.reclaimable = 40 * MB;
  p.quiet = false;
  await settler.check();
  expect(p.trimmed).toBe(0); // a flood is still being worked through
  p.quiet = true;
  await settler.check();
  expect([p.collected, p.trimmed]).toEqual([1, 1]);
  // The trim waits for what the collection freed to reach malloc.
  expect(p.waited).toEqual([{ ms: TRIM_DELAY_MS, collected: 1, trimmed: 0 }]);
  expect(p.rss).toBe(100 * MB + GROWTH_BYTES - 1);
});

test('a settle that found garbage but freed no RSS yet looks again at the next check, not after a back-off', async () => {
  const { p, settler } = fakeProcess();
  p.rss += 60 * MB;
  p.garbage = 20 * MB; // what it held outside the heap (closed connections) reaches malloc later
  await settler.check();
  expect([p.collected, p.trimmed, p.rss]).toEqual([1, 1, 160 * MB]);
  p.reclaimable = 60 * MB;
  p.now += CHECK_MS;
  await settler.check();
  expect([p.collected, p.trimmed, p.rss]).toEqual([2, 2, 100 * MB]);
});

test('a big heap is not collected (the pause would be long), only trimmed', async () => {
  const { p, settler } = fakeProcess();
  p.heap = MAX_COLLECT_HEAP_BYTES + MB;
  p.rss += 2 * GROWTH_BYTES;
  await settler.check();
  expect([p.collected, p.trimmed]).toEqual([0, 1]);
});

test('memory in use is not chased: settles that give nothing back come less and less often', async () => {
  const { p, settler } = fakeProcess();
  p.rss += 2 * GROWTH_BYTES; // a fuller mempool: nothing to reclaim
  const times: number[] = [];
  for (p.now = 0; p.now < 20 * MAX_BACKOFF_MS; p.now += CHECK_MS) {
    const before = p.trimmed;
    await settler.check();
    if (p.trimmed > before) times.push(p.now);
  }
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  expect(gaps.slice(0, 4)).toEqual([2, 4, 8, 16].map((n) => n * CHECK_MS));
  expect(Math.max(...gaps)).toBe(MAX_BACKOFF_MS);
  // Then a real burst: it is given back at the next look, not after the back-off.
  let trimmed = p.trimmed;
  for (; p.trimmed === trimmed; p.now += CHECK_MS) await settler.check();
  trimmed = p.trimmed;
  await settler.check();
  expect(p.trimmed).toBe(trimmed); // a look right after a settle: backing off from the memory in use
  p.rss += 50 * MB;
  p.reclaimable = 50 * MB;
  p.now += CHECK_MS;
  await settler.check();
  expect(p.trimmed).toBe(trimmed + 1);
  expect(p.rss).toBe(100 * MB + 2 * GROWTH_BYTES);
});

/** npm install builds native/memory.c wherever a C compiler is (scripts/build-native.mjs). */
const TRIM_BUILT = existsSync(
  fileURLToPath(new URL('../../native/build/Release/powchain_memory.node', import.meta.url)),
);

test(`this process has V8's collector${TRIM_BUILT ? ' and malloc_trim' : ' (native/memory.c is not built here: no trim)'}, and settling runs them`, async () => {
  const means = processMeans();
  expect(means.collect).toBeDefined();
  expect(means.trim !== undefined).toBe(TRIM_BUILT);
  const settler = new MemorySettler({ quiet: () => true });
  expect(settler.abilities).toEqual({ collect: true, trim: TRIM_BUILT });
  const freed = await settler.settle();
  expect(Number.isFinite(freed.rss) && Number.isFinite(freed.heap)).toBe(true);
  if (TRIM_BUILT) expect(typeof means.trim!()).toBe('boolean');
});
