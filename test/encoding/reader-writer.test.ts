import fc from 'fast-check';
import { ByteReader } from '../../src/encoding/reader.js';
import { ByteWriter, varintSize } from '../../src/encoding/writer.js';
import { bytesToHex, hexToBytes } from '../../src/encoding/hex.js';
import { decodeErrorCode } from '../helpers/decode.js';

const reader = (hex: string): ByteReader => new ByteReader(hexToBytes(hex));

describe('ByteWriter / ByteReader fixed-width integers', () => {
  test('little-endian layout of u8, u16, u32, u64', () => {
    const bytes = new ByteWriter(1).u8(0xab).u16(0x1234).u32(0xdeadbeef).u64(0x0102030405060708n).finish();
    expect(bytesToHex(bytes)).toBe('ab3412efbeadde0807060504030201');
  });

  test('the writer grows past its size hint without losing bytes', () => {
    const w = new ByteWriter(1);
    for (let i = 0; i < 1000; i++) w.u32(i);
    const r = new ByteReader(w.finish());
    for (let i = 0; i < 1000; i++) expect(r.u32()).toBe(i);
    r.end();
  });

  test('round trips at the extremes of each width', () => {
    const w = new ByteWriter().u8(0).u8(255).u32(0).u32(0xffffffff).u64(0n).u64(0xffffffffffffffffn);
    const r = new ByteReader(w.finish());
    expect([r.u8(), r.u8(), r.u32(), r.u32(), r.u64(), r.u64()]).toEqual([
      0,
      255,
      0,
      0xffffffff,
      0n,
      0xffffffffffffffffn,
    ]);
    expect(r.remaining).toBe(0);
  });

  test('u64 outside [0, 2^64) is refused rather than silently wrapped', () => {
    expect(() => new ByteWriter().u64(-1n)).toThrow(RangeError);
    expect(() => new ByteWriter().u64(1n << 64n)).toThrow(RangeError);
  });

  test('a reader over a subarray reads that window, not the whole buffer', () => {
    const whole = hexToBytes('ff0100000000ff');
    const r = new ByteReader(whole.subarray(1, 5));
    expect(r.u32()).toBe(1);
    r.end();
  });

  test('take copies; bytesView aliases the input', () => {
    const input = hexToBytes('01020304');
    const r = new ByteReader(input);
    const view = r.bytesView(2);
    const copy = r.take(2);
    input[0] = 0xaa;
    input[2] = 0xbb;
    expect(view[0]).toBe(0xaa);
    expect(copy[0]).toBe(3);
  });

  test('property: any sequence of writes reads back identically', () => {
    type Op =
      | { k: 'u8'; v: number }
      | { k: 'u32'; v: number }
      | { k: 'u64'; v: bigint }
      | { k: 'var'; v: bigint }
      | { k: 'bytes'; v: Uint8Array };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map((v) => ({ k: 'u8' as const, v })),
      fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ k: 'u32' as const, v })),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => ({ k: 'u64' as const, v })),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => ({ k: 'var' as const, v })),
      fc.uint8Array({ maxLength: 300 }).map((v) => ({ k: 'bytes' as const, v })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const w = new ByteWriter(0);
        for (const o of ops) {
          if (o.k === 'u8') w.u8(o.v);
          else if (o.k === 'u32') w.u32(o.v);
          else if (o.k === 'u64') w.u64(o.v);
          else if (o.k === 'var') w.varint(o.v);
          else w.varBytes(o.v);
        }
        const bytes = w.finish();
        expect(bytes.length).toBe(w.length);
        const r = new ByteReader(bytes);
        for (const o of ops) {
          if (o.k === 'u8') expect(r.u8()).toBe(o.v);
          else if (o.k === 'u32') expect(r.u32()).toBe(o.v);
          else if (o.k === 'u64') expect(r.u64()).toBe(o.v);
          else if (o.k === 'var') expect(r.varint()).toBe(o.v);
          else expect(r.varBytes(o.v.length)).toEqual(o.v);
        }
        r.end();
      }),
    );
  });
});

