/**
 * Gossip propagation over real libp2p peers on 127.0.0.1: blocks and transactions cross a line of
 * five peers hop by hop, and a peer that missed blocks fetches the ancestry of a gossiped orphan.
 */
import { txid } from '../../src/consensus/tx.js';
import { bytesToHex, hashToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { extendLocal, give, link, meshed, TestNet, tips, until, type TestPeer } from './helpers.js';

test('a block made on A and a transaction sent to E reach every peer of the line A-B-C-D-E', async () => {
  const net = new TestNet();
  try {
    const peers: TestPeer[] = [];
    for (const name of ['A', 'B', 'C', 'D', 'E']) peers.push(await net.startPeer({ name }));
    const a = peers[0]!;
    const e = peers[4]!;
    // A shared history of 101 blocks, given to every chain directly, so the first coinbase is mature.
    const history = await extendLocal(a, 'h', 101);
    for (const p of peers.slice(1)) await give(p, history);
    for (let i = 0; i + 1 < peers.length; i++) await link(peers[i + 1]!, peers[i]!);
    for (let i = 0; i + 1 < peers.length; i++) await meshed(peers[i]!, peers[i + 1]!);
    // Only neighbours are connected: everything must travel hop by hop.
    for (const p of peers) expect(p.svc.peers().length).toBe(p === a || p === e ? 1 : 2);

    const tx = a.h.spend(a.h.get('h1').coinbase, [
      payTo(testKey('alice'), 49_0000_0000n),
      payTo(testKey('bob'), 9_999_000n),
    ]);
    const id = bytesToHex(txid(tx));
    expect(await e.mempool.accept(tx)).toMatchObject({ accepted: true });
    await e.svc.publishTx(tx);

    const block = a.h.block('x', 'h101');
    expect(await a.h.submit('x')).toMatchObject({ status: 'connected' });
    await a.svc.publishBlock(block.block);

    await until(
      () => peers.every((p) => p.h.chain.tip.hashHex === a.h.chain.tip.hashHex),
      'every peer to reach the block made on A',
    );
    await until(() => peers.every((p) => p.mempool.has(id)), 'every mempool to hold the transaction sent to E');
    expect(new Set(tips(peers)).size).toBe(1);
    expect(peers.map((p) => p.h.chain.height)).toEqual([102, 102, 102, 102, 102]);
    // Honest relaying costs nobody anything.
    for (const p of peers) for (const q of p.svc.peers()) expect(q.penalty).toBe(0);
  } finally {
    await net.close();
  }
});

test('a peer that missed 50 blocks and then gets only the newest by gossip fetches the ancestry and reaches the tip', async () => {
  const net = new TestNet();
  try {
    const a = await net.startPeer({ name: 'A' });
    const b = await net.startPeer({ name: 'B' });
    await link(b, a);
    await meshed(a, b);
    // A connects 50 blocks B never hears about (nothing is gossiped), then gossips a 51st.
    await extendLocal(a, 'm', 50);
    expect(b.h.chain.height).toBe(0);
    const newest = a.h.block('m51', 'm50');
    await a.h.submit('m51');
    const orphaned: string[] = [];
    b.h.chain.on('orphan', (o) => orphaned.push(hashToHex(o.hash)));
    await a.svc.publishBlock(newest.block);

    await until(() => b.h.chain.tip.hashHex === a.h.chain.tip.hashHex, 'B to fetch the ancestry and reach A tip');
    expect(b.h.chain.height).toBe(51);
    // It did arrive as an orphan first (the gossip path, not a status-triggered sync).
    expect(orphaned).toEqual([newest.hashHex]);
    expect(b.h.chain.stats().orphans).toBe(0);
    expect(b.svc.peers()[0]!.penalty).toBe(0);
  } finally {
    await net.close();
  }
});
