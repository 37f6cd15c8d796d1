/**
 * Peers of different networks may connect over TCP, but their topics and protocols carry the
 * network name and genesis prefix: they never exchange a block or a transaction.
 */
import { encodeBlock } from '../../src/consensus/block.js';
import { networks } from '../../src/consensus/params/networks.js';
import { txid } from '../../src/consensus/tx.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { connected, extendLocal, give, link, meshed, TestNet, until } from './helpers.js';

test('a testnet peer connected to regtest peers never exchanges blocks or transactions with them', async () => {
  const net = new TestNet();
  try {
    const r1 = await net.startPeer({ name: 'R1' });
    const r2 = await net.startPeer({ name: 'R2' });
    const t = await net.startPeer({ name: 'T', params: networks.testnet });
    expect(t.h.chain.params.name).toBe('testnet');
    expect(t.svc.names.blockTopic).not.toBe(r1.svc.names.blockTopic);
    const history = await extendLocal(r1, 'h', 101);
    await give(r2, history);
    await link(r2, r1);
    await meshed(r1, r2);

    const wrong: string[] = [];
    r1.svc.on('wrong-network', (e) => wrong.push(`R1 saw ${e.id === t.id ? 'T' : e.id}`));
    t.svc.on('wrong-network', (e) => wrong.push(`T saw ${e.id === r1.id ? 'R1' : e.id}`));
    const tEvents: string[] = [];
    for (const ev of ['orphan', 'block-invalid', 'tip'] as const) t.h.chain.on(ev, () => tEvents.push(ev));
    await t.svc.connect(r1.addr);
    await until(
      () => wrong.includes('R1 saw T') && wrong.includes('T saw R1'),
      'both sides to notice the other network',
    );
    expect(new Set(wrong)).toEqual(new Set(['R1 saw T', 'T saw R1']));
    // R1 has far more work than T's genesis, yet T does not sync from it, nor R1 from T.
    expect(t.svc.peers().find((p) => p.id === r1.id)?.status).toBeUndefined();
    expect(r1.svc.peers().find((p) => p.id === t.id)?.status).toBeUndefined();

    // A block and a transaction gossiped on regtest reach R2 (the control) and never T.
    const tx = r1.h.spend(r1.h.get('h1').coinbase, [payTo(testKey('alice'), 49_9999_0000n)]);
    expect(await r1.mempool.accept(tx)).toMatchObject({ accepted: true });
    await r1.svc.publishTx(tx);
    const block = r1.h.block('x', 'h101');
    await r1.h.submit('x');
    await r1.svc.publishBlock(block.block);
    await until(
      () => r2.h.chain.height === 102 && r2.mempool.has(bytesToHex(txid(tx))),
      'R2 to receive the regtest block and transaction',
    );
    // T publishes on its own topics: its genesis block, and its genesis coinbase as a transaction.
    await t.svc.publishBlock(networks.testnet.genesis);
    await t.gossip.publish(t.svc.names.txTopic, encodeBlock(networks.testnet.genesis).subarray(81));
    // Let a further regtest round trip finish after T's publishes, then check nothing crossed.
    const probe = r1.h.block('y', 'x');
    await r1.h.submit('y');
    await r1.svc.publishBlock(probe.block);
    await until(() => r2.h.chain.height === 103, 'R2 to receive a second regtest block');

    expect(t.h.chain.height).toBe(0);
    expect(t.mempool.size).toBe(0);
    expect(t.h.chain.stats().orphans).toBe(0);
    expect(tEvents).toEqual([]);
    expect(r1.h.chain.height).toBe(103);
    expect(r1.mempool.size).toBe(1);
    expect(r2.mempool.size).toBe(1);
    // Neither side ever sees the other on its topics, and neither is punished for being elsewhere.
    const subscribers = (p: typeof r1, topic: string) => p.host.services.pubsub.getSubscribers(topic).map(String);
    expect(subscribers(r1, r1.svc.names.blockTopic)).not.toContain(t.id);
    expect(subscribers(r1, r1.svc.names.txTopic)).not.toContain(t.id);
    expect(subscribers(t, t.svc.names.blockTopic)).toEqual([]);
    expect(r1.svc.scorer.penalty(t.id)).toBe(0);
    expect(t.svc.scorer.penalty(r1.id)).toBe(0);
    // The requests of one network are refused by the other (the protocol ids differ).
    await expect(
      t.reqresp.request(r1.host.peerId, t.svc.names.status, new Uint8Array(0), { frames: 1, maxFrameBytes: 256 }),
    ).rejects.toMatchObject({ code: 'refused' });
    expect(connected(r1, r2)).toBe(true);
  } finally {
    await net.close();
  }
});
