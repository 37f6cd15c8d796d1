import { hexToBytes } from '../encoding/index.js';

/**
 * Structural rules for compact ECDSA signatures and compressed public keys, checked on bytes.
 *
 * These are consensus rules, so they are written out here instead of being inherited from
 * whichever secp256k1 library happens to verify: both verify backends and the worker pool
 * run exactly these checks before any curve arithmetic, and the rules layer uses them to
 * tell a non-canonical signature (malleable encoding) from a merely wrong one.
 */

export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_BYTES = 33;
export const DIGEST_BYTES = 32;

/** Group order n of secp256k1, big-endian. */
export const CURVE_ORDER = hexToBytes('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
/** floor(n / 2): the largest s a low-S signature may carry. */
export const HALF_CURVE_ORDER = hexToBytes('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0');

/** Compares the 32 bytes of `a` starting at `offset` with the 32-byte constant `b`, big-endian. */
function compare32(a: Uint8Array, offset: number, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = a[offset + i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Uint8Array check that also accepts byte arrays from another realm (jest's vm context, a
 * worker's Buffer), where `instanceof` alone would wrongly say no.
 */
export function isBytes(a: unknown): a is Uint8Array {
  if (a instanceof Uint8Array) return true;
  if (!ArrayBuffer.isView(a)) return false;
  const name = a.constructor.name;
  return name === 'Uint8Array' || name === 'Buffer';
}

function isZero32(a: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 32; i++) if (a[offset + i] !== 0) return false;
  return true;
}

/** True when `sig64` is 64 bytes and its s half is at most n/2 (s = 0 counts as low; see isCanonicalSignature). */
export function isLowS(sig64: Uint8Array): boolean {
  return isBytes(sig64) && sig64.length === SIGNATURE_BYTES && compare32(sig64, 32, HALF_CURVE_ORDER) <= 0;
}

/**
 * The only encoding of a signature powchain accepts: 64 bytes r || s with r in [1, n-1] and
 * s in [1, n/2]. Anything else is malleable or meaningless, whatever the curve math would say.
 */
export function isCanonicalSignature(sig64: Uint8Array): boolean {
  if (!isBytes(sig64) || sig64.length !== SIGNATURE_BYTES) return false;
  if (isZero32(sig64, 0) || compare32(sig64, 0, CURVE_ORDER) >= 0) return false;
  if (isZero32(sig64, 32) || compare32(sig64, 32, HALF_CURVE_ORDER) > 0) return false;
  return true;
}

/**
 * Shape of a compressed public key: 33 bytes with prefix 0x02 or 0x03. Whether x is on the
 * curve is for the backend to decide; this only rules out uncompressed and hybrid forms, which
 * the libraries would otherwise accept and which would give one key two encodings.
 */
export function hasCompressedKeyShape(pubkey33: Uint8Array): boolean {
  return isBytes(pubkey33) && pubkey33.length === PUBLIC_KEY_BYTES && (pubkey33[0] === 0x02 || pubkey33[0] === 0x03);
}

/** Every byte-level precondition a verify backend checks before it touches the curve. */
export function passesVerifyPrechecks(sig64: Uint8Array, digest32: Uint8Array, pubkey33: Uint8Array): boolean {
  return (
    isBytes(digest32) &&
    digest32.length === DIGEST_BYTES &&
    hasCompressedKeyShape(pubkey33) &&
    isCanonicalSignature(sig64)
  );
}
