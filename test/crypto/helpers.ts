import { createRequire } from 'node:module';
import type * as NativeSecp256k1 from 'secp256k1';
import { bytesToHex, hexToBytes } from '../../src/encoding/index.js';
import { hmacSha256, sha256 } from '../../src/crypto/index.js';
import { secp } from '../../src/crypto/noble.js';

export const N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');

export const toBig = (b: Uint8Array): bigint => BigInt(`0x${bytesToHex(b) || '0'}`);
export const to32 = (n: bigint): Uint8Array => hexToBytes(n.toString(16).padStart(64, '0'));

/** The raw native library, for checks that bypass our wrapper. Undefined where the binding cannot load. */
export const rawNative: typeof NativeSecp256k1 | undefined = (() => {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as typeof NativeSecp256k1;
  } catch {
    return undefined;
  }
})();

export const rawNoble = secp;

/** r || s with s replaced by n - s: the malleated twin of a signature. */
export function flipS(sig: Uint8Array): Uint8Array {
  const out = Uint8Array.from(sig);
  out.set(to32(N - toBig(sig.subarray(32))), 32);
  return out;
}

/** Copy of `bytes` with bit `bit` flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** x coordinate of k·G reduced mod n: the r a nonce k produces. */
export function rFromNonce(k: Uint8Array): bigint {
  return toBig(secp.getPublicKey(k, true).subarray(1)) % N;
}

/**
 * An independent RFC 6979 (section 3.2) HMAC-DRBG for secp256k1/SHA-256, written from the
 * RFC so the nonces in the fixture can be checked against something other than the library
 * under test. Returns the first `count` candidates k0, k1, ... (each accepted or not).
 */
export function rfc6979Candidates(priv: Uint8Array, h1: Uint8Array, count: number): Uint8Array[] {
  const cat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const h = to32(toBig(h1) % N); // bits2octets: qlen = hlen = 256, so only the reduction mod n
  let v: Uint8Array = new Uint8Array(32).fill(1);
  let k: Uint8Array = new Uint8Array(32);
  k = hmacSha256(k, cat(v, Uint8Array.of(0), priv, h));
  v = hmacSha256(k, v);
  k = hmacSha256(k, cat(v, Uint8Array.of(1), priv, h));
  v = hmacSha256(k, v);
  const out: Uint8Array[] = [];
  while (out.length < count) {
    v = hmacSha256(k, v);
    out.push(v);
    // What RFC 6979 does after a rejected candidate; the next one follows either way.
    k = hmacSha256(k, cat(v, Uint8Array.of(0)));
    v = hmacSha256(k, v);
  }
  return out;
}

/** sha256 of a UTF-8 string. */
export const sha256Text = (s: string): Uint8Array => sha256(new TextEncoder().encode(s));

/** Deterministic pseudo-random bytes (sha256 in counter mode) so failures can be replayed by seed. */
export function seededBytes(seed: string): (len: number) => Uint8Array {
  let counter = 0;
  return (len) => {
    const out = new Uint8Array(len);
    for (let o = 0; o < len; o += 32) {
      const block = sha256Text(`${seed}/${counter++}`);
      out.set(block.subarray(0, Math.min(32, len - o)), o);
    }
    return out;
  };
}
