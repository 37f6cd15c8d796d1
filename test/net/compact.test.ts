/**
 * Compact blocks on the wire: encoding round trips, every malformed shape a DecodeError, short ids
 * keyed per block, and rebuilding from held transactions (collisions and wrong matches detected).
 */
import { sha256d } from '../../src/crypto/hash.js';
import type { Block } from '../../src/consensus/block.js';
import { encodeTx, type Transaction } from '../../src/consensus/tx.js';
import { DecodeError } from '../../src/encoding/errors.js';
import {
  decodeBlockTxnRequest,
  decodeBlockTxnResponse,
  decodeCompactBlock,
  encodeBlockTxnRequest,
  encodeBlockTxnResponse,
  encodeCompactBlock,
  makeCompactBlock,
  maxBlockTxs,
  shortIdFunction,
} from '../../src/net/compact.js';
import { PartialBlock } from '../../src/net/partial-block.js';
import { testKey } from '../helpers/keys.js';
import { coinbaseTx, payTo } from '../helpers/tx.js';

const MAX_TXS = maxBlockTxs(1_000_000);
const salt = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

/** A block-shaped list: a coinbase and `n` distinct (unsigned, never validated here) transactions. */
function fakeBlock(n: number): { block: Block; txids: Uint8Array[] } {
  const txs: Transaction[] = [coinbaseTx(7, [payTo(testKey('miner'), 50n)])];
  for (let i = 0; i < n; i++)
    txs.push({
      version: 1,
      inputs: [{ prevTxid: new Uint8Array(32).fill(i + 1), prevIndex: i, unlock: new Uint8Array(97).fill(i) }],
      outputs: [payTo(testKey(`k${i}`), BigInt(1_000 + i))],
      lockTime: 0,
    });
  const txids = txs.map((tx) => sha256d(encodeTx(tx)));
  // The header's merkle root is filled in by the tests that need one.
  const header = {
    version: 1,
    prevHash: new Uint8Array(32),
    merkleRoot: new Uint8Array(32),
    time: 1,
    bits: 0x207fffff,
    nonce: 0,
  };
  return { block: { header, txs }, txids };
}

async function withRoot(b: { block: Block; txids: Uint8Array[] }) {
  const { merkleRoot } = await import('../../src/consensus/merkle.js');
  b.block.header.merkleRoot = merkleRoot(b.txids).root;
  return b;
}

const decodeError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return (err as DecodeError).code;
  }
  throw new Error('no DecodeError');
};

