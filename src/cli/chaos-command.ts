import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  chaos,
  checkHistory,
  chooseMode,
  cleanupLeftovers,
  FAULT_NAMES,
  HistoryError,
  Interrupted,
  renderReport,
  reportJson,
  ScheduleError,
  type FaultName,
} from '../testnet/chaos/index.js';
import { TestnetError } from '../testnet/errors.js';
import { NetnsError } from '../testnet/netns.js';
import { RelayError } from '../testnet/relay.js';
import { serveRelay } from '../testnet/relay-server.js';
import { intArg, numberArg } from './args.js';
import { UsageError } from './errors.js';

function faultsArg(v: string): FaultName[] {
  if (v === 'none') return [];
  const names = v.split(',').map((x) => x.trim());
  for (const n of names)
    if (!(FAULT_NAMES as readonly string[]).includes(n))
      throw new InvalidArgumentError(`unknown fault '${n}' (one or more of ${FAULT_NAMES.join(', ')}, or none)`);
  return [...new Set(names)] as FaultName[];
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (
      err instanceof TestnetError ||
      err instanceof ScheduleError ||
      err instanceof NetnsError ||
      err instanceof HistoryError ||
      err instanceof RelayError
    )
      throw new UsageError(err.message);
    throw err;
  }
}

interface ChaosFlags {
  nodes: number;
  miners: number;
  duration: number;
  seed?: number;
  faults: FaultName[];
  netns?: boolean;
  loopback?: boolean;
  dir?: string;
  history?: string;
  svg?: string;
  payEvery: number;
  convergeWithin: number;
  json?: boolean;
  cleanup?: boolean;
}

/** `testnet chaos`, `testnet check` and the relay process the chaos testnet starts in namespaces. */
export function addChaosCommands(testnet: Command): void {
  testnet
    .command('chaos')
    .description(
      'run a testnet under seeded faults (partitions, slow links, clock skew, crashes) and check its history',
    )
    .addOption(new Option('--nodes <n>', 'number of peers').default(6).argParser(intArg(2, 16)))
    .addOption(new Option('--miners <n>', 'how many of them mine').default(2).argParser(intArg(1, 16)))
    .addOption(new Option('--duration <s>', 'seconds of faults').default(120).argParser(intArg(10, 86_400)))
    .addOption(
      new Option('--seed <n>', 'the schedule and workload seed (default: random, printed)').argParser(
        intArg(0, 2 ** 31 - 1),
      ),
    )
    .addOption(
      new Option('--faults <list>', `comma-separated: ${FAULT_NAMES.join(', ')}; or none`)
        .default(['partition', 'link', 'clock', 'crash'], 'partition,link,clock,crash')
        .argParser(faultsArg),
    )
    .option('--netns', 'each peer in a network namespace of its own (root); the default where available')
    .option('--loopback', 'every peer on 127.0.0.1, links relayed (no root needed)')
    .option('--dir <dir>', 'where the peers, logs and history go (default: a new directory in the temp dir)')
    .option('--history <file>', 'the history file (default: <dir>/history.jsonl)')
    .option('--svg <file>', 'the timeline picture (default: <dir>/timeline.svg)')
    .addOption(new Option('--pay-every <s>', 'seconds between payments').default(2).argParser(numberArg(0.2, 3600)))
    .addOption(
      new Option('--converge-within <s>', 'the bound on convergence after the last heal')
        .default(120)
        .argParser(intArg(5, 3600)),
    )
    .option('--json', 'print the report as JSON (progress goes to stderr)')
    .option('--cleanup', 'remove what earlier runs that died left behind (processes, namespaces), then exit')
    .action(async (o: ChaosFlags) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const progress = (line: string) => (o.json ? process.stderr : process.stdout).write(`${line}\n`);
      if (o.cleanup) {
        const removed = await guard(() => cleanupLeftovers());
        out(removed.length ? removed.map((r) => `removed ${r}`).join('\n') : 'nothing left behind');
        return;
      }
      if (o.netns && o.loopback) throw new UsageError('--netns and --loopback exclude each other');
      if (o.miners > o.nodes) throw new UsageError('--miners cannot exceed --nodes');
      const choice = await chooseMode(o.netns ? 'netns' : o.loopback ? 'loopback' : undefined);
      if ('error' in choice) throw new UsageError(choice.error);
      if (choice.note) process.stderr.write(`powchain: ${choice.note}\n`);
      const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
      const dir = resolve(o.dir ?? mkdtempSync(join(tmpdir(), `powchain-chaos-${seed}-`)));
      const historyPath = resolve(o.history ?? join(dir, 'history.jsonl'));
      const svgPath = resolve(o.svg ?? join(dir, 'timeline.svg'));
      progress(
        `chaos: seed ${seed}, ${o.nodes} peers (${o.miners} mining), ${choice.mode} mode, ${o.duration} s of faults; in ${dir}`,
      );
      const stop = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        if (interrupts++ === 0) {
          progress('interrupted: stopping the peers and taking the network down (again to leave that to the next run)');
          stop.abort();
        } else process.exit(130);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const report = await guard(() =>
          chaos(
            {
              nodes: o.nodes,
              miners: o.miners,
              duration: o.duration,
              seed,
              faults: o.faults,
              mode: choice.mode,
              dir,
              historyPath,
              svgPath,
              payEvery: o.payEvery,
              convergeWithin: o.convergeWithin,
            },
            progress,
            stop.signal,
          ),
        );
        out(
          o.json
            ? reportJson(report, { history: historyPath, svg: svgPath })
            : `\n${renderReport(report, { history: historyPath, svg: svgPath })}`,
        );
        if (!report.held) process.exitCode = 1;
      } catch (err) {
        if (err instanceof Interrupted) {
          process.stderr.write(`powchain: interrupted; the history so far is in ${historyPath}\n`);
          process.exitCode = 130;
          return;
        }
        if (err instanceof UsageError) throw new UsageError(`${err.message} (history so far: ${historyPath})`);
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  testnet
    .command('check')
    .description('check a chaos history file and print its report')
    .argument('<file>', 'a history written by testnet chaos')
    .option('--json', 'print the report as JSON')
    .option('--svg <file>', 'also draw its timeline here')
    .action(async (file: string, o: { json?: boolean; svg?: string }) => {
      const report = await guard(async () => checkHistory(resolve(file), o.svg && resolve(o.svg)));
      const where = { history: resolve(file), ...(o.svg ? { svg: resolve(o.svg) } : {}) };
      process.stdout.write(`${o.json ? reportJson(report, where) : renderReport(report, where)}\n`);
      if (!report.held) process.exitCode = 1;
    });

  testnet
    .command('relay-server', { hidden: true })
    .description('a link relay driven over stdin/stdout (started by testnet chaos inside a namespace)')
    .addOption(new Option('--seed <n>', 'jitter seed').default(1).argParser(intArg(0, 2 ** 32 - 1)))
    .action(async (o: { seed: number }) => {
      await serveRelay(process.stdin, process.stdout, o.seed);
    });
}
