/**
 * Nothing a chaos run sets up outlives it. Ctrl-C (SIGINT) mid-run: the command stops its nodes,
 * removes its namespaces and registry record, and exits 130 naming the history so far. SIGKILL
 * mid-run (nothing of the command runs after it): its nodes die with it (they run under
 * `setpriv --pdeathsig KILL`), and `testnet chaos --cleanup` (what every run also does first)
 * removes the namespaces and the record it left. In loopback mode too, without root.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readHistory } from '../../../src/testnet/chaos/history.js';
import { run } from '../../../src/testnet/netns.js';
import { ensureBuilt } from '../helpers.js';
import { nodePids, NOBODY, powchain, runsIn, scratch } from './cli.js';
import { IS_ROOT, netnsTest } from './gate.js';

beforeAll(() => ensureBuilt(), 360_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const namespacesOf = async (prefix: string) =>
  (await run('ip', ['netns', 'list']))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((l) => l.startsWith(`${prefix}-`))
    .sort();

/** Start a run that stops at warm-up; `act` is called once its peers are up, with the slot prefix seen. */
function startRun(dir: string, mode: string[], act: (child: ChildProcess, prefix: string) => void, asUser?: number) {
  let prefix = '';
  let acted = false;
  return powchain(
    [
      'testnet',
      'chaos',
      ...mode,
      '--nodes',
      '2',
      '--miners',
      '1',
      '--duration',
      '60',
      '--faults',
      'none',
      '--dir',
      dir,
    ],
    {
      timeoutMs: 300_000,
      asUser,
      home: dir,
      onLine: (line, child) => {
        prefix ||= /namespaces (pcn\d+)-p0/.exec(line)?.[1] ?? '';
        if (!acted && line.includes('peers up')) {
          acted = true;
          act(child, prefix);
        }
      },
    },
  );
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
  async () => {
    const s = scratch('sigint');
    try {
      let prefix = '';
      const r = await startRun(`${s.dir}/run`, ['--netns'], (child, p) => {
        prefix = p;
        child.kill('SIGINT');
      });
      expect(prefix).toMatch(/^pcn\d+$/);
      expect(r.code).toBe(130);
      expect(r.stderr).toContain(`powchain: interrupted; the history so far is in ${s.dir}/run/history.jsonl`);
      const h = readHistory(`${s.dir}/run/history.jsonl`);
      expect(h.events.at(-1)).toMatchObject({ type: 'end', error: 'interrupted' });
      expect(nodePids(h).length).toBe(2);
      expect(await waitGone(nodePids(h), s.dir)).toBe(true);
      expect(await namespacesOf(prefix)).toEqual([]);
      expect(existsSync(`/run/powchain-testnet/slot-${prefix.slice(3)}.json`)).toBe(false);
    } finally {
      s.remove();
    }
  },
  400_000,
);

netnsTest(
  'SIGKILL mid-run: the nodes die with it, and --cleanup removes the namespaces and record it left',
  async () => {
    const s = scratch('sigkill');
    try {
      let prefix = '';
      const r = await startRun(`${s.dir}/run`, ['--netns'], (child, p) => {
        prefix = p;
        child.kill('SIGKILL');
      });
      expect(r.signal).toBe('SIGKILL');
      const h = readHistory(`${s.dir}/run/history.jsonl`);
      expect(await waitGone(nodePids(h), s.dir)).toBe(true);
      // Left behind: nothing of the command ran after the kill.
      expect(await namespacesOf(prefix)).toEqual([`${prefix}-p0`, `${prefix}-p1`]);
      const cleanup = await powchain(['testnet', 'chaos', '--cleanup'], { timeoutMs: 120_000 });
      expect(cleanup.code).toBe(0);
      expect(cleanup.stdout).toContain(`removed namespace ${prefix}-p0`);
      expect(await namespacesOf(prefix)).toEqual([]);
      expect((await run('ip', ['-o', 'link', 'show'])).includes(`${prefix}-`)).toBe(false);
      expect(existsSync(`/run/powchain-testnet/slot-${prefix.slice(3)}.json`)).toBe(false);
    } finally {
      s.remove();
    }
  },
  400_000,
);

test('SIGKILL mid-run in loopback mode, without root: the nodes die with it, --cleanup drops its record', async () => {
  const s = scratch('sigkill-lo');
  const asUser = IS_ROOT ? NOBODY : undefined;
  const registry = `/tmp/powchain-testnet-${asUser ?? process.getuid?.()}`;
  try {
    let pid = 0;
    const r = await startRun(
      `${s.dir}/run`,
      ['--loopback'],
      (child) => {
        pid = child.pid!;
        child.kill('SIGKILL');
      },
      asUser,
    );
    expect(r.signal).toBe('SIGKILL');
    const h = readHistory(`${s.dir}/run/history.jsonl`);
    expect(await waitGone(nodePids(h), s.dir)).toBe(true);
    // setpriv execs the command: the pid killed is the run's own, and so its record's owner.
    const record = (name: string) => name.startsWith(`run-${pid}-`);
    const cleanup = await powchain(['testnet', 'chaos', '--cleanup'], { timeoutMs: 120_000, asUser, home: s.dir });
    expect(cleanup.code).toBe(0);
    expect(existsSync(registry) ? readdirSync(registry).filter(record) : []).toEqual([]);
    expect(existsSync(join(s.dir, 'run', 'testnet.json'))).toBe(true);
  } finally {
    s.remove();
  }
}, 400_000);
