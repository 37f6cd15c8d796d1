import fc from 'fast-check';
import {
  blockSize,
  blockTxids,
  decodeBlock,
  decodeBlockWithTxids,
  encodeBlock,
  type Block,
} from '../../src/consensus/block.js';
import { decodeHeader, encodeHeader, HEADER_BYTES, headerHash } from '../../src/consensus/header.js';
import {
  decodeTx,
  encodeTx,
  outpointKey,
  outpointMapKey,
  txid,
  txSize,
  type Transaction,
} from '../../src/consensus/tx.js';
import { sha256d } from '../../src/crypto/hash.js';
import { DecodeError } from '../../src/encoding/errors.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/encoding/hex.js';
import { ByteWriter } from '../../src/encoding/writer.js';
import { blockArb, headerArb, txArb } from '../helpers/arbitraries.js';
import { decodeErrorCode } from '../helpers/decode.js';

/** Every proper prefix of `bytes` (including the empty one) must fail to decode with a DecodeError. */
function everyTruncationFails(bytes: Uint8Array, decode: (b: Uint8Array) => unknown): void {
  for (let n = 0; n < bytes.length; n++) {
    const code = decodeErrorCode(() => decode(bytes.subarray(0, n)));
    expect(['truncated', 'oversized']).toContain(code);
  }
}

const sampleTx: Transaction = {
  version: 1,
  inputs: [{ prevTxid: new Uint8Array(32).fill(0x11), prevIndex: 2, unlock: Uint8Array.of(0xaa, 0xbb) }],
  outputs: [{ value: 5000n, pubKeyHash: new Uint8Array(20).fill(0x22) }],
  lockTime: 7,
};

