// SHA-256d nonce scanner for 80-byte block headers, 4 nonces per call of the round function in the
// four 32-bit lanes of a v128 (WebAssembly SIMD). Compiled by scripts/build-wasm.mjs; driven by the
// JS glue in src/mining/kernel/wasm-kernel.ts:
//   1. write the header (80 bytes) at io() and the target as 8 little-endian u32 words (word 7 most
//      significant) at io() + 80, call prepare();
//   2. scan(start, count) returns 1 and stores the first matching nonce at io() + 112, or returns 0.
// No allocation happens after instantiation: all buffers are static data.

const IO: usize = memory.data(128, 16);
const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
], 16);
const IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
], 16);

// Message schedules (64 words x 4 lanes) of the header's second block and of the second hash.
const W1: usize = memory.data(64 * 16, 16);
const W2: usize = memory.data(64 * 16, 16);
// Working state (8 words x 4 lanes), the splatted midstate, and the state after rounds 0..2 of the
// second block, which do not depend on the nonce and so run once per scan.
const ST: usize = memory.data(8 * 16, 16);
const MID: usize = memory.data(8 * 16, 16);
const PRE: usize = memory.data(8 * 16, 16);
// Scalar scratch for prepare(): schedule and state.
const WS: usize = memory.data(64 * 4, 16);
const SS: usize = memory.data(8 * 4, 16);

const FOUND: usize = IO + 112;
const TARGET: usize = IO + 80;

export function io(): usize {
  return IO;
}

// ---- scalar SHA-256, used once per scan ----

// @ts-ignore: decorator
@inline function rotr32(x: u32, n: u32): u32 {
  return rotr<u32>(x, n);
}

function scalarExpand(from: i32): void {
  for (let i = from; i < 64; i++) {
    const a = load<u32>(WS + ((i - 15) << 2));
    const b = load<u32>(WS + ((i - 2) << 2));
    const s0 = rotr32(a, 7) ^ rotr32(a, 18) ^ (a >>> 3);
    const s1 = rotr32(b, 17) ^ rotr32(b, 19) ^ (b >>> 10);
    store<u32>(WS + (i << 2), s1 + load<u32>(WS + ((i - 7) << 2)) + s0 + load<u32>(WS + ((i - 16) << 2)));
  }
}

/** Rounds [from, to) over WS on the scalar state in SS. */
function scalarRounds(from: i32, to: i32): void {
  let a = load<u32>(SS, 0), b = load<u32>(SS, 4), c = load<u32>(SS, 8), d = load<u32>(SS, 12);
  let e = load<u32>(SS, 16), f = load<u32>(SS, 20), g = load<u32>(SS, 24), h = load<u32>(SS, 28);
  for (let i = from; i < to; i++) {
    const t1 = h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + (g ^ (e & (f ^ g))) +
      load<u32>(K + (i << 2)) + load<u32>(WS + (i << 2));
    const t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) | (c & (a | b)));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(SS, a, 0); store<u32>(SS, b, 4); store<u32>(SS, c, 8); store<u32>(SS, d, 12);
  store<u32>(SS, e, 16); store<u32>(SS, f, 20); store<u32>(SS, g, 24); store<u32>(SS, h, 28);
}

// ---- 4-lane SHA-256 ----

// @ts-ignore: decorator
@inline function rotr4(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}

