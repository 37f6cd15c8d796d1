/**
 * The default local testnet as `npm start` makes it, on the testnet network with its real
 * difficulty (ASERT, 10-s spacing): 4 peers in a sparse line, 2 of them mining continuously.
 * Within 180 s of `testnet up`, every peer reports the same tip at height >= 10.
 */
import { closeAll, ensureBuilt, withTestnet } from './helpers.js';

const BOUND_MS = 180_000;

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => closeAll(), 60_000);

test(
  '4 peers, 2 miners: every peer on one tip at height >= 10 within 180 s',
  () =>
    withTestnet('converge', 4, 'testnet', async (t) => {
      const started = Date.now();
      const out = await t.up(4, 2, BOUND_MS);
      expect(out).toContain('creating a testnet testnet of 4 peers (2 mining)');
      const rows = await t.waitConverged({
        minHeight: 10,
        timeoutMs: Math.max(0, BOUND_MS - (Date.now() - started)),
        intervalMs: 1_000,
      });
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      expect(rows.map((r) => r.miner)).toEqual([true, true, false, false]);
      // Miners hash; everyone has a connection; the chain is the testnet network's, at real difficulty.
      for (const r of rows.filter((x) => x.miner)) expect(r.hashRate).toBeGreaterThan(0);
      for (const r of rows) expect(r.peers).toBeGreaterThan(0);
      const info = await t.rpc(3).call<{ chain: string; blocks: number; difficulty: unknown }>('getblockchaininfo');
      expect(info.chain).toBe('testnet');
      expect(Number(String(info.difficulty))).toBeGreaterThan(0);
      // Every block pays one of the two miners' wallets, nobody else's.
      const addresses = t.peers().map((p) => p.address);
      const tipHeader = await t.rpc(2).call<{ height: number }>('getblockheader', [rows[0]!.tip]);
      expect(tipHeader.height).toBe(rows[0]!.height);
      for (let h = 1; h <= 10; h++) {
        const b = await t
          .rpc(2)
          .call<{ tx: { vout: { address: string }[] }[] }>('getblock', [
            await t.rpc(2).call<string>('getblockhash', [h]),
            2,
          ]);
        expect([addresses[0], addresses[1]]).toContain(b.tx[0]!.vout[0]!.address);
      }
    }),
  BOUND_MS + 120_000,
);
