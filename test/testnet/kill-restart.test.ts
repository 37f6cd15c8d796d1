/**
 * A crash mid-run: on the testnet network (continuous mining), `testnet kill 1` SIGKILLs a mining
 * peer while it hashes and writes blocks; the others keep mining. `testnet restart 1` brings it
 * back on the same datadir: it catches up with the tip the others moved to, and `verifychain`
 * (every block, through `powchain rpc` with the peer's cookie) finds its stored chain consistent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { closeAll, converged, ensureBuilt, runCli, withTestnet } from './helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => closeAll(), 60_000);

/** The process is gone (not even a zombie). */
function gone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (existsSync(stat))
    return 'ZX'.includes(
      readFileSync(stat, 'utf8')
        .replace(/^.*\) /s, '')
        .charAt(0),
    );
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

test(
  'SIGKILL a mining peer, restart it: it catches up and verifychain passes',
  () =>
    withTestnet('kill', 3, 'testnet', async (t) => {
      await t.up(3, 2);
      await t.waitConverged({ minHeight: 5, timeoutMs: 120_000, intervalMs: 1_000 });

      const pid = t.peer(1).pid!;
      expect(await t.cli(['kill', '1'])).toContain('killed peer 1');
      expect(t.peer(1).pid).toBeUndefined();
      expect(gone(pid)).toBe(true);
      const killed = await t.status();
      expect(killed[1]).toMatchObject({ running: false, error: 'stopped', height: null });
      expect(killed[0]!.running).toBe(true);

      // Peer 0 mines on alone.
      const atKill = killed[0]!.height!;
      await t.waitStatus(`peer 0 past height ${atKill + 2}`, (rows) => rows[0]!.height! >= atKill + 2, {
        timeoutMs: 90_000,
        intervalMs: 1_000,
      });
      const left = (await t.rpc(0).call<{ blocks: number }>('getblockchaininfo')).blocks;

      expect(await t.cli(['restart', '1'])).toContain('restarted peer 1');
      const pid2 = t.peer(1).pid!;
      expect(pid2).not.toBe(pid);
      // Caught up (every peer on one tip at least as high as peer 0's when it came back) and hashing again.
      const rows = await t.waitStatus(
        `every peer on one tip at height >= ${left}, peer 1 hashing`,
        (x) => converged(x, { minHeight: left }) && (x[1]!.hashRate ?? 0) > 0,
        { timeoutMs: 90_000, intervalMs: 1_000 },
      );
      expect(rows[1]!.running).toBe(true);

      // The restarted peer's stored chain is consistent, every block of it.
      const p = t.peer(1);
      const r = await runCli(
        [
          'rpc',
          '--network',
          'testnet',
          '--datadir',
          p.datadir,
          '--rpc-port',
          String(p.rpcPort),
          'verifychain',
          '4',
          '0',
        ],
        120_000,
      );
      expect({ code: r.code, out: r.stdout.trim(), err: r.stderr }).toEqual({ code: 0, out: 'true', err: '' });
    }),
  300_000,
);
