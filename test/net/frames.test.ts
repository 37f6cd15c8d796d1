/**
 * Bad frames on every request/response protocol, from real peers over raw libp2p streams: the
 * node stays up and keeps answering good requests, and the sender is penalised. The second half
 * turns it around: a peer that answers our requests with junk is penalised too.
 */
import { lpStream } from 'it-length-prefixed-stream';
import { decodeTx, txid } from '../../src/consensus/tx.js';
import { bytesToHex, equalBytes } from '../../src/encoding/hex.js';
import {
  decodeHashes,
  decodeHeaders,
  decodeStatus,
  encodeHashes,
  encodeHeadersRequest,
} from '../../src/net/messages.js';
import type { Host } from '../../src/net/host.js';
import { LIMITS, PENALTY, type WireNames } from '../../src/net/index.js';
import { testKey } from '../helpers/keys.js';
import { payTo } from '../helpers/tx.js';
import { extendLocal, give, link, pid, TestNet, until, type TestPeer } from './helpers.js';

type Proto = 'status' | 'headers' | 'blocks' | 'mempool';
const PROTOCOLS: Proto[] = ['status', 'headers', 'blocks', 'mempool'];

/** Junk that decodes as nothing on any protocol (0xee: a count above every bound, an unknown mempool kind). */
const JUNK = new Uint8Array(12).fill(0xee);

/** How each bad request is written: the payload, and the length prefix that goes in front of it. */
const BAD_REQUESTS: Record<string, { bytes: Uint8Array; prefix: (len: number) => number | null }> = {
  garbage: { bytes: JUNK, prefix: (len) => len },
  truncated: { bytes: JUNK, prefix: (len) => len + 50 },
  oversized: { bytes: JUNK, prefix: () => 64 * 1024 * 1024 },
  unframed: { bytes: new Uint8Array(12).fill(0xff), prefix: () => null },
};

/** Unsigned LEB128, the length prefix it-length-prefixed uses. */
function uvarint(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Uint8Array.from(out);
}

/** Open `proto` on `target` from the attacker's host and write one bad request, then close our side. */
async function sendBad(from: Host, target: TestPeer, proto: string, kind: keyof typeof BAD_REQUESTS): Promise<void> {
  const { bytes, prefix } = BAD_REQUESTS[kind]!;
  const stream = await from.dialProtocol(pid(target), proto, { signal: AbortSignal.timeout(10_000) });
  const lp = lpStream(stream, {
    lengthEncoder: (len: number) => (prefix(len) === null ? new Uint8Array(0) : uvarint(prefix(len)!)),
  });
  try {
    await lp.write(bytes, { signal: AbortSignal.timeout(10_000) });
    await stream.closeWrite({ signal: AbortSignal.timeout(10_000) });
  } catch {
    // the target may already have reset the stream
  }
}

/** Ask `target` all four protocols from `client` and check the answers against its chain and mempool. */
async function expectGoodAnswers(client: TestPeer, target: TestPeer, txidHex: string): Promise<void> {
  const n: WireNames = client.svc.names;
  const ask = (proto: string, payload: Uint8Array) =>
    client.reqresp.request(pid(target), proto, payload, { frames: 1, maxFrameBytes: 1_000_000 });
  const chain = target.h.chain;
  const [status] = await ask(n.status, new Uint8Array(0));
  expect(decodeStatus(status!)).toMatchObject({ height: chain.height, chainWork: chain.tip.chainWork });
  const [headers] = await ask(n.headers, encodeHeadersRequest([chain.params.genesisHash]));
  expect(decodeHeaders(headers!)).toHaveLength(chain.height);
  const [block] = await ask(n.blocks, encodeHashes([chain.tip.hash]));
  expect(equalBytes(block!, chain.getBlockBytes(chain.tip.hash)!)).toBe(true);
  // The mempool requests written out by hand (kind 0: list; kind 1 and a hash list: get), so
  // the wire layout is checked apart from the encoder.
  const [list] = await ask(n.mempool, Uint8Array.of(0));
  expect(decodeHashes(list!, LIMITS.maxMempoolIds).map(bytesToHex)).toEqual([txidHex]);
  const [tx] = await ask(n.mempool, Uint8Array.of(1, ...encodeHashes([decodeHashes(list!, 1)[0]!])));
  expect(bytesToHex(txid(decodeTx(tx!)))).toBe(txidHex);
}

