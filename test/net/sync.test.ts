/**
 * Headers-first sync between real peers: a late joiner downloads a long chain with real
 * transactions from two peers at once.
 */
import { jest } from '@jest/globals';
import type { Block } from '../../src/consensus/block.js';
import { RegtestChain } from '../helpers/chain.js';
import { testKey } from '../helpers/keys.js';
import { give, TestNet, until } from './helpers.js';

/**
 * 1,000 regtest blocks; from height 101 on every 4th block carries signed spends: the miner pays
 * alice (so coinbases are split into change), and alice later pays bob from what she received.
 */
function chainWithTransactions(height: number): { blocks: Block[]; txCount: number } {
  const rc = new RegtestChain();
  const miner = testKey('miner');
  const alice = testKey('alice');
  const bob = testKey('bob');
  let txCount = 0;
  while (rc.height < height) {
    const next = rc.height + 1;
    const txs = [];
    if (next > 100 && next % 4 === 0) {
      txs.push(rc.spend({ from: miner, to: alice, value: 1_0000_0000n + BigInt(next), fee: 1_000n }));
      if (rc.spendable(alice).length > 3) txs.push(rc.spend({ from: alice, to: bob, value: 2_000_000n, fee: 1_000n }));
    }
    txCount += txs.length;
    rc.mine({ txs });
  }
  return { blocks: rc.blocks.slice(1), txCount };
}

test('a late joiner syncs a 1,000-block chain with transactions from two peers: same tip, same UTXO set', async () => {
  const net = new TestNet();
  try {
    const { blocks, txCount } = chainWithTransactions(1_000);
    expect(txCount).toBeGreaterThan(300);
    const x = await net.startPeer({ name: 'X' });
    const y = await net.startPeer({ name: 'Y' });
    await give(x, blocks);
    await give(y, blocks);
    expect(y.h.chain.tip.hashHex).toBe(x.h.chain.tip.hashHex);
    const expected = await x.h.chain.utxoSetHash();
    expect(expected.count).toBeGreaterThan(1_000);

    // Count the block bodies each source serves to the joiner.
    const served = [jest.spyOn(x.h.chain, 'getBlockBytes'), jest.spyOn(y.h.chain, 'getBlockBytes')];
    const z = await net.startPeer({ name: 'Z' });
    let done = 0;
    z.svc.on('done', () => done++);
    await Promise.all([z.svc.connect(x.addr), z.svc.connect(y.addr)]);
    await until(() => z.h.chain.height === 1_000, 'Z to sync 1,000 blocks', 60_000);

    expect(z.h.chain.tip.hashHex).toBe(x.h.chain.tip.hashHex);
    expect(await z.h.chain.utxoSetHash()).toEqual(expected);
    // Both peers served bodies, and between them every block (at least) once.
    const counts = served.map((s) => s.mock.calls.length);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[0]! + counts[1]!).toBeGreaterThanOrEqual(1_000);
    await until(() => done > 0, 'the sync session to report done');
    for (const p of z.svc.peers()) expect(p.penalty).toBe(0);
  } finally {
    await net.close();
  }
});

test('a source that shuts down mid-sync is not penalised, and the joiner finishes from the other source', async () => {
  const net = new TestNet();
  try {
    const rc = new RegtestChain();
    rc.mineMany(600);
    const blocks = rc.blocks.slice(1);
    const x = await net.startPeer({ name: 'X' });
    const y = await net.startPeer({ name: 'Y' });
    await give(x, blocks);
    await give(y, blocks);
    const z = await net.startPeer({ name: 'Z' });
    const xId = x.id;
    // X goes away (an honest restart, say) in the middle of answering a blocks request, once
    // Z is some way through.
    let stopping: Promise<void> | undefined;
    const serve = x.h.chain.getBlockBytes.bind(x.h.chain);
    let served = 0;
    jest.spyOn(x.h.chain, 'getBlockBytes').mockImplementation((hash) => {
      if (++served === 150) stopping = x.svc.stop();
      return serve(hash);
    });
    await Promise.all([z.svc.connect(x.addr), z.svc.connect(y.addr)]);
    await until(() => z.h.chain.height === 600, 'Z to finish the sync from Y', 60_000);
    await stopping;
    expect(z.h.chain.tip.hashHex).toBe(y.h.chain.tip.hashHex);
    expect(z.svc.scorer.penalty(xId)).toBe(0);
    expect(z.svc.scorer.penalty(y.id)).toBe(0);
    expect(z.svc.bans.isBanned(xId)).toBe(false);
  } finally {
    await net.close();
  }
});
