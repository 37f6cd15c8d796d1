/**
 * A peer that joins late: a 2-peer regtest testnet mines 200 blocks, then `testnet up --nodes 3`
 * on the same directory adds peer 2, which starts from genesis and syncs to the tip. On the way,
 * `up` refuses clearly when the new peer's port is taken, or when --network names another network.
 */
import { createServer, type Server } from 'node:net';
import { closeAll, ensureBuilt, withTestnet } from './helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => closeAll(), 60_000);

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

test(
  'a peer added after 200 blocks syncs to the tip',
  () =>
    withTestnet('late', 3, 'regtest', async (t) => {
      await t.up(2, 1);
      expect(await t.cli(['mine', '0', '200'], 120_000)).toContain('peer 0 mined 200 block(s)');
      const before = await t.waitConverged({ minHeight: 200, timeoutMs: 60_000 });
      expect(before).toHaveLength(2);

      // The new peer's p2p port is taken: a one-line error, nothing changed.
      const blocker = await listen(t.basePort + 4);
      try {
        const r = await t.run(['up', '--detach', '--nodes', '3']);
        expect(r.code).toBe(1);
        expect(r.stderr.trim()).toBe(
          `powchain: port ${t.basePort + 4} (peer 2) is already in use; choose another --base-port or stop what uses it`,
        );
      } finally {
        await new Promise((r) => blocker.close(r));
      }
      expect(t.peers()).toHaveLength(2);
      const wrong = await t.run(['up', '--detach', '--nodes', '3', '--network', 'testnet']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(
        /^powchain: the testnet in .* is a regtest testnet, not testnet; use another --dir\n$/,
      );

      // Grow the testnet: peer 2 starts from genesis and syncs the 200 blocks from peer 1.
      const started = Date.now();
      const out = await t.cli(['up', '--detach', '--nodes', '3']);
      expect(out).toContain('adding peer 2 (not mining)');
      expect(out).toContain('[1/1] peer 2 up');
      expect(t.peers().map((p) => p.connectTo)).toEqual([[], [0], [1]]);
      const after = await t.waitConverged({ minHeight: 200, timeoutMs: 90_000 });
      expect(after).toHaveLength(3);
      expect(after[2]).toMatchObject({ running: true, miner: false, height: 200, tip: before[0]!.tip });
      expect(Date.now() - started).toBeLessThan(90_000);
      expect(await t.rpc(2).call<boolean>('verifychain', [4, 0])).toBe(true);

      // Running `up` again resumes: nothing added, nothing restarted.
      const again = await t.cli(['up', '--detach']);
      expect(again).toContain('resuming the testnet');
      expect(again).not.toContain('adding');
      expect(again).not.toMatch(/peer \d up/);
    }),
  240_000,
);