describe('fixed layouts', () => {
  test('a transaction serializes field by field as the spec lays it out', () => {
    const expected =
      '01000000' +
      '01' +
      '11'.repeat(32) +
      '02000000' +
      '02aabb' +
      '01' +
      '8813000000000000' +
      '22'.repeat(20) +
      '07000000';
    expect(bytesToHex(encodeTx(sampleTx))).toBe(expected);
    expect(txSize(sampleTx)).toBe(expected.length / 2);
    expect(txid(sampleTx)).toEqual(sha256d(hexToBytes(expected)));
  });

  test('a header is 80 bytes in Bitcoin order and hashes with sha256d', () => {
    const h = {
      version: 2,
      prevHash: new Uint8Array(32).fill(1),
      merkleRoot: new Uint8Array(32).fill(2),
      time: 3,
      bits: 0x207fffff,
      nonce: 0xfffffffe,
    };
    const bytes = encodeHeader(h);
    expect(bytesToHex(bytes)).toBe(
      '02000000' + '01'.repeat(32) + '02'.repeat(32) + '03000000' + 'ffff7f20' + 'feffffff',
    );
    expect(headerHash(h)).toEqual(sha256d(bytes));
  });

  test('headers of the wrong length or with short hash fields are refused', () => {
    const bytes = encodeHeader({
      version: 1,
      prevHash: new Uint8Array(32),
      merkleRoot: new Uint8Array(32),
      time: 0,
      bits: 0,
      nonce: 0,
    });
    expect(decodeErrorCode(() => decodeHeader(bytes.subarray(0, 79)))).toBe('truncated');
    expect(decodeErrorCode(() => decodeHeader(concatBytes(bytes, Uint8Array.of(0))))).toBe('trailing-bytes');
    expect(decodeErrorCode(() => encodeHeader({ ...decodeHeader(bytes), prevHash: new Uint8Array(31) }))).toBe(
      'bad-length',
    );
  });

  test('transactions with wrong-size hash fields cannot be encoded (they would not decode to themselves)', () => {
    expect(
      decodeErrorCode(() => encodeTx({ ...sampleTx, outputs: [{ value: 1n, pubKeyHash: new Uint8Array(21) }] })),
    ).toBe('bad-length');
    expect(
      decodeErrorCode(() =>
        encodeTx({ ...sampleTx, inputs: [{ ...sampleTx.inputs[0]!, prevTxid: new Uint8Array(31) }] }),
      ),
    ).toBe('bad-length');
  });

  test("block = header | varint count | txs, and the decoded txids are the txs' own", () => {
    const block: Block = { header: decodeHeader(new Uint8Array(80)), txs: [sampleTx, { ...sampleTx, lockTime: 8 }] };
    const bytes = encodeBlock(block);
    expect(bytes.length).toBe(blockSize(block));
    expect(bytesToHex(bytes.subarray(0, 81))).toBe('00'.repeat(80) + '02');
    const d = decodeBlockWithTxids(bytes);
    expect(d.txids).toEqual(blockTxids(block));
    expect(decodeBlock(bytes)).toEqual(block);
  });

  test("a block's transactions are views into its bytes; decodeTx gives copies that outlive the input", () => {
    const bytes = encodeBlock({
      header: decodeHeader(new Uint8Array(80)),
      txs: [sampleTx, { ...sampleTx, lockTime: 9 }],
    });
    const tx = decodeBlockWithTxids(bytes).txs[1]!;
    for (const field of [tx.inputs[0]!.prevTxid, tx.inputs[0]!.unlock, tx.outputs[0]!.pubKeyHash])
      expect(field.buffer).toBe(bytes.buffer);
    // decodeBlock, the library's plain decoder, gives copies: its result may outlive the input.
    const copied = decodeBlock(bytes).txs[1]!;
    expect(copied).toEqual(tx);
    for (const field of [copied.inputs[0]!.prevTxid, copied.inputs[0]!.unlock, copied.outputs[0]!.pubKeyHash])
      expect(field.buffer).not.toBe(bytes.buffer);
    const alone = decodeTx(encodeTx(tx));
    expect(alone).toEqual(tx);
    for (const field of [alone.inputs[0]!.prevTxid, alone.inputs[0]!.unlock, alone.outputs[0]!.pubKeyHash])
      expect(field.buffer).not.toBe(bytes.buffer);
  });

  test('decodeBlockWithTxids refuses input over maxBytes before reading it', () => {
    const bytes = encodeBlock({ header: decodeHeader(new Uint8Array(80)), txs: [sampleTx] });
    expect(decodeBlockWithTxids(bytes, bytes.length).txs).toHaveLength(1);
    expect(decodeErrorCode(() => decodeBlockWithTxids(bytes, bytes.length - 1))).toBe('oversized');
  });

  test('outpointMapKey: one key per outpoint, none shared, whatever the index or the txid length', () => {
    const txids = [
      new Uint8Array(32),
      Uint8Array.from({ length: 32 }, (_, i) => i),
      new Uint8Array(32).fill(0xff),
      new Uint8Array(31),
      new Uint8Array(33),
      new Uint8Array(0),
    ];
    const indexes = [0, 1, 255, 256, 65_535, 65_536, 0x7fffffff, 0xffffffff];
    const seen = new Map<string, string>();
    for (const t of txids) {
      for (const i of indexes) {
        const key = outpointMapKey(t, i);
        const who = `${bytesToHex(t)}:${i}`;
        expect([who, seen.get(key)]).toEqual([who, undefined]);
        seen.set(key, who);
        // The same outpoint, from another array with the same bytes, has the same key.
        expect(outpointMapKey(t.slice(), i)).toBe(key);
      }
    }
    expect(seen.size).toBe(txids.length * indexes.length);
    // A key is its own string: building the next one does not change it.
    const first = outpointMapKey(txids[1]!, 5);
    outpointMapKey(txids[2]!, 6);
    expect(first).toBe(outpointMapKey(txids[1]!, 5));
    expect(first).toHaveLength(37);
    // An index no output can have is refused rather than folded onto another key (2^32 onto 0).
    for (const bad of [2 ** 32, -1, 1.5, Number.NaN]) expect(() => outpointMapKey(txids[1]!, bad)).toThrow(RangeError);
  });

  test('outpointKey is hex txid (internal order) and index', () => {
    expect(
      outpointKey(
        Uint8Array.from({ length: 32 }, (_, i) => i),
        7,
      ),
    ).toBe(`${bytesToHex(Uint8Array.from({ length: 32 }, (_, i) => i))}:7`);
  });
});

