/**
 * SipHash-2-4 (Aumasson and Bernstein), the keyed hash behind compact blocks' short transaction
 * ids (BIP 152). A receiving peer hashes every transaction in its mempool for every compact
 * block, so this runs thousands of times per block: it works on 32-bit halves of the four 64-bit
 * state words instead of BigInts, allocates nothing, and hands the 64-bit result out as two
 * 32-bit halves. Checked against the reference
 * implementation's 64 vectors (test/crypto/siphash.test.ts).
 */

/** A key as four 32-bit words: k0 = (k0hi, k0lo), k1 = (k1hi, k1lo), each k read little-endian. */
export interface SipKey {
  k0lo: number;
  k0hi: number;
  k1lo: number;
  k1hi: number;
}

/** The key from 16 bytes: k0 = bytes 0-7, k1 = bytes 8-15, both little-endian. */
export function sipKey(key: Uint8Array, offset = 0): SipKey {
  const w = (i: number) =>
    (key[offset + i]! | (key[offset + i + 1]! << 8) | (key[offset + i + 2]! << 16) | (key[offset + i + 3]! << 24)) >>>
    0;
  return { k0lo: w(0), k0hi: w(4), k1lo: w(8), k1hi: w(12) };
}

// The state: v0..v3, each as (hi, lo). Module scratch: the function is synchronous.
let v0h = 0,
  v0l = 0,
  v1h = 0,
  v1l = 0,
  v2h = 0,
  v2l = 0,
  v3h = 0,
  v3l = 0;

/** One SipRound on the module state. */
function round(): void {
  let lo: number, hi: number, t: number;
  // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
  lo = (v0l + v1l) >>> 0;
  v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  hi = ((v1h << 13) | (v1l >>> 19)) >>> 0;
  lo = ((v1l << 13) | (v1h >>> 19)) >>> 0;
  v1h = (hi ^ v0h) >>> 0;
  v1l = (lo ^ v0l) >>> 0;
  t = v0h;
  v0h = v0l;
  v0l = t;
  // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
  lo = (v2l + v3l) >>> 0;
  v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  hi = ((v3h << 16) | (v3l >>> 16)) >>> 0;
  lo = ((v3l << 16) | (v3h >>> 16)) >>> 0;
  v3h = (hi ^ v2h) >>> 0;
  v3l = (lo ^ v2l) >>> 0;
  // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
  lo = (v0l + v3l) >>> 0;
  v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  hi = ((v3h << 21) | (v3l >>> 11)) >>> 0;
  lo = ((v3l << 21) | (v3h >>> 11)) >>> 0;
  v3h = (hi ^ v0h) >>> 0;
  v3l = (lo ^ v0l) >>> 0;
  // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
  lo = (v2l + v1l) >>> 0;
  v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  hi = ((v1h << 17) | (v1l >>> 15)) >>> 0;
  lo = ((v1l << 17) | (v1h >>> 15)) >>> 0;
  v1h = (hi ^ v2h) >>> 0;
  v1l = (lo ^ v2l) >>> 0;
  t = v2h;
  v2h = v2l;
  v2l = t;
}

function compressWord(mh: number, ml: number): void {
  v3h = (v3h ^ mh) >>> 0;
  v3l = (v3l ^ ml) >>> 0;
  round();
  round();
  v0h = (v0h ^ mh) >>> 0;
  v0l = (v0l ^ ml) >>> 0;
}

const le32 = (b: Uint8Array, i: number): number =>
  (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/**
 * SipHash-2-4 of `data` under `key`; the 64-bit result as [hi, lo] (unsigned 32-bit halves).
 * `out` is filled and returned, so a caller hashing many inputs allocates nothing.
 */
export function siphash24(key: SipKey, data: Uint8Array, out: Uint32Array = new Uint32Array(2)): Uint32Array {
  // "somepseudorandomlygeneratedbytes", xored with the key.
  v0h = (0x736f6d65 ^ key.k0hi) >>> 0;
  v0l = (0x70736575 ^ key.k0lo) >>> 0;
  v1h = (0x646f7261 ^ key.k1hi) >>> 0;
  v1l = (0x6e646f6d ^ key.k1lo) >>> 0;
  v2h = (0x6c796765 ^ key.k0hi) >>> 0;
  v2l = (0x6e657261 ^ key.k0lo) >>> 0;
  v3h = (0x74656462 ^ key.k1hi) >>> 0;
  v3l = (0x79746573 ^ key.k1lo) >>> 0;
  const len = data.length;
  const whole = len - (len % 8);
  for (let i = 0; i < whole; i += 8) compressWord(le32(data, i + 4), le32(data, i));
  // The last word: the remaining bytes, then the length's low byte in the top byte.
  let lastLo = 0;
  let lastHi = (len & 0xff) << 24;
  for (let i = whole; i < len; i++) {
    const shift = (i - whole) * 8;
    if (shift < 32) lastLo |= data[i]! << shift;
    else lastHi |= data[i]! << (shift - 32);
  }
  compressWord(lastHi >>> 0, lastLo >>> 0);
  v2l = (v2l ^ 0xff) >>> 0;
  round();
  round();
  round();
  round();
  out[0] = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  out[1] = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  return out;
}
