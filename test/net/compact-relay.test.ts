/**
 * Compact block relay between real libp2p peers on 127.0.0.1: a block whose transactions the
 * receiver holds is rebuilt from its mempool with no fetch; missing transactions are fetched
 * (blocktxn); colliding short ids and a wrong match fall back to the full block; malformed compact
 * blocks cost their sender.
 */
import type { Block } from '../../src/consensus/block.js';
import { checkProofOfWork } from '../../src/consensus/pow.js';
import { headerHash } from '../../src/consensus/header.js';
import { networks } from '../../src/consensus/params/networks.js';
import { txid, type Transaction } from '../../src/consensus/tx.js';
import { encodeCompactBlock, makeCompactBlock, shortIdFunction, type CompactBlock } from '../../src/net/compact.js';
import type { CompactOutcome } from '../../src/net/compact-relay.js';
import { PENALTY } from '../../src/net/scorer.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { extendLocal, give, link, meshed, TestNet, until, type TestPeer } from './helpers.js';

/** A and B share 105 blocks (five mature coinbases), are linked and meshed. */
async function pair(net: TestNet): Promise<{ a: TestPeer; b: TestPeer; spends: Transaction[] }> {
  const a = await net.startPeer({ name: 'A' });
  const b = await net.startPeer({ name: 'B' });
  await give(b, await extendLocal(a, 'h', 105));
  await link(b, a);
  await meshed(a, b);
  const spends = [1, 2, 3, 4, 5].map((i) =>
    a.h.spend(a.h.get(`h${i}`).coinbase, [
      payTo(testKey(`to${i}`), 49_0000_0000n),
      payTo(testKey('change'), 9_999_000n),
    ]),
  );
  return { a, b, spends };
}

function outcomes(p: TestPeer): CompactOutcome[] {
  const out: CompactOutcome[] = [];
  p.svc.on('compact', (o) => out.push(o));
  return out;
}

async function mine(a: TestPeer, txs: Transaction[]): Promise<Block> {
  const x = a.h.block('x', 'h105', { txs });
  expect(await a.h.submit('x')).toMatchObject({ status: 'connected' });
  return x.block;
}

const penaltyOf = (p: TestPeer, q: TestPeer) => p.svc.peers().find((x) => x.id === q.id)?.penalty ?? 0;
const compactTxids = (block: Block) => block.txs.map(txid);

test('a block whose transactions B holds is rebuilt from its mempool with no fetch', async () => {
  const net = new TestNet();
  try {
    const { a, b, spends } = await pair(net);
    for (const tx of spends) expect(await b.mempool.accept(tx)).toMatchObject({ accepted: true });
    const seen = outcomes(b);
    const block = await mine(a, spends);
    await a.svc.publishBlock(block);
    await until(() => b.h.chain.tip.hashHex === a.h.chain.tip.hashHex, 'B to connect the compact block');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ txs: 6, fromPool: 5, fetched: 0, fetchedBytes: 0 });
    expect(seen[0]!.fallback).toBeUndefined();
    // The compact form: header, salt, 5 short ids, the coinbase.
    expect(seen[0]!.compactBytes).toBeLessThan(80 + 8 + 2 + 5 * 6 + 2 + 200);
    expect(b.mempool.size).toBe(0);
    expect(penaltyOf(b, a)).toBe(0);
  } finally {
    await net.close();
  }
});

test('transactions B lacks are fetched from the peer that sent the compact block', async () => {
  const net = new TestNet();
  try {
    const { a, b, spends } = await pair(net);
    for (const tx of [spends[0]!, spends[3]!]) expect(await b.mempool.accept(tx)).toMatchObject({ accepted: true });
    const seen = outcomes(b);
    await a.svc.publishBlock(await mine(a, spends));
    await until(() => b.h.chain.tip.hashHex === a.h.chain.tip.hashHex, 'B to connect the compact block');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ txs: 6, fromPool: 2, fetched: 3 });
    expect(seen[0]!.fallback).toBeUndefined();
    expect(seen[0]!.fetchedBytes).toBeGreaterThan(3 * 150);
    expect(penaltyOf(b, a)).toBe(0);
  } finally {
    await net.close();
  }
});

test('colliding short ids, and a short id matching the wrong transaction, fall back to the full block', async () => {
  const net = new TestNet();
  try {
    const { a, b, spends } = await pair(net);
    for (const tx of spends) expect(await b.mempool.accept(tx)).toMatchObject({ accepted: true });
    const seen = outcomes(b);
    const block = await mine(a, spends.slice(0, 3));
    const salt = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const cb = makeCompactBlock(block.header, block.txs, compactTxids(block), salt);
    // Two equal short ids in the message: which transaction goes where cannot be told.
    const collide: CompactBlock = { ...cb, shortIds: [cb.shortIds[0]!, cb.shortIds[0]!, cb.shortIds[2]!] };
    await a.gossip.publish(a.svc.names.compactBlockTopic, encodeCompactBlock(collide));
    await until(() => b.h.chain.tip.hashHex === a.h.chain.tip.hashHex, 'B to connect the block after a collision');
    expect(seen.map((o) => o.fallback)).toEqual(['short-id-collision']);

    // The next block: a short id that matches a transaction B holds but the block does not have
    // (spends[4]), so the rebuilt block fails its merkle root and the full block is fetched.
    const y = a.h.block('y', 'x', { txs: [spends[3]!] });
    expect(await a.h.submit('y')).toMatchObject({ status: 'connected' });
    const cy = makeCompactBlock(y.block.header, y.block.txs, compactTxids(y.block), salt);
    const wrong: CompactBlock = { ...cy, shortIds: [shortIdFunction(y.block.header, salt)(txid(spends[4]!))] };
    await a.gossip.publish(a.svc.names.compactBlockTopic, encodeCompactBlock(wrong));
    await until(() => b.h.chain.tip.hashHex === a.h.chain.tip.hashHex, 'B to connect the block after a wrong match');
    expect(seen.map((o) => o.fallback)).toEqual(['short-id-collision', 'merkle-mismatch']);
    // Either can happen by chance to honest peers: nobody is charged.
    expect(penaltyOf(b, a)).toBe(0);
  } finally {
    await net.close();
  }
});

test('a compact block that does not decode, or whose header lacks its proof of work, costs its sender', async () => {
  const net = new TestNet();
  try {
    const { a, b, spends } = await pair(net);
    await a.gossip.publish(a.svc.names.compactBlockTopic, Uint8Array.of(1, 2, 3, 4));
    await until(() => penaltyOf(b, a) === PENALTY.invalidGossip, 'B to charge A for undecodable compact bytes');

    const block = a.h.block('z', 'h105', { txs: spends.slice(0, 1) }).block;
    const header = { ...block.header };
    while (checkProofOfWork(headerHash(header), header.bits, networks.regtest.powLimit)) header.nonce++;
    const bad = makeCompactBlock(header, block.txs, compactTxids(block));
    await a.gossip.publish(a.svc.names.compactBlockTopic, encodeCompactBlock(bad));
    await until(
      () => penaltyOf(b, a) === 2 * PENALTY.invalidGossip,
      'B to charge A for a header without proof of work',
    );
    expect(b.h.chain.height).toBe(105);
  } finally {
    await net.close();
  }
});
