/**
 * The block gossip validator on a real Chain, about the bytes it keeps: a gossip message may be a
 * slice of a larger frame, and a decoded block's transactions are views into its bytes, so an
 * orphan kept for minutes must hold a copy of its own block, never the frame around it.
 */
import { encodeBlock } from '../../src/consensus/block.js';
import { bytesToHex, ownBytes } from '../../src/encoding/hex.js';
import { GossipActionError } from '../../src/net/gossip.js';
import { BlockGossipValidator } from '../../src/net/gossip-validators.js';
import { ChainHarness, internals } from '../chain/harness.js';

let h: ChainHarness;
let validator: BlockGossipValidator;
const fetched: string[] = [];
beforeEach(async () => {
  h = await ChainHarness.create();
  validator = new BlockGossipValidator(h.chain, {
    fetchAncestry: (from) => fetched.push(from),
    orphanRefused: () => undefined,
    onError: (err) => {
      throw err;
    },
  });
  await h.extend('a', 'genesis', 2);
});
afterEach(async () => {
  await h.close();
});

test('an orphan that arrived as a slice of a larger frame keeps only its own bytes', async () => {
  h.block('a3', 'a2');
  h.block('a4', 'a3');
  const block = encodeBlock(h.get('a4').block);
  // The message: the block's bytes in the middle of a 1 MB frame.
  const frame = new Uint8Array(1_000_000);
  frame.set(block, 4_096);
  const message = frame.subarray(4_096, 4_096 + block.length);

  const err = await validator.validate(message, 'peer-1').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GossipActionError);
  expect(err).toMatchObject({ action: 'ignore', code: 'orphan' });
  expect(fetched).toEqual(['peer-1']);

  // The pool keeps the block's bytes only, in a buffer of their own.
  const orphan = internals(h.chain).orphans.get(bytesToHex(h.get('a4').hash))!;
  expect(orphan).toBeDefined();
  expect(orphan.bytes).toEqual(block);
  expect(orphan.bytes.buffer).not.toBe(frame.buffer);
  expect(orphan.bytes.buffer.byteLength).toBe(block.length);
});

test('ownBytes copies a slice and passes a whole buffer through', () => {
  const whole = Uint8Array.of(1, 2, 3);
  expect(ownBytes(whole)).toBe(whole);
  const big = Uint8Array.of(9, 1, 2, 3, 9);
  const slice = big.subarray(1, 4);
  const own = ownBytes(slice);
  expect(own).toEqual(whole);
  expect(own.buffer).not.toBe(big.buffer);
  expect(own.buffer.byteLength).toBe(3);
  expect(ownBytes(big.subarray(0, 4)).buffer.byteLength).toBe(4);
});
