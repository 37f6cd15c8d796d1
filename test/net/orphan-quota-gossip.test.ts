/**
 * The block validator refuses an orphan from a sender that holds its quota of orphans already,
 * from the header's parent hash alone (the body is never decoded), and reports the refusal so the
 * sender is charged. Another sender, and a block whose parent is known, are not affected. A
 * compact block is held to the same quota before it is rebuilt (no mempool scan, no fetch).
 */
import { encodeBlock } from '../../src/consensus/block.js';
import { txid } from '../../src/consensus/tx.js';
import { encodeCompactBlock, makeCompactBlock } from '../../src/net/compact.js';
import { CompactRelay } from '../../src/net/compact-relay.js';
import { GossipActionError } from '../../src/net/gossip.js';
import { BlockGossipValidator } from '../../src/net/gossip-validators.js';
import { wireNames } from '../../src/net/protocol.js';
import type { ReqResp } from '../../src/net/reqresp.js';
import { ChainHarness, internals } from '../chain/harness.js';

test('an orphan past its sender’s quota is refused undecoded and reported; others go on as before', async () => {
  const h = await ChainHarness.create({ orphanLimits: { maxPerSource: 2 } });
  const refused: string[] = [];
  const validator = new BlockGossipValidator(h.chain, {
    fetchAncestry: () => undefined,
    orphanRefused: (from) => refused.push(from),
    onError: (err) => {
      throw err;
    },
  });
  const outcome = (bytes: Uint8Array, from: string) =>
    validator.validate(bytes, from).then(
      () => 'accept',
      (e: unknown) => (e instanceof GossipActionError ? `${e.action} ${e.code}` : String(e)),
    );
  try {
    await h.extend('b', 'genesis', 5, false);
    const bytes = (n: string) => encodeBlock(h.get(n).block);
    expect(await outcome(bytes('b3'), 'flooder')).toBe('ignore orphan');
    expect(await outcome(bytes('b4'), 'flooder')).toBe('ignore orphan');
    // A header whose parent nobody has, then bytes that are no block at all: never decoded.
    const junk = new Uint8Array(500).fill(0xee);
    junk.set(bytes('b5').subarray(0, 80));
    expect(await outcome(junk, 'flooder')).toBe('ignore orphan-quota');
    expect(refused).toEqual(['flooder']);
    expect(internals(h.chain).orphans.heldBy('flooder').count).toBe(2);
    // The same junk from a sender under its quota is decoded, and rejected for what it is.
    expect(await outcome(junk, 'other')).toBe('reject undecodable');
    // A block whose parent is known is judged as before, even from the flooder.
    expect(await outcome(bytes('b1'), 'flooder')).toBe('accept');
    expect(refused).toEqual(['flooder']);
  } finally {
    await h.close();
  }
});

test('a compact orphan past its sender’s quota is refused before it is rebuilt; another sender’s is rebuilt', async () => {
  const h = await ChainHarness.create({ orphanLimits: { maxPerSource: 2 } });
  const refused: string[] = [];
  const requests: string[] = [];
  const validator = new BlockGossipValidator(h.chain, {
    fetchAncestry: () => undefined,
    orphanRefused: (from) => refused.push(from),
    onError: (err) => {
      throw err;
    },
  });
  const relay = new CompactRelay({
    chain: h.chain,
    // Records any request: a refused compact block must make none.
    reqresp: {
      request: (_peer: unknown, protocol: string) => {
        requests.push(protocol);
        return Promise.reject(new Error('no peers here'));
      },
    } as unknown as ReqResp,
    names: wireNames(h.chain.params),
    validateBlock: (block, bytes, txids, from) => validator.validateBlock(block, bytes, txids, from),
    refuseOrphanOverQuota: (parent, from) => validator.refuseOrphanOverQuota(parent, from),
    peers: () => [],
    charge: () => undefined,
  });
  const outcome = (p: Promise<void>) =>
    p.then(
      () => 'accept',
      (e: unknown) => (e instanceof GossipActionError ? `${e.action} ${e.code}` : String(e)),
    );
  const compact = (n: string) => {
    const { block } = h.get(n);
    return encodeCompactBlock(makeCompactBlock(block.header, block.txs, block.txs.map(txid)));
  };
  try {
    await h.extend('b', 'genesis', 5, false);
    for (const n of ['b3', 'b4'])
      expect(await outcome(validator.validate(encodeBlock(h.get(n).block), 'flooder'))).toBe('ignore orphan');
    expect(await outcome(relay.validate(compact('b5'), 'flooder'))).toBe('ignore orphan-quota');
    expect(refused).toEqual(['flooder']);
    // From a sender under its quota the same compact block is rebuilt (its coinbase is all it holds)
    // and judged as a whole block: an orphan, kept.
    expect(await outcome(relay.validate(compact('b5'), 'other'))).toBe('ignore orphan');
    expect(internals(h.chain).orphans.heldBy('other').count).toBe(1);
    expect(requests).toEqual([]);
  } finally {
    await h.close();
  }
});
