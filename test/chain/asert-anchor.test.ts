/**
 * The ASERT anchor is block 1 of each block's own chain. A real Chain judges blocks on two
 * chains from genesis whose blocks 1 are a day apart: each branch's bits follow its own anchor
 * while it is a side branch, after it becomes the main chain, and after it is left behind by a
 * reorganisation.
 */
import { isAccepted } from '../../src/chain/index.js';
import { encodeBlock, type Block } from '../../src/consensus/block.js';
import { headerHash } from '../../src/consensus/header.js';
import { bitsToTarget, targetToBits } from '../../src/consensus/pow.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { AsertChain, easyTestnet, spaced } from '../helpers/asert-chain.js';
import { ChainHarness } from './harness.js';

const G = easyTestnet.genesis.header.time;
const YEARS = 2 * 365 * 24 * 3600;
// Block 1 and every block behind schedule carry the limit's bits: regtest's limit here.
const limit = bitsToTarget(targetToBits(easyTestnet.powLimit)).target;
const targetOf = (b: Block) => bitsToTarget(b.header.bits).target;

test('each branch is judged against its own block 1, main chain or not', async () => {
  const h = await ChainHarness.create({ params: easyTestnet });
  try {
    h.clock.now = G + YEARS + 2 * 86_400;
    const submit = (b: Block) => h.chain.processBlock(b, { source: 'test', bytes: encodeBlock(b) });
    const hashOf = (b: Block) => bytesToHex(headerHash(b.header));

    // A: block 1 two years after genesis, then 30 blocks 2 s apart (far faster than 10 s).
    const a = new AsertChain(easyTestnet, 'a');
    a.extend(spaced(G + YEARS, 2, 31));
    for (const b of a.blocks) expect(await submit(b)).toMatchObject({ status: 'connected' });
    expect(targetOf(a.blocks[30]!)).toBeLessThan(limit);

    // B: its block 1 a day later, then blocks 1 s apart. Its bits follow B1's schedule: with A1 as
    // the anchor the same chain would be a day behind and at the limit.
    const b = new AsertChain(easyTestnet, 'b');
    b.extend(spaced(G + YEARS + 86_400, 1, 11));
    for (const blk of b.blocks) expect(await submit(blk)).toMatchObject({ status: 'stored' });
    const wrongAnchor = b.nextBits((height) => (height === 1 ? a.infos[1]! : b.infos[height]!));
    expect(bitsToTarget(wrongAnchor).target).toBe(limit);
    expect(bitsToTarget(b.nextBits()).target).toBeLessThan(limit);
    const misanchored = b.build(G + YEARS + 86_400 + 11, wrongAnchor);
    expect(await submit(misanchored)).toMatchObject({ status: 'invalid', code: 'bad-diffbits' });

    // B goes on until it has more work than A and becomes the main chain.
    const more = b.extend(spaced(G + YEARS + 86_400 + 11, 1, 40));
    // Stored on the side until B has more work, connected from then on.
    for (const blk of more) expect(isAccepted(await submit(blk))).toBe(true);
    expect(h.chain.tip.hashHex).toBe(hashOf(b.blocks.at(-1)!));
    expect(h.chain.ancestor(h.chain.tip, 1)!.hashHex).toBe(hashOf(b.blocks[0]!));

    // A, now a side branch, still follows A1: its next block is accepted with A's bits.
    const a32 = a.extend([G + YEARS + 62])[0]!;
    expect(a32.header.bits).not.toBe(b.nextBits());
    expect(await submit(a32)).toMatchObject({ status: 'stored' });
    expect(h.chain.expectedBitsAfter(h.chain.entry(headerHash(a32.header))!)).toBe(a.nextBits());
  } finally {
    await h.close();
  }
});
