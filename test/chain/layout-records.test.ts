/**
 * The record encodings a block's batch is built from: coins, undo and address history, built on
 * the heap or in a batch's arena, must be byte-for-byte the format layout.ts documents and decode
 * to what was encoded.
 */
import fc from 'fast-check';
import type { Coin } from '../../src/consensus/coin.js';
import { Arena } from '../../src/encoding/arena.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { ByteWriter } from '../../src/encoding/writer.js';
import {
  decodeCoin,
  decodeHistory,
  decodeUndo,
  encodeCoin,
  encodeHistory,
  encodeUndo,
  keys,
} from '../../src/chain/layout.js';

const U64_MAX = (1n << 64n) - 1n;

const coinArb: fc.Arbitrary<Coin> = fc.record({
  value: fc.bigInt({ min: 0n, max: U64_MAX }),
  pubKeyHash: fc.uint8Array({ minLength: 20, maxLength: 20 }),
  height: fc.integer({ min: 0, max: 0xffffffff }),
  coinbase: fc.boolean(),
});

/** The documented formats, written with the general-purpose writer. */
const referenceCoin = (c: Coin): Uint8Array =>
  new ByteWriter(33)
    .u64(c.value)
    .bytes(c.pubKeyHash)
    .u32(c.height)
    .u8(c.coinbase ? 1 : 0)
    .finish();
const referenceHistory = (received: bigint, sent: bigint, outputs: number[]): Uint8Array => {
  const w = new ByteWriter().u64(received).u64(sent).varint(outputs.length);
  for (const i of outputs) w.varint(i);
  return w.finish();
};

test('a coin record is value u64 LE | pubKeyHash | height u32 LE | coinbase, in an arena or not', () => {
  fc.assert(
    fc.property(coinArb, (c) => {
      const arena = new Arena(64);
      const heap = encodeCoin(c);
      expect(bytesToHex(heap)).toBe(bytesToHex(referenceCoin(c)));
      expect(bytesToHex(encodeCoin(c, arena))).toBe(bytesToHex(heap));
      expect(decodeCoin(heap)).toEqual(c);
    }),
  );
});

test('an undo record is a count and the spent coins in order, and decodes to them', () => {
  fc.assert(
    fc.property(fc.array(coinArb, { maxLength: 300 }), (spent) => {
      const bytes = encodeUndo(spent);
      const w = new ByteWriter().varint(spent.length);
      for (const c of spent) w.bytes(referenceCoin(c));
      expect(bytesToHex(bytes)).toBe(bytesToHex(w.finish()));
      expect(decodeUndo(bytes)).toEqual(spent);
    }),
  );
});

test('a history record is the same bytes whether its output indexes fit one byte each or not', () => {
  const amount = fc.bigInt({ min: 0n, max: U64_MAX });
  const small = fc.array(fc.integer({ min: 0, max: 0xfc }), { maxLength: 10 });
  const large = fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 10 });
  fc.assert(
    fc.property(amount, amount, fc.oneof(small, large), (received, sent, outputs) => {
      const bytes = encodeHistory(received, sent, outputs, new Arena(128));
      expect(bytesToHex(bytes)).toBe(bytesToHex(referenceHistory(received, sent, outputs)));
      expect(decodeHistory(bytes)).toEqual({ received, sent, outputs });
    }),
  );
  expect(() => encodeHistory(-1n, 0n, [0])).toThrow(RangeError);
  expect(() => encodeHistory(0n, U64_MAX + 1n, [0])).toThrow(RangeError);
});

test('keys built in an arena equal the heap-built ones and never share bytes with each other', () => {
  const arena = new Arena(100);
  const txid = Uint8Array.from({ length: 32 }, (_v, i) => i);
  const pkh = Uint8Array.from({ length: 20 }, (_v, i) => 200 + i);
  const made: Uint8Array[] = [];
  for (let i = 0; i < 50; i++) {
    const coinKey = keys.coin(txid, i, arena);
    const histKey = keys.addrHistory(pkh, i, txid, arena);
    expect(bytesToHex(coinKey)).toBe(bytesToHex(keys.coin(txid, i)));
    expect(bytesToHex(histKey)).toBe(bytesToHex(keys.addrHistory(pkh, i, txid)));
    made.push(coinKey, histKey);
  }
  // Each key still reads as it was built after all the others were: no two views overlap.
  made.forEach((k, n) => {
    const i = Math.floor(n / 2);
    expect(bytesToHex(k)).toBe(bytesToHex(n % 2 === 0 ? keys.coin(txid, i) : keys.addrHistory(pkh, i, txid)));
  });
});

test('an arena hands out zeroed views, and a request larger than its chunk still gets its bytes', () => {
  const arena = new Arena(16);
  const a = arena.alloc(10);
  a.fill(0xff);
  const b = arena.alloc(10);
  expect([...b]).toEqual(new Array(10).fill(0));
  const big = arena.alloc(40);
  expect(big.length).toBe(40);
  expect([...a]).toEqual(new Array(10).fill(0xff));
});
