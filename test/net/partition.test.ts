/**
 * A network split in two halves that mine separately, then heal through one link: every peer
 * ends on the chain with the most work, and the losing side's still-valid transactions return to
 * its mempools.
 */
import { txid } from '../../src/consensus/tx.js';
import { bytesToHex, hashToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { connected, extendLocal, give, link, TestNet, until } from './helpers.js';

test('two halves mine separately, then connect: all peers end on the most-work chain, losing-side txs back in the mempools', async () => {
  const net = new TestNet();
  try {
    const [a, b, c, d] = [
      await net.startPeer({ name: 'A' }),
      await net.startPeer({ name: 'B' }),
      await net.startPeer({ name: 'C' }),
      await net.startPeer({ name: 'D' }),
    ];
    const all = [a, b, c, d];
    const history = await extendLocal(a, 'h', 102);
    for (const p of [b, c, d]) await give(p, history);
    await link(b, a);
    await link(d, c);

    // Left (A, B): a block with `kept` (spends h1's coinbase, untouched on the right) and `lost`
    // (spends h2's coinbase, which the right half spends differently), then an empty block.
    const alice = testKey('alice');
    const bob = testKey('bob');
    const kept = a.h.spend(a.h.get('h1').coinbase, [payTo(alice, 49_9999_0000n)]);
    const lost = a.h.spend(a.h.get('h2').coinbase, [payTo(alice, 49_9999_0000n)]);
    const rival = a.h.spend(a.h.get('h2').coinbase, [payTo(bob, 49_9998_0000n)]);
    const left = [a.h.block('l1', 'h102', { txs: [kept, lost], fees: 20_000n }).block, a.h.block('l2', 'l1').block];
    // Right (C, D): three blocks, the first confirming `rival`: more work.
    const right = [
      a.h.block('r1', 'h102', { txs: [rival], fees: 20_000n }).block,
      a.h.block('r2', 'r1').block,
      a.h.block('r3', 'r2').block,
    ];
    for (const p of [a, b]) await give(p, left);
    for (const p of [c, d]) await give(p, right);
    expect(a.h.chain.height).toBe(104);
    expect(c.h.chain.height).toBe(105);

    // Heal through one link B-C: A and D are not connected to the other half.
    await link(b, c);
    const winner = a.h.get('r3').hashHex;
    await until(
      () => all.every((p) => hashToHex(p.h.chain.tip.hash) === winner),
      'every peer to reorganise to the right half chain (r3)',
      20_000,
    );
    expect(connected(a, c) || connected(a, d)).toBe(false);

    const keptId = bytesToHex(txid(kept));
    const lostId = bytesToHex(txid(lost));
    await until(
      () => a.mempool.has(keptId) && b.mempool.has(keptId),
      'the still-valid left-side transaction to return to A and B mempools',
    );
    // The double spend of a coin the winning chain spent does not come back.
    expect(a.mempool.has(lostId)).toBe(false);
    expect(b.mempool.has(lostId)).toBe(false);
    for (const p of all) expect(p.h.chain.height).toBe(105);
    for (const p of all) for (const q of p.svc.peers()) expect(q.penalty).toBe(0);
  } finally {
    await net.close();
  }
});