describe('CompactSize varints', () => {
  // Each boundary of Bitcoin's CompactSize: the last value of one width and the first of the next.
  const boundaries: [bigint, string][] = [
    [0n, '00'],
    [0xfcn, 'fc'],
    [0xfdn, 'fdfd00'],
    [0xffffn, 'fdffff'],
    [0x10000n, 'fe00000100'],
    [0xffffffffn, 'feffffffff'],
    [1n << 32n, 'ff0000000001000000'],
    [0xffffffffffffffffn, 'ffffffffffffffffff'],
  ];

  test.each(boundaries)('%s encodes as %s and decodes back', (value, hex) => {
    expect(bytesToHex(new ByteWriter().varint(value).finish())).toBe(hex);
    const r = reader(hex);
    expect(r.varint()).toBe(value);
    r.end();
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) expect(varintSize(Number(value))).toBe(hex.length / 2);
  });

  // The largest value of each too-wide form, and zero in each: all have a shorter encoding.
  const nonMinimal = [
    'fd0000',
    'fdfc00',
    'fe00000000',
    'fefc000000',
    'fefd000000',
    'feffff0000',
    'ff0000000000000000',
    'fffc00000000000000',
    'ffffff000000000000',
    'ffffffffff00000000',
  ];
  test.each(nonMinimal)('non-minimal %s is rejected', (hex) => {
    expect(decodeErrorCode(() => reader(hex).varint())).toBe('non-minimal-varint');
  });

  test('property: every non-minimal encoding of any value is rejected', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.constantFrom(3, 5, 9), (v, width) => {
        const minimal = varintSize(Number(v));
        fc.pre(width > minimal);
        const w = new ByteWriter();
        if (width === 3) w.u8(0xfd).u16(Number(v));
        else if (width === 5) w.u8(0xfe).u32(Number(v));
        else w.u8(0xff).u64(v);
        expect(decodeErrorCode(() => new ByteReader(w.finish()).varint())).toBe('non-minimal-varint');
      }),
    );
  });

  test.each(['', 'fd', 'fdff', 'fe', 'feffffff', 'ff', 'ff00000000000001'])('truncated varint %j', (hex) => {
    expect(decodeErrorCode(() => reader(hex).varint())).toBe('truncated');
  });

  test('negative and 2^64 values cannot be written', () => {
    expect(() => new ByteWriter().varint(-1)).toThrow(RangeError);
    expect(() => new ByteWriter().varint(1n << 64n)).toThrow(RangeError);
  });
});

describe('bounded reads', () => {
  test('count above the caller bound is oversized, at the bound is fine', () => {
    expect(reader('05').count(5)).toBe(5);
    expect(decodeErrorCode(() => reader('06').count(5))).toBe('oversized');
    // A 2^64-1 count must be refused from the varint alone, before anything is sized by it.
    expect(decodeErrorCode(() => reader('ffffffffffffffffff').count(1000))).toBe('oversized');
  });

  test('one-byte counts (read without a BigInt) and longer ones agree with varint at every edge', () => {
    for (const hex of ['00', '01', 'fc', 'fdfd00', 'fdffff', 'fe00000100', 'ff0000000001000000']) {
      const expected = Number(reader(hex).varint());
      const r = reader(hex + 'ee');
      expect([hex, r.count(2 ** 40)]).toEqual([hex, expected]);
      expect(r.offset).toBe(hex.length / 2);
    }
    expect(decodeErrorCode(() => reader('fc').count(0xfb))).toBe('oversized');
    // As on the long path, the refused count is consumed.
    const r = reader('fcee');
    expect(decodeErrorCode(() => r.count(5))).toBe('oversized');
    expect(r.offset).toBe(1);
    const long = reader('fdfd00ee');
    expect(decodeErrorCode(() => long.count(5))).toBe('oversized');
    expect(long.offset).toBe(3);
    expect(reader('fc').count(0xfc)).toBe(0xfc);
    expect(decodeErrorCode(() => reader('').count(5))).toBe('truncated');
    // Non-minimal encodings are still refused on the long path.
    expect(decodeErrorCode(() => reader('fd0500').count(10))).toBe('non-minimal-varint');
  });

  test('varBytes: length checked against the bound, then against the input', () => {
    expect(bytesToHex(reader('03aabbcc').varBytes(3))).toBe('aabbcc');
    expect(decodeErrorCode(() => reader('03aabbcc').varBytes(2))).toBe('oversized');
    expect(decodeErrorCode(() => reader('04aabbcc').varBytes(10))).toBe('truncated');
  });

  test('varBytesView: the same checks, and a view that shares the input instead of a copy', () => {
    const input = hexToBytes('03aabbcc');
    const view = new ByteReader(input).varBytesView(3);
    expect(bytesToHex(view)).toBe('aabbcc');
    expect(view.buffer).toBe(input.buffer);
    const copy = new ByteReader(input).varBytes(3);
    expect(copy.buffer).not.toBe(input.buffer);
    expect(decodeErrorCode(() => reader('03aabbcc').varBytesView(2))).toBe('oversized');
    expect(decodeErrorCode(() => reader('04aabbcc').varBytesView(10))).toBe('truncated');
  });

  test.each([
    ['u8', (r: ByteReader) => r.u8(), ''],
    ['u32', (r: ByteReader) => r.u32(), 'aabbcc'],
    ['u64', (r: ByteReader) => r.u64(), 'aabbccddeeff00'],
    ['take', (r: ByteReader) => r.take(4), 'aabbcc'],
  ] as const)('%s past the end is truncated', (_name, read, hex) => {
    expect(decodeErrorCode(() => read(reader(hex)))).toBe('truncated');
  });

  test('a failed read does not move the cursor', () => {
    const r = reader('aabbcc');
    expect(decodeErrorCode(() => r.u32())).toBe('truncated');
    expect(r.offset).toBe(0);
    expect(r.remaining).toBe(3);
  });

  test('end() rejects unread bytes as trailing-bytes', () => {
    const r = reader('0100000000');
    r.u32();
    expect(decodeErrorCode(() => r.end())).toBe('trailing-bytes');
    r.u8();
    expect(() => r.end()).not.toThrow();
  });
});