describe('compact block encoding', () => {
  it('round-trips: header, salt, one 6-byte short id per transaction but the prefilled coinbase', () => {
    const { block, txids } = fakeBlock(5);
    const cb = makeCompactBlock(block.header, block.txs, txids, salt);
    const bytes = encodeCompactBlock(cb);
    expect(bytes.length).toBe(80 + 8 + 1 + 5 * 6 + 1 + 1 + encodeTx(block.txs[0]!).length);
    const back = decodeCompactBlock(bytes, MAX_TXS);
    expect(back.salt).toEqual(salt);
    expect(back.shortIds).toEqual(cb.shortIds);
    expect(back.prefilled.map((p) => p.index)).toEqual([0]);
    expect(encodeTx(back.prefilled[0]!.tx)).toEqual(encodeTx(block.txs[0]!));
    for (const id of back.shortIds) expect(id).toBeLessThan(2 ** 48);
  });

  it('keys short ids per block and salt', () => {
    const { block, txids } = fakeBlock(1);
    const a = shortIdFunction(block.header, salt)(txids[1]!);
    expect(shortIdFunction(block.header, salt)(txids[1]!)).toBe(a);
    expect(shortIdFunction(block.header, Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9))(txids[1]!)).not.toBe(a);
    expect(shortIdFunction({ ...block.header, nonce: 1 }, salt)(txids[1]!)).not.toBe(a);
  });

  it('turns every malformed shape into a DecodeError', () => {
    const { block, txids } = fakeBlock(3);
    const good = encodeCompactBlock(makeCompactBlock(block.header, block.txs, txids, salt));
    // Counts are bounded by the bytes left before anything is allocated from them.
    expect(decodeError(() => decodeCompactBlock(good.subarray(0, 100), MAX_TXS))).toBe('oversized');
    expect(decodeError(() => decodeCompactBlock(good.subarray(0, good.length - 2), MAX_TXS))).toBe('truncated');
    expect(decodeError(() => decodeCompactBlock(Uint8Array.of(...good, 0), MAX_TXS))).toBe('trailing-bytes');
    // No transactions at all.
    const empty = encodeCompactBlock({ header: block.header, salt, shortIds: [], prefilled: [] });
    expect(decodeError(() => decodeCompactBlock(empty, MAX_TXS))).toBe('bad-value');
    // A prefilled transaction placed beyond the block (3 short ids + 1 prefilled = 4 positions).
    const beyond = encodeCompactBlock({
      ...makeCompactBlock(block.header, block.txs, txids, salt),
      prefilled: [{ index: 4, tx: block.txs[0]! }],
    });
    expect(decodeError(() => decodeCompactBlock(beyond, MAX_TXS))).toBe('bad-value');
    // More transactions than the largest block can hold.
    expect(decodeError(() => decodeCompactBlock(good, 2))).toBe('oversized');
  });

  it('round-trips blocktxn requests (differential indexes) and responses, and refuses empty or oversized ones', () => {
    const hash = new Uint8Array(32).fill(7);
    const req = encodeBlockTxnRequest({ hash, indexes: [1, 2, 5, 300] });
    expect(decodeBlockTxnRequest(req, MAX_TXS)).toEqual({ hash, indexes: [1, 2, 5, 300] });
    expect(decodeError(() => decodeBlockTxnRequest(encodeBlockTxnRequest({ hash, indexes: [] }), MAX_TXS))).toBe(
      'bad-value',
    );
    expect(decodeError(() => decodeBlockTxnRequest(req, 100))).toBe('oversized');
    const { block, txids } = fakeBlock(2);
    const res = decodeBlockTxnResponse(encodeBlockTxnResponse(hash, block.txs.slice(1)), MAX_TXS);
    expect(res.hash).toEqual(hash);
    expect(res.txids).toEqual(txids.slice(1));
    expect(decodeError(() => decodeBlockTxnResponse(Uint8Array.of(...hash, 5, 1), MAX_TXS))).toBe('oversized');
    const whole = encodeBlockTxnResponse(hash, block.txs.slice(1));
    expect(decodeError(() => decodeBlockTxnResponse(whole.subarray(0, whole.length - 2), MAX_TXS))).toBe('truncated');
  });
});

describe('PartialBlock', () => {
  it('rebuilds a block whose transactions are all held, and finds the missing ones otherwise', async () => {
    const b = await withRoot(fakeBlock(6));
    const cb = makeCompactBlock(b.block.header, b.block.txs, b.txids, salt);
    const held = b.block.txs.slice(1).map((tx, i) => ({ tx, txid: b.txids[i + 1]! }));
    const all = PartialBlock.build(cb, held) as PartialBlock;
    expect(all.missing).toEqual([]);
    expect(all.fromPool).toBe(6);
    const done = all.complete();
    expect(typeof done).toBe('object');
    if (typeof done === 'object') expect(done.txids).toEqual(b.txids);

    // Positions 2 and 5 are not held: they are asked for, then fill the holes.
    const some = PartialBlock.build(
      cb,
      held.filter((_, i) => i !== 1 && i !== 4),
    ) as PartialBlock;
    expect(some.missing).toEqual([2, 5]);
    const filled = some.complete([held[1]!, held[4]!]);
    expect(typeof filled === 'object' && filled.block.txs.length).toBe(7);
  });

  it('fails on equal short ids in the message, and on a wrong match (the merkle root disagrees)', async () => {
    const b = await withRoot(fakeBlock(3));
    const cb = makeCompactBlock(b.block.header, b.block.txs, b.txids, salt);
    expect(PartialBlock.build({ ...cb, shortIds: [cb.shortIds[0]!, cb.shortIds[0]!, cb.shortIds[2]!] }, [])).toBe(
      'short-id-collision',
    );
    // A held transaction outside the block whose short id is put where a block transaction's was.
    const other = fakeBlock(5);
    const stranger = { tx: other.block.txs[5]!, txid: other.txids[5]! };
    const wrong = {
      ...cb,
      shortIds: [cb.shortIds[0]!, shortIdFunction(cb.header, salt)(stranger.txid), cb.shortIds[2]!],
    };
    const held = [stranger, { tx: b.block.txs[1]!, txid: b.txids[1]! }, { tx: b.block.txs[3]!, txid: b.txids[3]! }];
    const partial = PartialBlock.build(wrong, held) as PartialBlock;
    expect(partial.missing).toEqual([]);
    expect(partial.complete()).toBe('merkle-mismatch');
  });
});
