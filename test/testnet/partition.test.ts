/**
 * A network split and its repair: 6 regtest peers cut 3 | 3 (`testnet partition 0,1,2`), a miner
 * on each side, a transfer confirmed on each side; the side that mines more wins. After `testnet
 * heal` every peer is on the most-work chain, the losing side's blocks are off every main chain,
 * and the transfer only the losing side had confirmed is back in the mempool and confirms again.
 *
 * Regtest with `testnet mine` makes the outcome deterministic: the winning side mines 4 blocks,
 * the losing side 2. The sides are the only 3 | 3 split of the 6-peer sparse topology that leaves
 * each side connected (1-0 and 2-1 | 4-3 and 5-4); --miners 4 puts a miner (peer 3) on side B.
 */
import { closeAll, ensureBuilt, withTestnet, type PeerStatus, type Testnet } from './helpers.js';

const A = [0, 1, 2];
const B = [3, 4, 5];

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => closeAll(), 60_000);

const sideOf = (rows: PeerStatus[], side: number[]) => rows.filter((r) => side.includes(r.peer));

async function mempool(t: Testnet, n: number): Promise<string[]> {
  return t.rpc(n).call<string[]>('getrawmempool');
}

async function mainChain(t: Testnet, n: number, from: number, to: number): Promise<string[]> {
  const hashes = [];
  for (let h = from; h <= to; h++) hashes.push(await t.rpc(n).call<string>('getblockhash', [h]));
  return hashes;
}

test(
  '3 | 3 partition, both sides mine, heal: one most-work chain, the losing blocks gone, their transfer confirmed again',
  () =>
    withTestnet('partition', 6, 'regtest', async (t) => {
      await t.up(6, 4);
      // Spendable coins on both sides: peer 0's coinbases at heights 1-2, peer 3's at 3-4.
      await t.cli(['mine', '0', '2']);
      // Peer 3 must build on peer 0's blocks: on a busy machine gossip can lag the next command,
      // and 101 blocks mined from genesis would out-work those 2 and leave everyone at 101.
      await t.waitConverged({ minHeight: 2, timeoutMs: 30_000 });
      await t.cli(['mine', '3', '101']);
      await t.waitConverged({ minHeight: 103, timeoutMs: 60_000 });
      const fork = 103;

      expect(await t.cli(['partition', A.join(',')])).toContain('partitioned: [0,1,2] | [3,4,5]');
      // Every cross-side link is down: each peer keeps exactly its links within its side.
      const links = t
        .peers()
        .map(
          (p) =>
            t
              .peers()
              .filter(
                (q) =>
                  (q.connectTo.includes(p.index) || p.connectTo.includes(q.index)) &&
                  A.includes(p.index) === A.includes(q.index),
              ).length,
        );
      await t.waitStatus('only links within each side', (rows) => rows.every((r) => r.peers === links[r.peer]), {
        timeoutMs: 30_000,
        inProcess: true,
      });

      // Side B: a transfer, confirmed in B's 2 blocks.
      const txB = (await t.cli(['send', '3', '4', '7'])).trim();
      await t.waitStatus('the B transfer in B mempools', (rows) => sideOf(rows, B).every((r) => r.mempool === 1), {
        timeoutMs: 30_000,
        inProcess: true,
      });
      await t.cli(['mine', '3', '2']);
      await t.waitStatus(
        'side B on one tip at 105',
        (rows) => sideOf(rows, B).every((r) => r.height === fork + 2 && r.tip === rows[3]!.tip && r.mempool === 0),
        { timeoutMs: 30_000, inProcess: true },
      );

      // Side A: another transfer, confirmed in A's 4 blocks (more work: A wins).
      const txA = (await t.cli(['send', '0', '1', '3'])).trim();
      await t.waitStatus('the A transfer in A mempools', (rows) => sideOf(rows, A).every((r) => r.mempool === 1), {
        timeoutMs: 30_000,
        inProcess: true,
      });
      await t.cli(['mine', '0', '4']);
      const split = await t.waitStatus(
        'side A on one tip at 107',
        (rows) => sideOf(rows, A).every((r) => r.height === fork + 4 && r.tip === rows[0]!.tip && r.mempool === 0),
        { timeoutMs: 30_000, inProcess: true },
      );

      // Nothing crossed the partition.
      expect(split[0]!.tip).not.toBe(split[3]!.tip);
      expect(sideOf(split, B).map((r) => r.height)).toEqual([fork + 2, fork + 2, fork + 2]);
      const losing = await mainChain(t, 4, fork + 1, fork + 2);
      const winning = await mainChain(t, 1, fork + 1, fork + 4);
      const blockB = await t.rpc(5).call<{ tx: string[] }>('getblock', [losing[0], 1]);
      expect(blockB.tx).toContain(txB);
      expect(await mempool(t, 0)).not.toContain(txB);

      expect(await t.cli(['heal'])).toContain('healed');
      const healed = await t.waitConverged({ minHeight: fork + 4, timeoutMs: 60_000 });
      expect(healed[0]!.tip).toBe(split[0]!.tip);
      expect(healed[0]!.height).toBe(fork + 4);

      for (const n of [...A, ...B]) {
        // Every peer's main chain is A's: B's blocks were reorganised away...
        expect(await mainChain(t, n, fork + 1, fork + 4)).toEqual(winning);
        // ... and A's transfer stays confirmed.
        expect(await mempool(t, n)).not.toContain(txA);
      }
      const tips = await t.rpc(4).call<{ hash: string; status: string }[]>('getchaintips');
      expect(tips.find((x) => x.hash === losing[1])?.status).toBe('valid-fork');
      expect(tips.find((x) => x.status === 'active')?.hash).toBe(winning[3]);

      // B's transfer, confirmed only on the losing chain, is back in the reorganised peers' mempools.
      for (const n of B) expect(await mempool(t, n)).toContain(txB);

      // It confirms again: peer 3 (now on the winning chain) mines it, and every peer agrees.
      await t.cli(['mine', '3', '1']);
      const final = await t.waitConverged({ minHeight: fork + 5, emptyMempool: true, timeoutMs: 60_000 });
      expect(final[0]!.height).toBe(fork + 5);
      const tip = await t.rpc(0).call<{ tx: string[]; previousblockhash: string }>('getblock', [final[0]!.tip, 1]);
      expect(tip.previousblockhash).toBe(winning[3]);
      expect(tip.tx).toContain(txB);
      for (const n of [...A, ...B]) expect(await mempool(t, n)).toEqual([]);
    }),
  240_000,
);
