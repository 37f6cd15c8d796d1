/**
 * Storage faults through real `powchain node` processes: SIGKILL during --reindex, a full disk
 * (ENOSPC on a small tmpfs: needs root to mount, and says so in its name where it cannot), and
 * --min-free-disk. Each ends consistent, or refused with the way out, then recovered: verifychain
 * true over the whole chain and a UTXO total equal to the subsidy minted to the tip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Chain } from '../../src/chain/index.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { buildBlocks, mintedTo, NOW } from '../chain/fault-helpers.js';
import { regtest } from '../helpers/mine.js';
import { BIN, ENV, NodeProcess, ROOT, cleanupAll, ensureBuilt, freePort, regtestKey, tempDir } from './node-helpers.js';

const HEIGHT = 260;

beforeAll(() => ensureBuilt(), 300_000);
afterAll(() => cleanupAll());

/** verifychain over everything and the minted total, through RPC. */
async function expectConsistent(node: NodeProcess): Promise<number> {
  expect(await node.call('verifychain', 4, 0)).toBe(true);
  const info = await node.call<{ height: number; total_amount: unknown }>('gettxoutsetinfo');
  expect(String(info.total_amount)).toBe(coins(mintedTo(info.height)));
  return info.height;
}

/** Base units as the RPC's decimal amount. */
function coins(v: bigint): string {
  const s = v.toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`;
}

/** Start a node and tell whether it came up or refused (with its one-line reason). */
async function tryStart(datadir: string, args: string[] = []): Promise<NodeProcess | { refused: string }> {
  try {
    return await NodeProcess.start({ datadir, args: ['--no-txindex', ...args], timeoutMs: 120_000 });
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

test('SIGKILL during --reindex: the next start is consistent or refused naming --reindex, which then recovers', async () => {
  const datadir = tempDir('reindex-kill');
  const pool = new VerifyPool();
  const chain = await Chain.open({
    params: regtest,
    location: join(datadir, 'chain'),
    blocksLocation: join(datadir, 'blocks'),
    verifier: pool,
    clock: () => NOW,
  });
  const blocks = buildBlocks(25, HEIGHT - 25);
  for (let i = 0; i < blocks.length; i += 16)
    await chain.processBlocks(blocks.slice(i, i + 16).map((block) => ({ block, opts: {} })));
  await chain.close();
  await pool.close();

  const outcomes: string[] = [];
  // Kills from right after the reindex announced itself to well into connecting.
  for (const delay of [0, 150, 400, 800, 1500]) {
    const rpcPort = await freePort();
    const child = spawn(
      process.execPath,
      [BIN, 'node', '--network', 'regtest', '--datadir', datadir, '--port', '0', '--rpc-port', String(rpcPort)].concat([
        '--log-format',
        'json',
        '--no-txindex',
        '--reindex',
      ]),
      { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise<void>((resolve) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('reindexing: rebuilding')) resolve();
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await exited;

    const started = await tryStart(datadir);
    if ('refused' in started) {
      expect(started.refused).toMatch(/run the node once with --reindex\b/);
      outcomes.push('refused');
    } else {
      await expectConsistent(started);
      outcomes.push(`consistent at ${await started.call<number>('getblockcount')}`);
      await started.signal('SIGTERM');
    }
    const recovered = await tryStart(datadir, ['--reindex']);
    if ('refused' in recovered) throw new Error(recovered.refused);
    expect(await expectConsistent(recovered)).toBe(HEIGHT);
    await recovered.signal('SIGTERM');
  }
  // At least one kill landed while the reindex was half done, and the start said so.
  expect(outcomes).toContain('refused');
}, 600_000);

/** Mine 50 blocks; a node that has stopped (and so removed its cookie) is not an error here. */
async function mine(node: NodeProcess, address: string): Promise<void> {
  try {
    await node.call('generatetoaddress', 50, address);
  } catch {
    // stopping or stopped: the loop ends on exitStatus
  }
}

const IS_ROOT = process.getuid?.() === 0;
const canMount = (): boolean => spawnSync('mount', ['--version'], { stdio: 'ignore' }).status === 0;

/** A small tmpfs at a new directory, unmounted by the returned function. */
function tmpfs(sizeKb: number): { dir: string; resize: (kb: number) => void; unmount: () => void } {
  const dir = join(tempDir('tmpfs'), 'mnt');
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount tmpfs: ${r.stderr}`);
  return {
    dir,
    resize: (kb) => {
      const m = spawnSync('mount', ['-o', `remount,size=${kb}k`, dir], { encoding: 'utf8' });
      if (m.status !== 0) throw new Error(`remount tmpfs: ${m.stderr}`);
    },
    unmount: () => void spawnSync('umount', ['-l', dir]),
  };
}

const ROOT_WHY = IS_ROOT && canMount() ? '' : ' [not run: mounting a tmpfs needs root and mount(8)]';

test(`a full disk (ENOSPC on a small tmpfs): one error, a clean stop, a consistent restart once there is room${ROOT_WHY}`, async () => {
  if (ROOT_WHY) return;
  const fs = tmpfs(700);
  try {
    const datadir = join(fs.dir, 'node');
    const node = await NodeProcess.start({ datadir, args: ['--no-txindex', '--min-free-disk', '0'] });
    const miner = regtestKey('miner').address;
    // Mine until a write fails: the node then stops by itself.
    for (let i = 0; i < 200 && !node.exitStatus; i++) await mine(node, miner);
    const exit = await node.waitExit(60_000);
    expect(exit.code).not.toBe(0);
    expect(node.output()).toMatch(
      /is full \(.*No space left.*\); free some space, then start the node again|could not be written or read: .*IO error/,
    );
    expect(node.output()).toMatch(/"msg":"stopped"/);
    fs.resize(16 * 1024);
    const again = await NodeProcess.start({ datadir, args: ['--no-txindex', '--min-free-disk', '0'] });
    expect(await expectConsistent(again)).toBeGreaterThan(0);
    // And it goes on from there.
    await again.call('generatetoaddress', 5, miner);
    await expectConsistent(again);
    await again.signal('SIGTERM');
  } finally {
    fs.unmount();
  }
}, 300_000);

test(`--min-free-disk: the node warns, then stops cleanly before the disk is full${ROOT_WHY}`, async () => {
  if (ROOT_WHY) return;
  const fs = tmpfs(3 * 1024);
  try {
    const datadir = join(fs.dir, 'node');
    // 3 MiB of tmpfs and a 2 MiB floor: below twice it from the start, so it warns at once.
    const node = await NodeProcess.start({ datadir, args: ['--no-txindex', '--min-free-disk', '2'] });
    expect(node.output()).toMatch(/disk space is getting low/);
    const miner = regtestKey('miner').address;
    for (let i = 0; i < 400 && !node.exitStatus; i++) await mine(node, miner);
    const exit = await node.waitExit(60_000);
    expect(exit.code).not.toBe(0);
    expect(node.output()).toMatch(
      /disk space is too low: .* below --min-free-disk 2( plus the [\d.]+ MiB its databases write when they reopen)?; stopping/,
    );
    expect(node.output()).not.toMatch(/No space left/);
    // Restarted with room (a lower floor): consistent.
    const again = await NodeProcess.start({ datadir, args: ['--no-txindex', '--min-free-disk', '0'] });
    await expectConsistent(again);
    await again.signal('SIGTERM');
  } finally {
    fs.unmount();
  }
}, 300_000);
