/**
 * RIPEMD-160 for hash160, which every input of every block needs (its public key must hash to the
 * spent output's pubKeyHash). Like sha256.ts it keeps its state and message words in module
 * scratch and allocates only the 20-byte result, where a general-purpose hasher allocates an
 * object, buffers and a DataView per call. Synchronous, so calls never share the scratch at once.
 * Checked against the published test vectors and @noble/hashes on random inputs.
 */

import { padTail } from './md-padding.js';

/** Message word order of the left and right lines, 80 steps each. */
const RL = Uint8Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8, 3, 10, 14,
  4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12, 1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2, 4, 0, 5, 9, 7, 12, 2,
  10, 14, 1, 3, 8, 11, 6, 15, 13,
]);
const RR = Uint8Array.from([
  5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12, 6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2, 15, 5, 1,
  3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13, 8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14, 12, 15, 10, 4, 1, 5,
  8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
]);
/** Left rotations of the left and right lines. */
const SL = Uint8Array.from([
  11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8, 7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12, 11,
  13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5, 11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12, 9, 15, 5,
  11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
]);
const SR = Uint8Array.from([
  8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6, 9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11, 9, 7,
  15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5, 15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8, 8, 5, 12, 9,
  12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
]);
const KL = Int32Array.from([0x00000000, 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xa953fd4e]);
const KR = Int32Array.from([0x50a28be6, 0x5c4dd124, 0x6d703ef3, 0x7a6d76e9, 0x00000000]);

const X = new Int32Array(16);
const H = new Int32Array(5);
const TAIL = new Uint8Array(128);

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/**
 * One compression. The 80 steps of each line run as five rounds of 16, each with its boolean
 * function written inline (left line: f1..f5 in turn; right line: f5..f1), so the loop body has
 * no branch on the round.
 */
function compress(data: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++, off += 4)
    X[i] = data[off]! | (data[off + 1]! << 8) | (data[off + 2]! << 16) | (data[off + 3]! << 24);
  let al = H[0]!,
    bl = H[1]!,
    cl = H[2]!,
    dl = H[3]!,
    el = H[4]!;
  let ar = al,
    br = bl,
    cr = cl,
    dr = dl,
    er = el;
  for (let round = 0; round < 5; round++) {
    const kl = KL[round]!;
    const kr = KR[round]!;
    for (let j = round * 16, end = j + 16; j < end; j++) {
      let fl: number, fr: number;
      if (round === 0) {
        fl = bl ^ cl ^ dl;
        fr = br ^ (cr | ~dr);
      } else if (round === 1) {
        fl = (bl & cl) | (~bl & dl);
        fr = (br & dr) | (cr & ~dr);
      } else if (round === 2) {
        fl = (bl | ~cl) ^ dl;
        fr = (br | ~cr) ^ dr;
      } else if (round === 3) {
        fl = (bl & dl) | (cl & ~dl);
        fr = (br & cr) | (~br & dr);
      } else {
        fl = bl ^ (cl | ~dl);
        fr = br ^ cr ^ dr;
      }
      let t = (rotl((al + fl + X[RL[j]!]! + kl) | 0, SL[j]!) + el) | 0;
      al = el;
      el = dl;
      dl = rotl(cl, 10);
      cl = bl;
      bl = t;
      t = (rotl((ar + fr + X[RR[j]!]! + kr) | 0, SR[j]!) + er) | 0;
      ar = er;
      er = dr;
      dr = rotl(cr, 10);
      cr = br;
      br = t;
    }
  }
  const t = (H[1]! + cl + dr) | 0;
  H[1] = (H[2]! + dl + er) | 0;
  H[2] = (H[3]! + el + ar) | 0;
  H[3] = (H[4]! + al + br) | 0;
  H[4] = (H[0]! + bl + cr) | 0;
  H[0] = t;
}

export function ripemd160(data: Uint8Array): Uint8Array {
  return ripemd160Into(data, new Uint8Array(20));
}

/** RIPEMD-160 of `data` written into `out` (20 bytes). */
export function ripemd160Into(data: Uint8Array, out: Uint8Array): Uint8Array {
  H[0] = 0x67452301;
  H[1] = 0xefcdab89 | 0;
  H[2] = 0x98badcfe | 0;
  H[3] = 0x10325476;
  H[4] = 0xc3d2e1f0 | 0;
  const len = data.length;
  const full = len - (len % 64);
  for (let off = 0; off < full; off += 64) compress(data, off);
  const blocks = padTail(TAIL, data, full, true);
  compress(TAIL, 0);
  if (blocks === 2) compress(TAIL, 64);
  for (let i = 0, o = 0; i < 5; i++, o += 4) {
    const v = H[i]!;
    out[o] = v & 0xff;
    out[o + 1] = (v >>> 8) & 0xff;
    out[o + 2] = (v >>> 16) & 0xff;
    out[o + 3] = (v >>> 24) & 0xff;
  }
  return out;
}
