/**
 * `submitblock` against a real node: blocks built here with the consensus code (test/helpers'
 * mineBlock: coinbase committing to the height, regtest's fixed bits, a nonce that meets them),
 * then damaged one field at a time. Answers are bitcoind's: null when connected, `duplicate`,
 * the reject reason of the first rule broken, `inconclusive` for a block whose parent the node
 * lacks (and for one stored on a side branch).
 */
import { encodeBlock, type Block } from '../../src/consensus/block.js';
import { headerHash } from '../../src/consensus/header.js';
import { bytesToHex, hashToHex, hexToHash } from '../../src/encoding/hex.js';
import { mineBlock, regrind } from '../helpers/mine.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

const hex = (b: Block) => bytesToHex(encodeBlock(b));
const hashOf = (b: Block) => hashToHex(headerHash(b.header));

interface Tip {
  hash: string;
  height: number;
  time: number;
}

async function tipOf(node: NodeProcess): Promise<Tip> {
  const hash = await node.call<string>('getbestblockhash');
  const h = await node.call<{ height: number; time: number }>('getblockheader', hash);
  return { hash, height: h.height, time: h.time };
}

/** A valid child of `parent` (time one second after it: above the MTP, never in the future). */
function child(parent: Tip, extraNonce = 0n): Block {
  return mineBlock({
    prevHash: hexToHash(parent.hash),
    height: parent.height + 1,
    time: parent.time + 1,
    minerKey: regtestKey('e2e-submit'),
    extraNonce,
  });
}

const next = (b: Block, parent: Tip): Tip => ({ hash: hashOf(b), height: parent.height + 1, time: b.header.time });

test('submitblock: null, duplicate, bad-txnmrklroot, high-hash, bad-diffbits, inconclusive, orphan resolution', async () => {
  const node = await NodeProcess.start();
  try {
    await node.call('generatetoaddress', 3, regtestKey('e2e-submit-gen').address);
    const tip = await tipOf(node);
    expect(tip.height).toBe(3);

    // A valid block connects: null, and it is the new tip.
    const good = child(tip);
    expect(await node.call('submitblock', hex(good))).toBeNull();
    expect(await node.call('getbestblockhash')).toBe(hashOf(good));
    expect(await node.call('getblockcount')).toBe(4);
    // The same again.
    expect(await node.call('submitblock', hex(good))).toBe('duplicate');
    // Through the CLI too: a string result prints as one line.
    const dup = await node.cli('submitblock', hex(good));
    expect(dup).toMatchObject({ code: 0, stdout: 'duplicate\n' });
    const top = next(good, tip);

    // Wrong merkle root, with a nonce that meets the target so only the root is wrong.
    const badRoot = child(top);
    const root = badRoot.header.merkleRoot.slice();
    root[0]! ^= 1;
    expect(
      await node.call(
        'submitblock',
        hex(regrind({ header: { ...badRoot.header, merkleRoot: root }, txs: badRoot.txs })),
      ),
    ).toBe('bad-txnmrklroot');

    // Too little work: a nonce whose hash misses the target.
    expect(await node.call('submitblock', hex(regrind(child(top), undefined, false)))).toBe('high-hash');

    // Bits other than regtest's fixed 0x207fffff (a slightly harder target the hash meets).
    const badBits = child(top);
    expect(
      await node.call(
        'submitblock',
        hex(regrind({ header: { ...badBits.header, bits: 0x207ffffe }, txs: badBits.txs })),
      ),
    ).toBe('bad-diffbits');

    // None of those moved the tip.
    expect(await node.call('getbestblockhash')).toBe(top.hash);

    // A child whose parent the node has not seen waits as an orphan: inconclusive.
    const parent = child(top, 1n);
    const orphan = child(next(parent, top), 1n);
    expect(await node.call('submitblock', hex(orphan))).toBe('inconclusive');
    expect(await node.call('getbestblockhash')).toBe(top.hash);
    expect(await node.call<{ orphans: number }>('getblockchaininfo')).toMatchObject({ orphans: 1 });
    // The parent arrives: both connect.
    expect(await node.call('submitblock', hex(parent))).toBeNull();
    expect(await node.call('getblockcount')).toBe(6);
    expect(await node.call('getbestblockhash')).toBe(hashOf(orphan));
    expect(await node.call('getblockhash', 5)).toBe(hashOf(parent));
    expect(await node.call<{ orphans: number }>('getblockchaininfo')).toMatchObject({ orphans: 0 });

    // A valid block on a side branch (a sibling of the tip, less work than the tip): stored, inconclusive.
    const side = child(next(parent, top), 2n);
    expect(await node.call('submitblock', hex(side))).toBe('inconclusive');
    expect(await node.call('getbestblockhash')).toBe(hashOf(orphan));
    const tips = await node.call<{ hash: string; status: string; branchlen: number }[]>('getchaintips');
    expect(tips).toEqual(
      expect.arrayContaining([
        { height: 6, hash: hashOf(orphan), branchlen: 0, status: 'active' },
        { height: 6, hash: hashOf(side), branchlen: 1, status: expect.stringMatching(/^valid-(fork|headers)$/) },
      ]),
    );

    // Garbage: a deserialization error, not a verdict.
    await expect(node.call('submitblock', 'deadbeef')).rejects.toMatchObject({ code: -22 });
    // The node still verifies its chain and answers.
    expect(await node.call('verifychain', 4, 0)).toBe(true);
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 120_000);
