/**
 * A peer that gossips invalid blocks is penalised for each one, disconnected and banned at the
 * threshold, and stays banned across a restart (bans.json in the datadir); honest peers keep
 * their standing and keep receiving blocks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Block } from '../../src/consensus/block.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { BAN_THRESHOLD, PENALTY } from '../../src/net/index.js';
import { BANS_FILE } from '../../src/net/bans.js';
import { regrind, regtest } from '../helpers/mine.js';
import { cloneTx, payTo } from '../helpers/tx.js';
import { testKey } from '../helpers/keys.js';
import { blockBytes, connected, extendLocal, give, link, meshed, publishRawBlock, TestNet, until } from './helpers.js';

test('invalid gossiped blocks get the sender penalised, disconnected and banned; the ban survives a restart; honest peers are unaffected', async () => {
  const net = new TestNet();
  try {
    const h = await net.startPeer({ name: 'H' });
    const honest = await net.startPeer({ name: 'honest' });
    const offender = await net.startPeer({ name: 'offender' });
    const history = await extendLocal(h, 'h', 101);
    await give(honest, history);
    await give(offender, history);
    await link(honest, h);
    await link(offender, h);
    await meshed(honest, h);
    await meshed(offender, h);
    const bans: string[] = [];
    h.svc.on('ban', (e) => bans.push(e.peerId));
    const reasons: string[] = [];
    h.svc.on('penalty', (e) => reasons.push(`${e.peerId === offender.id ? 'offender' : e.peerId} ${e.reason}`));

    // Four different invalid children of the tip (gossipsub dedups by content, so each differs).
    const base = h.h.block('v1', 'h101').block;
    const badPow: Block = regrind(base, regtest, false);
    const badMerkle: Block = regrind({
      header: { ...base.header, merkleRoot: new Uint8Array(32).fill(7) },
      txs: base.txs,
    });
    const spend = h.h.spend(h.h.get('h1').coinbase, [payTo(testKey('alice'), 49_9999_0000n)]);
    const forged = cloneTx(spend);
    forged.inputs[0]!.unlock[33 + 10]! ^= 0x01; // a different r: the signature no longer verifies
    const badSig = h.h.block('v3', 'h101', { txs: [forged], fees: 10_000n }).block;
    const undecodable = new Uint8Array(300).fill(0xee); // a header, then 238 transactions that are not there
    const offences = [blockBytes(badPow), blockBytes(badMerkle), blockBytes(badSig), undecodable];
    expect((offences.length * PENALTY.invalidGossip) / BAN_THRESHOLD).toBeGreaterThanOrEqual(1);

    const tip = h.h.chain.tip.hashHex;
    // One offence at a time, each only after H's gossipsub score of the offender has dropped
    // (it is cached for a heartbeat, and a peer last seen at score >= 0 is let through for 1 s):
    // the realistic pace of an offender, where gossipsub's graylist could otherwise silence it
    // before powchain's own threshold bans it.
    const pubsub = h.host.services.pubsub;
    for (const [i, bytes] of offences.entries()) {
      const scoreBefore = pubsub.getScore(offender.id);
      await publishRawBlock(offender, bytes);
      const want = (i + 1) * PENALTY.invalidGossip;
      await until(
        () => h.svc.scorer.penalty(offender.id) >= want,
        `offence ${i + 1} to cost the offender ${want} points`,
      );
      if (i + 1 < offences.length)
        await until(
          () => pubsub.getScore(offender.id) < scoreBefore,
          `H's gossipsub score of the offender to drop after offence ${i + 1}`,
        );
    }
    await until(() => bans.includes(offender.id), 'the offender to be banned');
    // Each offence was judged for what it is.
    const codes = [RejectCode.HighHash, RejectCode.BadMerkleRoot, RejectCode.BadSignature, RejectCode.Undecodable];
    expect(reasons).toEqual(
      codes
        .map((c) => `offender invalid-gossip: ${h.svc.names.blockTopic}: ${c}`)
        .map((r) => expect.stringContaining(r)),
    );
    await until(() => !connected(h, offender) && !connected(offender, h), 'the offender to be disconnected');
    expect(h.svc.bans.isBanned(offender.id)).toBe(true);
    expect(h.h.chain.tip.hashHex).toBe(tip);
    // The ban file is written within a second of the ban (bursts are batched).
    await until(
      () =>
        existsSync(join(h.datadir, BANS_FILE)) &&
        readFileSync(join(h.datadir, BANS_FILE), 'utf8').includes(offender.id),
      'the ban to reach bans.json',
    );
    expect(readFileSync(join(h.datadir, BANS_FILE), 'utf8')).toContain(offender.id);

    // The honest peer kept its standing, its connection and its gossip.
    expect(h.svc.scorer.penalty(honest.id)).toBe(0);
    expect(connected(h, honest)).toBe(true);
    const good = h.h.block('g1', 'h101');
    await h.h.submit('g1');
    await h.svc.publishBlock(good.block);
    await until(
      () => honest.h.chain.tip.hashHex === h.h.chain.tip.hashHex,
      'the honest peer to receive a good block after the offences',
    );

    // Restart H on the same datadir: same identity, the ban is still there and enforced both ways.
    const id = h.id;
    await h.restart();
    expect(h.id).toBe(id);
    expect(h.svc.bans.isBanned(offender.id)).toBe(true);
    const seen: string[] = [];
    h.svc.on('peer:connect', (e) => seen.push(e.id));
    // The offender's dial may get as far as its own side of the handshake; H drops it at once.
    await offender.svc.connect(h.addr).catch(() => undefined);
    await expect(
      offender.reqresp.request(h.host.peerId, h.svc.names.status, new Uint8Array(0), { frames: 1, maxFrameBytes: 256 }),
    ).rejects.toThrow();
    await until(() => !connected(offender, h), 'the offender dial to be dropped');
    await expect(h.svc.connect(offender.addr)).rejects.toThrow();
    expect(connected(h, offender)).toBe(false);
    expect(seen).not.toContain(offender.id);
    // ...while the honest peer reconnects as before.
    await link(honest, h);
    expect(h.svc.scorer.penalty(honest.id)).toBe(0);
  } finally {
    await net.close();
  }
});