// @ts-ignore: decorator
@inline function bswap4(x: v128): v128 {
  return i8x16.shuffle(x, x, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

// @ts-ignore: decorator
@inline function splat(x: u32): v128 {
  return i32x4.splat(x);
}

/** W[from..63] = sigma1(W[i-2]) + W[i-7] + sigma0(W[i-15]) + W[i-16], per lane. */
// @ts-ignore: decorator
@inline function expand(w: usize, from: i32): void {
  for (let i = from; i < 64; i++) {
    const p = w + (<usize>i << 4);
    const a = v128.load(p - 15 * 16);
    const b = v128.load(p - 2 * 16);
    const s0 = v128.xor(v128.xor(rotr4(a, 7), rotr4(a, 18)), i32x4.shr_u(a, 3));
    const s1 = v128.xor(v128.xor(rotr4(b, 17), rotr4(b, 19)), i32x4.shr_u(b, 10));
    v128.store(p, i32x4.add(i32x4.add(s1, v128.load(p - 7 * 16)), i32x4.add(s0, v128.load(p - 16 * 16))));
  }
}

/** Rounds [from, to) over schedule w on the 4-lane state in ST. */
// @ts-ignore: decorator
@inline function rounds(w: usize, from: i32, to: i32): void {
  let a = v128.load(ST, 0), b = v128.load(ST, 16), c = v128.load(ST, 32), d = v128.load(ST, 48);
  let e = v128.load(ST, 64), f = v128.load(ST, 80), g = v128.load(ST, 96), h = v128.load(ST, 112);
  for (let i = from; i < to; i++) {
    const s1 = v128.xor(v128.xor(rotr4(e, 6), rotr4(e, 11)), rotr4(e, 25));
    // ch(e, f, g) = (e & f) | (~e & g): one bitselect.
    const kw = i32x4.add(v128.load32_splat(K + (<usize>i << 2)), v128.load(w + (<usize>i << 4)));
    const t1 = i32x4.add(i32x4.add(h, s1), i32x4.add(v128.bitselect(f, g, e), kw));
    const s0 = v128.xor(v128.xor(rotr4(a, 2), rotr4(a, 13)), rotr4(a, 22));
    // maj(a, b, c): where a and b agree take a, elsewhere c.
    const t2 = i32x4.add(s0, v128.bitselect(c, a, v128.xor(a, b)));
    h = g; g = f; f = e; e = i32x4.add(d, t1); d = c; c = b; b = a; a = i32x4.add(t1, t2);
  }
  v128.store(ST, a, 0); v128.store(ST, b, 16); v128.store(ST, c, 32); v128.store(ST, d, 48);
  v128.store(ST, e, 64); v128.store(ST, f, 80); v128.store(ST, g, 96); v128.store(ST, h, 112);
}

/** Per-scan setup: midstate, nonce-independent rounds and schedule words, constant padding. */
export function prepare(): void {
  for (let i = 0; i < 16; i++) store<u32>(WS + (i << 2), bswap<u32>(load<u32>(IO + (i << 2))));
  scalarExpand(16);
  memory.copy(SS, IV, 32);
  scalarRounds(0, 64);
  for (let i = 0; i < 8; i++) {
    const m = load<u32>(SS + (i << 2)) + load<u32>(IV + (i << 2));
    store<u32>(SS + (i << 2), m);
    v128.store(MID + (i << 4), splat(m));
  }
  // Second block: header bytes 64..75, the nonce (filled per group), then padding for 80 bytes.
  for (let i = 0; i < 3; i++) store<u32>(WS + (i << 2), bswap<u32>(load<u32>(IO + 64 + (i << 2))));
  store<u32>(WS + 12, 0);
  store<u32>(WS + 16, 0x80000000);
  for (let i = 5; i < 15; i++) store<u32>(WS + (i << 2), 0);
  store<u32>(WS + 60, 640);
  // W16 and W17 do not involve W3 (the nonce); W18 onwards do.
  scalarExpand(16);
  for (let i = 0; i < 18; i++) v128.store(W1 + (i << 4), splat(load<u32>(WS + (i << 2))));
  scalarRounds(0, 3);
  for (let i = 0; i < 8; i++) v128.store(PRE + (i << 4), splat(load<u32>(SS + (i << 2))));
  // Second hash: the 32-byte digest (filled per group) and padding for 32 bytes.
  v128.store(W2 + 8 * 16, splat(0x80000000));
  for (let i = 9; i < 15; i++) v128.store(W2 + (i << 4), v128.splat<i32>(0));
  v128.store(W2 + 15 * 16, splat(256));
}

/** True when lane `lane` of the final state in ST (+IV), as a LE 256-bit integer, is <= target. */
function laneMeetsTarget(lane: usize): bool {
  for (let j = 7; j >= 0; j--) {
    const word = bswap<u32>(load<u32>(ST + (<usize>j << 4) + (lane << 2)) + load<u32>(IV + (<usize>j << 2)));
    const t = load<u32>(TARGET + (<usize>j << 2));
    if (word != t) return word < t;
  }
  return true;
}

/** Scans nonces start .. start+count-1 (count < 2^32, wrapping is the caller's business). */
export function scan(start: u32, count: u32): i32 {
  const lanes = i32x4(0, 1, 2, 3);
  const top = splat(load<u32>(TARGET + 28));
  const iv7 = splat(load<u32>(IV + 28));
  let done: u32 = 0;
  while (done < count) {
    const base = start + done;
    v128.store(W1 + 3 * 16, bswap4(i32x4.add(splat(base), lanes)));
    expand(W1, 18);
    memory.copy(ST, PRE, 128);
    rounds(W1, 3, 64);
    for (let i = 0; i < 8; i++) {
      const o = <usize>i << 4;
      v128.store(W2 + o, i32x4.add(v128.load(ST + o), v128.load(MID + o)));
    }
    expand(W2, 16);
    for (let i = 0; i < 8; i++) v128.store(ST + (<usize>i << 4), v128.load32_splat(IV + (<usize>i << 2)));
    rounds(W2, 0, 61);
    // After round 60, e is already the final h: the most significant word of the LE hash. Most
    // groups fail here and skip the last three rounds.
    const msw = bswap4(i32x4.add(v128.load(ST, 64), iv7));
    if (v128.any_true(i32x4.le_u(msw, top))) {
      rounds(W2, 61, 64);
      const left = count - done;
      const n: u32 = left < 4 ? left : 4;
      for (let lane: u32 = 0; lane < n; lane++) {
        if (laneMeetsTarget(lane)) {
          store<u32>(FOUND, base + lane);
          return 1;
        }
      }
    }
    if (count - done <= 4) break;
    done += 4;
  }
  return 0;
}
