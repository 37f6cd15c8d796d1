/**
 * `powchain testnet chaos` and `check` run as a user runs them (bin/powchain on dist/, without
 * jest's NODE_OPTIONS), optionally as another user (uid 65534, through setpriv) to show what
 * works without root, with their output line by line for tests that act mid-run (Ctrl-C, kill).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv } from '../../helpers/child-env.js';
import type { CheckReport } from '../../../src/testnet/chaos/check.js';
import { readHistory, type History } from '../../../src/testnet/chaos/history.js';
import { BIN, ROOT } from '../helpers.js';

export const NOBODY = 65534;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `powchain ARGS` to completion (SIGKILL after `timeoutMs`). `onLine(line, child)` sees each
 * line of stdout and stderr as it comes.
 */
export function powchain(
  args: string[],
  o: { timeoutMs: number; asUser?: number; home?: string; onLine?: (line: string, child: ChildProcess) => void },
): Promise<CliRun> {
  const argv = [process.execPath, BIN, ...args];
  const cmd =
    o.asUser !== undefined
      ? ['setpriv', `--reuid=${o.asUser}`, `--regid=${o.asUser}`, '--clear-groups', '--', ...argv]
      : argv;
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), {
      cwd: ROOT,
      env: childEnv(o.home ?? tmpdir()),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const lines = (acc: 'out' | 'err') => {
      let rest = '';
      return (d: string) => {
        if (acc === 'out') stdout += d;
        else stderr += d;
        if (!o.onLine) return;
        const parts = (rest + d).split('\n');
        rest = parts.pop()!;
        for (const p of parts) o.onLine(p, child);
      };
    };
    child.stdout.setEncoding('utf8').on('data', lines('out'));
    child.stderr.setEncoding('utf8').on('data', lines('err'));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A scratch directory anyone may write in (a run as another user creates its own dir inside). */
export function scratch(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `powchain-chaos-test-${label}-`));
  chmodSync(dir, 0o777);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ChaosResult {
  run: CliRun;
  report: CheckReport & { history: string; svg: string };
  history: History;
}

/** `testnet chaos ... --json`: the run, its parsed report and its history. */
export async function chaosJson(
  args: string[],
  o: { timeoutMs: number; asUser?: number; home?: string },
): Promise<ChaosResult> {
  const run = await powchain(['testnet', 'chaos', ...args, '--json'], o);
  let report: ChaosResult['report'];
  try {
    report = JSON.parse(run.stdout) as ChaosResult['report'];
  } catch {
    throw new Error(`no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return { run, report, history: readHistory(report.history) };
}

/** The pids of every node a history says was started. */
export function nodePids(h: History): number[] {
  return h.events.flatMap((e) => (e.type === 'peer' && e.op === 'started' && e.pid ? [e.pid] : []));
}

/** Whether `pid` is a live process (not a zombie) whose command line mentions `dir`. */
export function runsIn(pid: number, dir: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if ('ZX'.includes(stat.charAt(stat.lastIndexOf(')') + 2))) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

/**
 * What every healthy run shows: exit 0, every property held, convergence timed, the history
 * complete, no node left running, the timeline drawn, and `testnet check` on the history alone
 * reaching the same verdicts. Returns the text report, for the test's log.
 */
export async function expectHealthy(r: ChaosResult, dir: string): Promise<string> {
  const text = await powchain(['testnet', 'check', r.report.history], { timeoutMs: 60_000 });
  const summary = `${text.stdout}\n${r.run.stderr.split('\n').slice(-40).join('\n')}`;
  expect({
    code: r.run.code,
    verdicts: r.report.properties.map((p) => [p.name, p.held]),
    problems: r.report.problems,
    summary,
  }).toEqual({
    code: 0,
    verdicts: [
      ['convergence', true],
      ['agreement', true],
      ['conservation', true],
      ['durability', true],
      ['liveness', true],
    ],
    problems: [],
    summary,
  });
  expect(r.report.held).toBe(true);
  expect(r.report.figures.convergenceMs).not.toBeNull();
  expect(r.history.events.at(-1)).toMatchObject({ type: 'end' });
  expect(r.history.events.at(-1)).not.toHaveProperty('error');
  for (const pid of nodePids(r.history)) expect(runsIn(pid, dir)).toBe(false);
  expect(readFileSync(r.report.svg, 'utf8').startsWith('<svg')).toBe(true);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain('verdict: every property held');
  const again = JSON.parse(
    (await powchain(['testnet', 'check', r.report.history, '--json'], { timeoutMs: 60_000 })).stdout,
  ) as CheckReport;
  expect(again.properties).toEqual(r.report.properties);
  return text.stdout;
}

/**
 * One seeded schedule, start to finish: `testnet chaos ARGS --json` in a scratch directory, then
 * `expectHealthy`, then the scenario's own `checks`; the text report goes to the test log.
 */
export async function scenario(
  label: string,
  args: string[],
  checks: (r: ChaosResult) => void | Promise<void>,
  asUser?: number,
): Promise<void> {
  const body = async (): Promise<void> => {
    const s = scratch(label.replace(/\W+/g, '-'));
    try {
      const r = await chaosJson([...args, '--dir', `${s.dir}/run`], { timeoutMs: 600_000, asUser, home: s.dir });
      const text = await expectHealthy(r, s.dir);
      await checks(r);
      console.log(`${label}:\n${text}`);
    } finally {
      s.remove();
    }
  };
  // Namespace runs take turns. Two at once once lost a peer's start; the cause was found later
  // (isRunning read a node still inside exec as dead: test/testnet/processes.test.ts), but ten
  // nodes of two labs on a 2-core machine also stretch every other suite, so turns stay.
  return args.includes('--netns') ? netnsTurn(body) : body();
}

/** Run `fn` while holding a machine-wide turn (a directory made atomically), waiting up to 20 min. */
async function netnsTurn(fn: () => Promise<void>): Promise<void> {
  const lock = join(tmpdir(), 'powchain-chaos-netns-tests.lock');
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // being written, or left empty by a holder that died at once
      }
      if (Number.isInteger(holder) && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`no turn for a namespace run in 20 min (${lock})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