/** A target with 101 blocks and one transaction in its mempool, so every protocol has something to say. */
async function startTarget(net: TestNet): Promise<{ target: TestPeer; txidHex: string }> {
  const target = await net.startPeer({ name: 'target' });
  await extendLocal(target, 'h', 101);
  const tx = target.h.spend(target.h.get('h1').coinbase, [payTo(testKey('alice'), 49_9999_0000n)]);
  expect(await target.mempool.accept(tx)).toMatchObject({ accepted: true });
  return { target, txidHex: bytesToHex(txid(tx)) };
}

describe.each(PROTOCOLS)('bad requests on %s', (proto) => {
  test('garbage, truncated, oversized and unframed requests: the node keeps answering, each sender is penalised', async () => {
    const net = new TestNet();
    try {
      const { target, txidHex } = await startTarget(net);
      const good = await net.startPeer({ name: 'good' });
      for (const kind of Object.keys(BAD_REQUESTS)) {
        // A fresh attacker per kind: each penalty is observed on its own.
        const attacker = await net.startHost();
        await attacker.dial(target.host.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(10_000) });
        await sendBad(attacker, target, target.svc.names[proto], kind);
        const id = attacker.peerId.toString();
        await until(() => target.svc.scorer.penalty(id) > 0, `a ${kind} ${proto} request to cost the attacker`);
        expect(target.svc.scorer.penalty(id)).toBe(PENALTY.badFrame);
        // Charged through the peer's cost account: getpeerinfo's costs show it.
        expect(target.svc.costs.tally(id)).toEqual({ 'bad-frame': 1 });
      }
      await link(good, target);
      await expectGoodAnswers(good, target, txidHex);
      expect(target.svc.scorer.penalty(good.id)).toBe(0);
    } finally {
      await net.close();
    }
  });
});

/** Replace `m`'s handler for `proto` with one that answers every request with `respond(request)`. */
async function answerWith(m: TestPeer, proto: string, respond: (req: Uint8Array) => Uint8Array[]): Promise<void> {
  await m.host.unhandle(proto);
  await m.host.handle(proto, async ({ stream }) => {
    const lp = lpStream(stream);
    try {
      const req = (await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray();
      for (const f of respond(req)) await lp.write(f);
      await stream.close();
    } catch (err) {
      stream.abort(err as Error);
    }
  });
}

describe.each(PROTOCOLS)('junk responses on %s', (proto) => {
  test('a peer answering our request with junk is penalised, and the node carries on', async () => {
    const net = new TestNet();
    try {
      const victim = await net.startPeer({ name: 'victim' });
      const liar = await net.startPeer({ name: 'liar' });
      // The liar has more work, so the victim syncs from it: every protocol gets asked.
      const history = await extendLocal(liar, 'h', 20);
      await give(victim, history.slice(0, 10));
      const before = victim.h.chain.tip.hashHex;
      await answerWith(liar, liar.svc.names[proto], (req) =>
        proto === 'blocks' ? decodeHashes(req, LIMITS.maxBlocksPerRequest).map(() => JUNK) : [JUNK],
      );
      await victim.svc.connect(liar.addr);
      await until(() => victim.svc.scorer.penalty(liar.id) > 0, `junk ${proto} responses to cost the liar`);
      // Junk before any block was accepted changes nothing; junk mempool listings come after a good sync.
      if (proto === 'mempool')
        await until(() => victim.h.chain.height === 20, 'the victim to finish syncing from the liar');
      else expect(victim.h.chain.tip.hashHex).toBe(before);
      // The victim still serves others.
      const other = await net.startPeer({ name: 'other' });
      await link(other, victim);
      await until(() => other.h.chain.height === victim.h.chain.height, 'another peer to sync from the victim');
      expect(victim.svc.scorer.penalty(other.id)).toBe(0);
    } finally {
      await net.close();
    }
  });
});

test('a requester that resets its stream before writing is not charged (it gave up), a truncated frame is', async () => {
  const net = new TestNet();
  try {
    const { target } = await startTarget(net);
    // A powchain peer (a bare host would be hung up on as not of this network).
    const honest = await net.startPeer({ name: 'honest' });
    await link(honest, target);
    const peer = honest.host;
    const id = honest.id;
    // As an honest peer does when its own request timer fires: open the stream, then reset it.
    for (let i = 0; i < 5; i++) {
      const stream = await peer.dialProtocol(pid(target), target.svc.names.status, {
        signal: AbortSignal.timeout(10_000),
      });
      stream.abort(new Error('gave up'));
    }
    // Then one real offence: the penalty seen is that one alone, so the resets were read and not charged.
    await sendBad(peer, target, target.svc.names.status, 'truncated');
    await until(() => target.svc.scorer.penalty(id) > 0, 'the truncated request to cost the peer');
    expect(target.svc.scorer.penalty(id)).toBe(PENALTY.badFrame);
  } finally {
    await net.close();
  }
});
