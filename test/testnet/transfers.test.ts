/**
 * 20 transfers between the peers' wallets, with blocks mined between them, and an exact account
 * of every coin: nothing created, nothing lost.
 *
 * On regtest with `testnet mine`, not on the testnet network: the account needs the chain to stand
 * still while the balances are read (continuous miners never stop), and blocks on demand put every
 * block, coinbase and confirmation where the test says, so the run is deterministic and fast (no
 * race between two miners, no stale blocks). Regtest halves the subsidy at height 150: the test
 * stays below it (50 coins a block) and says so.
 */
import { closeAll, ensureBuilt, sats, walkChain, withTestnet, type Testnet } from './helpers.js';

const COIN = 100_000_000n;
const SUBSIDY = 50n * COIN;
const REGTEST_HALVING = 150;

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => closeAll(), 60_000);

/** [from, to, amount]: peers 2 and 3 start with nothing and are paid first; every peer then sends and receives. */
const TRANSFERS: [number, number, string][] = [
  [0, 2, '10'],
  [1, 3, '10'],
  [0, 3, '5'],
  [1, 2, '5'],
  [2, 0, '1.5'],
  [3, 1, '2.25'],
  [2, 3, '0.75'],
  [3, 2, '1'],
  [0, 1, '3'],
  [1, 0, '2.5'],
  [2, 1, '0.6'],
  [3, 0, '0.4'],
  [0, 2, '1.1'],
  [1, 3, '1.2'],
  [2, 3, '0.33333333'],
  [3, 2, '0.12345678'],
  [0, 3, '4'],
  [1, 2, '3.5'],
  [3, 0, '2'],
  [2, 1, '1'],
];

async function mineAndSettle(t: Testnet, peer: number, blocks: number): Promise<void> {
  await t.cli(['mine', String(peer), String(blocks)], 120_000);
  await t.waitConverged({ emptyMempool: true, timeoutMs: 60_000, inProcess: true });
}

test(
  '20 transfers while mining: all confirm, and the wallets hold exactly the subsidy minted',
  () =>
    withTestnet('transfers', 4, 'regtest', async (t) => {
      await t.up(4, 2);
      // Mature coins for both miners: coinbases at heights 1-3 (peer 0) and 4-6 (peer 1) are
      // spendable once the tip is past height 105 (regtest maturity 100).
      await mineAndSettle(t, 0, 3);
      await mineAndSettle(t, 1, 3);
      await mineAndSettle(t, 0, 100);

      const sent: { from: number; to: number; amount: bigint; fee: bigint; txid: string }[] = [];
      let pending = 0;
      for (const [i, [from, to, amount]] of TRANSFERS.entries()) {
        const r = JSON.parse(await t.cli(['send', String(from), String(to), amount, '--json'])) as {
          txid: string;
          amount: number;
          fee: number;
          to: string;
        };
        expect(r.to).toBe(t.peer(to).address);
        sent.push({ from, to, amount: sats(amount), fee: sats(r.fee), txid: r.txid });
        pending++;
        // The transaction reaches every peer's mempool (the next sender may spend what it received).
        await t.waitStatus(
          `${pending} transaction(s) in every mempool`,
          (rows) => rows.every((x) => x.mempool === pending),
          { timeoutMs: 30_000, inProcess: true },
        );
        // A block every second transfer, alternating miners: some blocks carry two transfers.
        if (i % 2 === 1) {
          await mineAndSettle(t, (i >> 1) % 2, 1);
          pending = 0;
        }
      }
      expect(pending).toBe(0);
      // The CLI's view agrees: one tip, nothing pending.
      await t.waitConverged({ emptyMempool: true, timeoutMs: 30_000 });

      const addressOf = t.peers().map((p) => p.address!);
      const chain = await walkChain(t.rpc(3));
      expect(chain.height).toBe(106 + TRANSFERS.length / 2);
      expect(chain.height).toBeLessThan(REGTEST_HALVING);
      const minted = BigInt(chain.height) * SUBSIDY;

      // Every transfer confirmed exactly once on the main chain.
      const confirmed = chain.blocks.flatMap((b) => b.txids);
      for (const s of sent) expect(confirmed.filter((id) => id === s.txid)).toHaveLength(1);
      expect(confirmed).toHaveLength(sent.length);

      // The miners collected exactly the fees the wallets reported paying.
      const fees = sent.reduce((a, s) => a + s.fee, 0n);
      expect(fees).toBeGreaterThan(0n);
      const coinbaseTotal = chain.blocks.reduce((a, b) => a + b.coinbase.reduce((x, o) => x + o.value, 0n), 0n);
      expect(coinbaseTotal).toBe(minted + fees);

      // Every wallet's balance is exactly what it mined, received, sent and paid in fees...
      const balances = [];
      for (const n of [0, 1, 2, 3]) {
        const b = await t.wallet<{ total: unknown; unconfirmed: unknown }>(n, ['balance']);
        expect(sats(b.unconfirmed)).toBe(0n);
        balances.push(sats(b.total));
        const mined = chain.blocks.reduce(
          (a, b) => a + b.coinbase.filter((o) => o.address === addressOf[n]).reduce((x, o) => x + o.value, 0n),
          0n,
        );
        const received = sent.filter((s) => s.to === n).reduce((a, s) => a + s.amount, 0n);
        const spent = sent.filter((s) => s.from === n).reduce((a, s) => a + s.amount + s.fee, 0n);
        expect({ peer: n, balance: sats(b.total) }).toEqual({ peer: n, balance: mined + received - spent });
      }
      // ... so together the wallets hold the subsidy minted: the fees they paid came back to the
      // miners' wallets (balances + fees paid = subsidy + fees collected).
      const held = balances.reduce((a, b) => a + b, 0n);
      expect(held).toBe(minted);
      expect(held + fees).toBe(coinbaseTotal);
      // The node agrees: the UTXO set holds the subsidy minted (the genesis coinbase is not in it).
      const utxo = await t.rpc(0).call<{ total_amount: unknown; height: number }>('gettxoutsetinfo');
      expect(utxo.height).toBe(chain.height);
      expect(sats(utxo.total_amount)).toBe(minted);
    }),
  240_000,
);
