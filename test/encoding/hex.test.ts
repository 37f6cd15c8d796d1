import fc from 'fast-check';
import {
  bytesToHex,
  compareBytes,
  concatBytes,
  equalBytes,
  hashToHex,
  hexToBytes,
  hexToHash,
} from '../../src/encoding/hex.js';
import { decodeErrorCode } from '../helpers/decode.js';

describe('hex', () => {
  test('bytes to lower-case hex and back, either case accepted', () => {
    expect(bytesToHex(Uint8Array.of(0x00, 0x0f, 0xa0, 0xff))).toBe('000fa0ff');
    expect(hexToBytes('000FA0ff')).toEqual(Uint8Array.of(0x00, 0x0f, 0xa0, 0xff));
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
  });

  test('property: round trip', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => expect(hexToBytes(bytesToHex(b))).toEqual(b)));
  });

  // Odd length, a non-hex ASCII character on either nibble, whitespace, a sign, and characters
  // whose low byte is a hex digit ('\u0130' & 0xff is '0'), which a table lookup alone would accept.
  test.each(['0', 'abc', 'zz', '0g', 'g0', ' 00', '+1', '0x00', '\u01300', '0\u0161'])('bad hex %j', (s) => {
    expect(decodeErrorCode(() => hexToBytes(s))).toBe('bad-hex');
  });

  test('hashes display byte-reversed, and hexToHash inverts hashToHex', () => {
    const internal = Uint8Array.from({ length: 32 }, (_, i) => i);
    const display = hashToHex(internal);
    expect(display.slice(0, 4)).toBe('1f1e');
    expect(display.slice(-4)).toBe('0100');
    expect(hexToHash(display)).toEqual(internal);
    // hashToHex must not reverse its argument in place.
    expect(internal[0]).toBe(0);
  });

  test.each(['', '00', 'ab'.repeat(31), 'ab'.repeat(33)])('hexToHash of %j (not 64 chars) is bad-length', (s) => {
    expect(decodeErrorCode(() => hexToHash(s))).toBe('bad-length');
  });

  test('hexToHash of 64 non-hex characters is bad-hex', () => {
    expect(decodeErrorCode(() => hexToHash('zz'.repeat(32)))).toBe('bad-hex');
  });

  test('equalBytes, compareBytes, concatBytes', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false);
    expect(Math.sign(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)))).toBe(-1);
    expect(Math.sign(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 9)))).toBe(1);
    expect(Math.sign(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0)))).toBe(-1);
    expect(compareBytes(Uint8Array.of(7, 7), Uint8Array.of(7, 7))).toBe(0);
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
  });
});
