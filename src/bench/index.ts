/**
 * bench: the benchmarks and their in-process baselines (docs/benchmarks.md), one file each; gen/
 * generates the deterministic chains they run on and caches them under bench/cache; hostile/ is
 * the attacker of `bench flood` and of the hostile-peer tests, built from libp2p parts and the
 * protocol docs rather than the node's own sending code. Speed is measured here, never asserted
 * in a test.
 *
 * May import: everything below the cli. Only the cli (`powchain bench`) may import it
 * (dependency-cruiser: bench-not-to-cli, only-cli-imports-bench).
 */
import { connectBench } from './connect.js';
import { createContext, benchRoot, type BenchContext } from './context.js';
import { floodBench } from './flood.js';
import { hashBench } from './hash.js';
import { importCosts } from './import-cost.js';
import { memoryBench } from './memory.js';
import { mempoolBench } from './mempool.js';
import { propagateBench } from './propagate.js';
import { scaleBench } from './scale.js';
import { describeMachine, renderTable, toReport, writeResultsFile, type Report } from './report.js';
import { syncBench } from './sync.js';
import { BENCH_NAMES, type BenchName, type Measured } from './types.js';
import { verifyBench } from './verify.js';
import { join } from 'node:path';

export { BENCH_NAMES, isBenchName, type BenchName, type BenchResult } from './types.js';
export type { Report } from './report.js';

const BENCHMARKS: Record<BenchName, { title: string; run: (ctx: BenchContext) => Promise<Measured[]> }> = {
  hash: { title: 'hash: sha256d headers', run: hashBench },
  verify: { title: 'verify: ECDSA', run: verifyBench },
  connect: { title: 'connect: cold block connection', run: connectBench },
  sync: { title: 'sync: fresh peer from two peers', run: syncBench },
  propagate: { title: 'propagate: publish → 8 peers', run: propagateBench },
  scale: { title: 'scale: a stream of blocks → 100 peers', run: scaleBench },
  mempool: { title: 'mempool: sendrawtransaction', run: mempoolBench },
  memory: { title: 'memory: RSS', run: memoryBench },
  startup: { title: 'startup: what each dependency costs, alone in a fresh process', run: importCosts },
  flood: { title: 'flood: a hostile peer against a node', run: floodBench },
};

export interface RunOptions {
  /** Benchmark names, or ['all']. */
  names: (BenchName | 'all')[];
  quick: boolean;
  /** Print the JSON report instead of tables. */
  json: boolean;
  /** Where the results file goes; null writes none. Default bench/results. */
  resultsDir?: string | null;
  /** Bars and notes on stderr; default: stderr is a terminal. */
  interactive?: boolean;
  cacheDir?: string;
  out?: (text: string) => void;
  /** gossipsub parameters for the scale benchmark (the rest keep the defaults). */
  gossip?: BenchContext['gossip'];
  /** Nodes for the scale benchmark. */
  peers?: number;
}

/** Run the benchmarks in order, print tables (or JSON), write the results file; returns the report. */
export async function runBenchmarks(o: RunOptions): Promise<Report> {
  const names: BenchName[] = o.names.includes('all') ? [...BENCH_NAMES] : [...new Set(o.names as BenchName[])];
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const ctx = createContext({
    quick: o.quick,
    interactive: o.interactive ?? process.stderr.isTTY === true,
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    ...(o.gossip ? { gossip: o.gossip } : {}),
    ...(o.peers ? { peers: o.peers } : {}),
  });
  const all: Measured[] = [];
  const onSignal = () => void ctx.close().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    for (const name of names) {
      const b = BENCHMARKS[name];
      const results = await b.run(ctx);
      for (const r of results) ctx.results.set(r.name, r);
      all.push(...results);
      if (!o.json) out(`${renderTable(b.title + (o.quick ? ' (quick)' : ''), results)}\n`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    await ctx.close();
  }
  const report = toReport(all);
  if (o.json) out(`${JSON.stringify(report, null, 2)}\n`);
  else out(`${describeMachine(report.machine)}\n`);
  const dir = o.resultsDir === undefined ? join(benchRoot(), 'results') : o.resultsDir;
  if (dir !== null) {
    const label = (o.names.includes('all') ? 'all' : names.join('-')) + (o.quick ? '-quick' : '');
    const path = writeResultsFile(dir, label, report);
    if (!o.json && !o.quick) out(`results written to ${path}\n`);
  }
  return report;
}
