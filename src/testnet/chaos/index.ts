/**
 * testnet/chaos: fault injection and a history checker for powchain, in the spirit of Jepsen.
 * A run (run.ts) starts a fresh testnet of real `powchain node` processes, plays a seeded
 * schedule of faults (schedule.ts: partitions, slow and stalled links, skewed clocks, crashes)
 * over a network it controls (fabric.ts, on netns.ts and relay.ts), pays continuously between
 * the peers' wallets (workload.ts), records everything to a history (history.ts, observer.ts),
 * and judges the history (replay.ts, check.ts) in a report (report.ts) and a picture
 * (timeline-svg.ts). What the CLI (`powchain testnet chaos`, `powchain testnet check`) calls is
 * here.
 *
 * Part of testnet: may import what it may (rpc client, fsutil, collections) and consensus (the
 * checker decodes blocks and transactions as the nodes report them); it drives nodes and wallets
 * as processes, over RPC and their CLIs, never through their code.
 */
import { writeFileSync } from 'node:fs';
import { netnsUnavailable, sweepStale } from '../netns.js';
import { RunRegistry } from '../registry.js';
import { check, type CheckReport } from './check.js';
import { readHistory } from './history.js';
import { runChaos, type ChaosOptions } from './run.js';
import { timelineSvg } from './timeline-svg.js';

export { Interrupted } from './run-steps.js';
export { HistoryError } from './history.js';
export { ScheduleError, FAULT_NAMES, type FaultName } from './schedule.js';
export { renderReport, reportJson } from './report.js';
export type { ChaosOptions, CheckReport };

export type ModeChoice = { mode: 'netns' | 'loopback'; note?: string } | { error: string };

/**
 * Which network mode to use: `--netns` where namespaces work (else an error that offers
 * `--loopback`), `--loopback` always, neither: namespaces when they work, else loopback with a
 * one-line note saying why.
 */
export async function chooseMode(asked: 'netns' | 'loopback' | undefined): Promise<ModeChoice> {
  if (asked === 'loopback') return { mode: 'loopback' };
  const why = await netnsUnavailable();
  if (!why) return { mode: 'netns' };
  if (asked === 'netns') return { error: `${why}; run with --loopback to relay the links on 127.0.0.1 instead` };
  return { mode: 'loopback', note: `${why}: running in loopback mode (peers on 127.0.0.1, partitions in the relays)` };
}

/** Remove what earlier runs that died left behind; one line per thing removed. */
export async function cleanupLeftovers(registryDir?: string): Promise<string[]> {
  return sweepStale(new RunRegistry(registryDir));
}

/** Check a history file; write its timeline when `svgPath` is given. */
export function checkHistory(path: string, svgPath?: string): CheckReport {
  const h = readHistory(path);
  const report = check(h);
  if (svgPath) writeFileSync(svgPath, timelineSvg(h, report));
  return report;
}

/** Run, then check: the report, with the history and timeline written. */
export async function chaos(
  o: ChaosOptions & { svgPath: string },
  say: (line: string) => void,
  signal: AbortSignal,
): Promise<CheckReport> {
  await cleanupLeftovers(o.registryDir);
  await runChaos(o, say, signal);
  return checkHistory(o.historyPath, o.svgPath);
}
