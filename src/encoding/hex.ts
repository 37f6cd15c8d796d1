import { DecodeError } from './errors.js';

const HEX = '0123456789abcdef';
const LUT = (() => {
  const t = new Int16Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    t[HEX.charCodeAt(i)] = i;
    t[HEX.toUpperCase().charCodeAt(i)] = i;
  }
  return t;
})();

/**
 * Bytes to lower-case hex, in the order given, as one flat string built natively. Appending two
 * characters a byte made a rope: a txid's hex was 26 string pieces and 25 two-character strings,
 * some 1.3 KB that every map keeping the hex as a key (the mempool's, by txid) held on to, and
 * 3.5 times as slow to build (1.1 µs against 0.31 µs for 32 bytes).
 */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Hex (either case) to bytes; anything else is a DecodeError('bad-hex'). */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0) {
    throw new DecodeError('bad-hex', 'hex string must have an even length');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = LUT[hex.charCodeAt(2 * i) & 0xff]!;
    const lo = LUT[hex.charCodeAt(2 * i + 1) & 0xff]!;
    if (hi < 0 || lo < 0 || hex.charCodeAt(2 * i) > 0xff || hex.charCodeAt(2 * i + 1) > 0xff) {
      throw new DecodeError('bad-hex', `invalid hex character near position ${2 * i}`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** A hash in internal byte order to the byte-reversed hex people see (Bitcoin convention). */
export function hashToHex(hash: Uint8Array): string {
  return bytesToHex(Uint8Array.from(hash).reverse());
}

/** Display-order hex (64 characters) to a 32-byte hash in internal byte order. */
export function hexToHash(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== 64) {
    throw new DecodeError('bad-length', 'a hash is 64 hex characters');
  }
  return hexToBytes(hex).reverse();
}

/**
 * A map or set key for bytes: their Latin-1 string, one character a byte, built natively. As
 * distinct as hex at half the length, and far cheaper to build in hot loops.
 */
export function bytesKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte comparison, for sorted keys and deterministic ordering. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * `bytes` with a buffer of its own: the input itself when it spans its whole ArrayBuffer, else a
 * copy. For data kept long that arrived as a slice of a larger frame (a block from the network
 * decodes into views of its bytes, and a view keeps the whole frame alive).
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}