describe('property: round trips', () => {
  test('headers', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const bytes = encodeHeader(h);
        expect(bytes.length).toBe(HEADER_BYTES);
        expect(decodeHeader(bytes)).toEqual(h);
      }),
    );
  });

  test('transactions: decode(encode(tx)) == tx, size and txid consistent', () => {
    fc.assert(
      fc.property(txArb, (tx) => {
        const bytes = encodeTx(tx);
        expect(bytes.length).toBe(txSize(tx));
        expect(decodeTx(bytes)).toEqual(tx);
        expect(txid(tx)).toEqual(sha256d(bytes));
      }),
    );
  });

  test('blocks: decode(encode(block)) == block, txids from the input bytes equal txid()', () => {
    fc.assert(
      fc.property(blockArb, (block) => {
        const bytes = encodeBlock(block);
        expect(bytes.length).toBe(blockSize(block));
        const d = decodeBlockWithTxids(bytes);
        expect({ header: d.header, txs: d.txs }).toEqual(block);
        expect(d.txids).toEqual(block.txs.map(txid));
      }),
    );
  });
});

describe('property: malformed input is always a DecodeError', () => {
  test('every truncation of a header, transaction or block', () => {
    fc.assert(
      fc.property(headerArb, (h) => everyTruncationFails(encodeHeader(h), decodeHeader)),
      { numRuns: 30 },
    );
    fc.assert(
      fc.property(txArb, (tx) => everyTruncationFails(encodeTx(tx), decodeTx)),
      { numRuns: 60 },
    );
    fc.assert(
      fc.property(blockArb, (b) => everyTruncationFails(encodeBlock(b), decodeBlock)),
      { numRuns: 30 },
    );
  });

  test('appended bytes are trailing-bytes', () => {
    const extra = fc.uint8Array({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(txArb, extra, (tx, more) => {
        expect(decodeErrorCode(() => decodeTx(concatBytes(encodeTx(tx), more)))).toBe('trailing-bytes');
      }),
    );
    fc.assert(
      fc.property(blockArb, extra, (b, more) => {
        expect(decodeErrorCode(() => decodeBlock(concatBytes(encodeBlock(b), more)))).toBe('trailing-bytes');
      }),
    );
  });

  test('arbitrary bytes decode or fail with a DecodeError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        for (const decode of [decodeTx, decodeBlock, decodeHeader]) {
          try {
            decode(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(DecodeError);
          }
        }
      }),
    );
  });

  // A count that would need terabytes is refused from the varint alone: `new Array(2^40)` would
  // throw a RangeError (and a smaller huge count would allocate), so 'oversized' proves the
  // bound is applied first.
  test.each([
    ['input count 2^40', (w: ByteWriter) => w.u32(1).varint(1n << 40n)],
    ['input count 2^32-1', (w: ByteWriter) => w.u32(1).varint(0xffffffff)],
    [
      'output count 2^40',
      (w: ByteWriter) =>
        w
          .u32(1)
          .varint(0)
          .varint(1n << 40n),
    ],
    [
      'unlock length 2^32',
      (w: ByteWriter) =>
        w
          .u32(1)
          .varint(1)
          .bytes(new Uint8Array(36))
          .varint(1n << 32n),
    ],
  ])('transaction with %s and a few bytes is oversized', (_name, build) => {
    const bytes = build(new ByteWriter()).bytes(new Uint8Array(8)).finish();
    expect(decodeErrorCode(() => decodeTx(bytes))).toBe('oversized');
  });

  test('block with a huge transaction count is oversized', () => {
    const bytes = new ByteWriter()
      .bytes(new Uint8Array(80))
      .varint(1n << 40n)
      .bytes(new Uint8Array(50))
      .finish();
    expect(decodeErrorCode(() => decodeBlock(bytes))).toBe('oversized');
  });

  test('property: any declared input count beyond what the bytes could hold is oversized', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n << 20n, max: (1n << 64n) - 1n }),
        fc.uint8Array({ maxLength: 200 }),
        (n, rest) => {
          const bytes = new ByteWriter().u32(1).varint(n).bytes(rest).finish();
          expect(decodeErrorCode(() => decodeTx(bytes))).toBe('oversized');
        },
      ),
    );
  });
});
