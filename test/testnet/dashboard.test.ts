/**
 * The testnet dashboard against a real regtest testnet (peers as processes): every peer's tip and
 * state, the shared block tree with each peer's tip, propagation delays per block per peer, the
 * partition on the timeline (from the fault log `testnet partition` writes) and as disconnected
 * groups, the reorganisation after `testnet heal`, and the command that serves it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { components } from '../../src/testnet/dashboard/collector.js';
import { FaultLog } from '../../src/testnet/dashboard/faults.js';
import { startDashboard, type DashboardState } from '../../src/testnet/dashboard/index.js';
import { loadState } from '../../src/testnet/state.js';
import { BIN, closeAll, ensureBuilt, ROOT, runCli, sleep, withTestnet } from './helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => closeAll(), 60_000);

async function waitState(url: string, what: string, check: (s: DashboardState) => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  let last: DashboardState | undefined;
  while (Date.now() < end) {
    const res = await fetch(`${url}api/state`).catch(() => undefined);
    if (res?.ok) {
      last = (await res.json()) as DashboardState;
      if (check(last)) return last;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}; last state:\n${JSON.stringify(last, null, 1)?.slice(0, 4000)}`);
}

test('the fault log: spans open and close, malformed lines are counted, a partial line waits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'powchain-faults-'));
  try {
    const file = join(dir, 'faults.jsonl');
    const log = new FaultLog(file);
    log.poll(); // no file yet: nothing, no error
    expect(log.all()).toEqual([]);
    writeFileSync(
      file,
      [
        '{"t":1000,"type":"fault","id":"p1","fault":"partition","sides":[[0,1],[2]]}',
        'not json',
        '{"t":"later","type":"fault","id":"x"}',
        '{"t":1100,"type":"payment","txid":"ab"}',
        '{"t":1200,"type":"fault","id":"c1","fault":"clock","peers":[2],"detail":"+2 h"}',
        '{"t":1300,"type":"heal","id":"p1"}',
        '{"t":1400,"type":"fault","id":"l1","fault":"li',
      ].join('\n'),
    );
    log.poll();
    expect(log.errors).toBe(2);
    expect(log.all()).toEqual([
      { id: 'p1', fault: 'partition', from: 1000, to: 1300, sides: [[0, 1], [2]] },
      { id: 'c1', fault: 'clock', from: 1200, peers: [2], detail: '+2 h' },
    ]);
    appendFileSync(file, 'nk"}\n{"t":1500,"type":"heal"}\n');
    log.poll();
    expect(log.all().map((s) => [s.id, s.to])).toEqual([
      ['p1', 1300],
      ['c1', 1500],
      ['l1', 1500],
    ]);
    // Replaced by a shorter file: read again from the start.
    writeFileSync(file, '{"t":9,"type":"fault","id":"k","fault":"crash","peers":[1]}\n');
    log.poll();
    expect(log.all()).toEqual([{ id: 'k', fault: 'crash', from: 9, peers: [1] }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('groups of peers that reach each other', () => {
  const peers = [
    { index: 0, connectedTo: [1] },
    { index: 1, connectedTo: [] },
    { index: 2, connectedTo: [3, 7] },
    { index: 3, connectedTo: [] },
    { index: 4, connectedTo: [] },
  ];
  expect(components(peers)).toEqual([[0, 1], [2, 3], [4]]);
});

test(
  'a regtest testnet: tips, propagation, a partition on the timeline, the reorganisation after heal',
  () =>
    withTestnet('dashboard', 3, 'regtest', async (t) => {
      await t.up(3, 0);
      const dash = await startDashboard(loadState(t.dir)!, { port: 0 });
      try {
        await waitState(dash.url, 'every peer synced with a live feed', (s) =>
          s.peers.every((p) => p.condition === 'synced' && p.feed === 'live'),
        );
        const mined = (await t.cli(['mine', '0', '3'])).trim();
        const tip = mined.split(' ').at(-1)!;
        let s = await waitState(
          dash.url,
          'the 3 blocks at every peer',
          (x) =>
            x.propagation.filter((r) => r.delays.every((d) => d !== null)).length >= 3 &&
            x.peers.every((p) => p.tip === tip),
        );
        // Newest first; peer 0 mined them, so it had each first (the others had them later, or in
        // the same millisecond), by the peers' own stamps.
        expect(s.propagation.slice(0, 3).map((r) => r.height)).toEqual([3, 2, 1]);
        for (const r of s.propagation.slice(0, 3)) {
          expect(r.delays[0]).toBe(0);
          expect(r.delays[r.first]).toBe(0);
          expect(r.delays.every((d) => d !== null && d >= 0)).toBe(true);
        }
        expect(s.best).toEqual({ hash: tip, height: 3 });
        expect(s.components).toEqual([[0, 1, 2]]);
        expect(s.tree.blocks.find((b) => b.hash === tip)).toMatchObject({ status: 'main', peers: [0, 1, 2] });

        // Peer 0 alone | peers 1 and 2: each side mines; the larger side more.
        await t.cli(['partition', '0']);
        s = await waitState(
          dash.url,
          'the partition on the timeline and in the links',
          (x) =>
            x.timeline.faults.some((f) => f.fault === 'partition' && f.to === undefined) &&
            JSON.stringify(x.components) === '[[0],[1,2]]',
        );
        expect(s.timeline.faults.at(-1)).toMatchObject({ fault: 'partition', sides: [[0], [1, 2]] });
        await t.cli(['mine', '0', '2']);
        await t.cli(['mine', '1', '3']);
        s = await waitState(dash.url, 'peer 0 on another branch', (x) => x.peers[0]!.condition === 'forked');
        expect(s.peers[0]!.behind).toBe(1);
        expect(s.peers.slice(1).map((p) => p.condition)).toEqual(['synced', 'synced']);

        await t.cli(['heal']);
        s = await waitState(
          dash.url,
          'one tip again, the partition over, peer 0 reorganised',
          (x) =>
            x.peers.every((p) => p.condition === 'synced' && p.height === 6) &&
            x.timeline.faults.every((f) => f.to !== undefined) &&
            x.timeline.events.some((e) => e.kind === 'reorg' && e.peer === 0),
        );
        expect(s.timeline.events.find((e) => e.kind === 'reorg')).toMatchObject({ peer: 0, height: 3, depth: 2 });
        // Peer 0 still has its two blocks: the shared tree shows them beside the main chain.
        expect(s.tree.blocks.filter((b) => b.status === 'side').map((b) => b.height)).toEqual([4, 5]);
        expect(s.tree.blocks.filter((b) => b.status === 'side').every((b) => b.peers.length === 0)).toBe(true);
      } finally {
        await dash.close();
      }
    }),
  240_000,
);

test(
  'hash rate per miner on a mining testnet; `testnet dashboard` serves until Ctrl-C',
  () =>
    withTestnet('dashhash', 2, 'testnet', async (t) => {
      await t.up(2, 1);
      // The command as a user runs it, on a free port.
      const child = spawn(process.execPath, [BIN, 'testnet', 'dashboard', '--dir', t.dir, '--port', '0'], {
        cwd: ROOT,
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        const end = Date.now() + 30_000;
        while (!/dashboard: (http:\S+)/.test(out) && Date.now() < end) await sleep(100);
        const url = /dashboard: (http:\S+)/.exec(out)?.[1];
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        const s = await waitState(url!, 'a hash rate for the miner', (x) =>
          x.hashRates.some((h) => h.peer === 0 && h.samples.some(([, r]) => r > 0)),
        );
        expect(s.hashRates.map((h) => h.peer)).toEqual([0]);
        expect(s.peers[0]!.hashRate).toBeGreaterThan(0);
        expect(s.peers[1]!.miner).toBe(false);
        const page = await fetch(url!);
        expect(await page.text()).toContain('/assets/dashboard.js');
        child.kill('SIGINT');
        const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
        expect(code).toBe(0);
        // The peers keep running.
        expect((await t.status(true)).every((r) => r.running)).toBe(true);
      } finally {
        child.kill('SIGKILL');
      }
      // --dashboard runs in the foreground: with --detach it is refused.
      const r = await runCli(['testnet', 'up', '--detach', '--dashboard', '--dir', t.dir]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--dashboard runs in the foreground/);
    }),
  240_000,
);
