/**
 * The memory settler: it gives memory back only when the node is quiet and its RSS has grown,
 * collects only a small heap, backs off when a settle gives little back, and on this machine has
 * both V8's collector and native/memory's malloc_trim to work with.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CHECK_MS,
  GROWTH_BYTES,
  MAX_BACKOFF_MS,
  MAX_COLLECT_HEAP_BYTES,
  MemorySettler,
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
    now: 0,
    collected: 0,
    trimmed: 0,
    quiet: true,
  };
  const means: MemoryMeans = {
    rss: () => p.rss,
    heapUsed: () => p.heap,
    collect: () => {
      p.collected++;
    },
    trim: () => {
      p.trimmed++;
      p.rss -= p.reclaimable;
      p.reclaimable = 0;
      return true;
    },
    nowMs: () => p.now,
  };
  const settler = new MemorySettler({ quiet: () => p.quiet }, means);
  return { p, settler };
}

test('a burst that grew RSS is given back once the node is quiet, not while it is busy', () => {
  const { p, settler } = fakeProcess();
  p.rss += GROWTH_BYTES - 1;
  settler.check();
  expect(p.trimmed).toBe(0); // not grown enough
  p.rss += 40 * MB;
  p.reclaimable = 40 * MB;
  p.quiet = false;
  settler.check();
  expect(p.trimmed).toBe(0); // a flood is still being worked through
  p.quiet = true;
  settler.check();
  expect([p.collected, p.trimmed]).toEqual([1, 1]);
  expect(p.rss).toBe(100 * MB + GROWTH_BYTES - 1);
});

test('a big heap is not collected (the pause would be long), only trimmed', () => {
  const { p, settler } = fakeProcess();
  p.heap = MAX_COLLECT_HEAP_BYTES + MB;
  p.rss += 2 * GROWTH_BYTES;
  settler.check();
  expect([p.collected, p.trimmed]).toEqual([0, 1]);
});

test('memory in use is not chased: settles that give nothing back come less and less often', () => {
  const { p, settler } = fakeProcess();
  p.rss += 2 * GROWTH_BYTES; // a fuller mempool: nothing to reclaim
  const times: number[] = [];
  for (p.now = 0; p.now < 20 * MAX_BACKOFF_MS; p.now += CHECK_MS) {
    const before = p.trimmed;
    settler.check();
    if (p.trimmed > before) times.push(p.now);
  }
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  expect(gaps.slice(0, 4)).toEqual([2, 4, 8, 16].map((n) => n * CHECK_MS));
  expect(Math.max(...gaps)).toBe(MAX_BACKOFF_MS);
  // Then a real burst: it is given back at the next allowed look.
  p.rss += 50 * MB;
  p.reclaimable = 50 * MB;
  p.now += MAX_BACKOFF_MS;
  settler.check();
  expect(p.rss).toBe(100 * MB + 2 * GROWTH_BYTES);
});

/** npm install builds native/memory wherever a C compiler is (scripts/build-native.mjs). */
const TRIM_BUILT = existsSync(
  fileURLToPath(new URL('../../native/memory/build/Release/powchain_memory.node', import.meta.url)),
);

test(`this process has V8's collector${TRIM_BUILT ? ' and malloc_trim' : ' (native/memory is not built here: no trim)'}, and settling runs them`, () => {
  const means = processMeans();
  expect(means.collect).toBeDefined();
  expect(means.trim !== undefined).toBe(TRIM_BUILT);
  const settler = new MemorySettler({ quiet: () => true });
  expect(settler.abilities).toEqual({ collect: true, trim: TRIM_BUILT });
  const freed = settler.settle();
  expect(Number.isFinite(freed)).toBe(true);
  if (TRIM_BUILT) expect(typeof means.trim!()).toBe('boolean');
});
