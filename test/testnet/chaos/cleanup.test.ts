/**
 * Nothing a chaos run sets up outlives it. Ctrl-C (SIGINT) mid-run: the command stops its nodes,
 * removes its namespaces and registry record, and exits 130 naming the history so far. SIGKILL
 * mid-run (nothing of the command runs after it): its nodes die with it (they run under
 * `setpriv --pdeathsig KILL`), and `testnet chaos --cleanup` (what every run also does first)
 * removes the namespaces and the record it left. In loopback mode too, without root.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistory, type History } from '../../../src/testnet/chaos/history.js';
import { run } from '../../../src/testnet/netns.js';
import { ensureBuilt } from '../helpers.js';
import { nodePids, powchain, runsIn, scratch, type CliRun } from './cli.js';
import { netnsTest, unprivilegedTest } from './gate.js';

beforeAll(() => ensureBuilt(), 360_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const namespacesOf = async (prefix: string) =>
  (await run('ip', ['netns', 'list']))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((l) => l.startsWith(`${prefix}-`))
    .sort();

interface Interrupted {
  run: CliRun;
  /** The run's slot prefix (netns mode), as its progress line named it. */
  prefix: string;
  /** The pid that was signalled: the run's own (setpriv execs the command). */
  pid: number;
  history: History;
  dir: string;
}

/**
 * Start a small run (2 peers, no faults) in a scratch directory, send `signal` once its peers are
 * up, and hand what is left to `fn`; the directory is removed afterwards.
 */
async function interruptedRun(
  mode: string,
  signal: NodeJS.Signals,
  fn: (x: Interrupted) => Promise<void>,
  asUser?: number,
): Promise<void> {
  const s = scratch(`${signal}${mode}`.toLowerCase().replace(/\W+/g, '-'));
  try {
    let prefix = '';
    let pid = 0;
    const dir = `${s.dir}/run`;
    const r = await powchain(
      ['testnet', 'chaos', mode, '--nodes', '2', '--miners', '1', '--duration', '60', '--faults', 'none', '--dir', dir],
      {
        timeoutMs: 300_000,
        asUser,
        home: s.dir,
        onLine: (line, child) => {
          prefix ||= /namespaces (pcn\d+)-p0/.exec(line)?.[1] ?? '';
          if (!pid && line.includes('peers up')) {
            pid = child.pid!;
            child.kill(signal);
          }
        },
      },
    );
    expect(pid).toBeGreaterThan(0);
    await fn({ run: r, prefix, pid, history: readHistory(`${dir}/history.jsonl`), dir: s.dir });
  } finally {
    s.remove();
  }
}

async function waitGone(pids: number[], dir: string): Promise<boolean> {
  for (let i = 0; i < 150; i++) {
    if (pids.every((p) => !runsIn(p, dir))) return true;
    await sleep(100);
  }
  return false;
}

netnsTest(
  'Ctrl-C mid-run: nodes stopped, namespaces and record removed, exit 130',
  () =>
    interruptedRun('--netns', 'SIGINT', async ({ run: r, prefix, history: h, dir }) => {
      expect(prefix).toMatch(/^pcn\d+$/);
      expect(r.code).toBe(130);
      expect(r.stderr).toContain(`powchain: interrupted; the history so far is in ${dir}/run/history.jsonl`);
      expect(h.events.at(-1)).toMatchObject({ type: 'end', error: 'interrupted' });
      expect(nodePids(h).length).toBe(2);
      expect(await waitGone(nodePids(h), dir)).toBe(true);
      expect(await namespacesOf(prefix)).toEqual([]);
      expect(existsSync(`/run/powchain-testnet/slot-${prefix.slice(3)}.json`)).toBe(false);
    }),
  400_000,
);

netnsTest(
  'SIGKILL mid-run: the nodes die with it, and --cleanup removes the namespaces and record it left',
  () =>
    interruptedRun('--netns', 'SIGKILL', async ({ run: r, prefix, history: h, dir }) => {
      expect(r.signal).toBe('SIGKILL');
      expect(await waitGone(nodePids(h), dir)).toBe(true);
      // Left behind: nothing of the command ran after the kill.
      expect(await namespacesOf(prefix)).toEqual([`${prefix}-p0`, `${prefix}-p1`]);
      const cleanup = await powchain(['testnet', 'chaos', '--cleanup'], { timeoutMs: 120_000 });
      expect(cleanup.code).toBe(0);
      expect(cleanup.stdout).toContain(`removed namespace ${prefix}-p0`);
      expect(await namespacesOf(prefix)).toEqual([]);
      expect((await run('ip', ['-o', 'link', 'show'])).includes(`${prefix}-`)).toBe(false);
      expect(existsSync(`/run/powchain-testnet/slot-${prefix.slice(3)}.json`)).toBe(false);
    }),
  400_000,
);

unprivilegedTest(
  'SIGKILL mid-run in loopback mode, without root: the nodes die with it, --cleanup drops its record',
  async (asUser) => {
    const registry = join(tmpdir(), `powchain-testnet-${asUser ?? process.getuid?.()}`);
    await interruptedRun(
      '--loopback',
      'SIGKILL',
      async ({ run: r, pid, history: h, dir }) => {
        expect(r.signal).toBe('SIGKILL');
        expect(await waitGone(nodePids(h), dir)).toBe(true);
        const ours = (name: string) => name.startsWith(`run-${pid}-`);
        expect(readdirSync(registry).filter(ours).length).toBe(1);
        const cleanup = await powchain(['testnet', 'chaos', '--cleanup'], { timeoutMs: 120_000, asUser, home: dir });
        expect(cleanup.code).toBe(0);
        expect(readdirSync(registry).filter(ours)).toEqual([]);
      },
      asUser,
    );
  },
  400_000,
);
