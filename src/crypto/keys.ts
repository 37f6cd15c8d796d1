import { secp } from './noble.js';
import { CURVE_ORDER, DIGEST_BYTES, hasCompressedKeyShape, isBytes } from './signature.js';

/** A 32-byte private key drawn from the platform CSPRNG, uniformly in [1, n-1]. */
export function randomPrivateKey(): Uint8Array {
  return secp.utils.randomSecretKey();
}

/** True for exactly 32 bytes encoding an integer in [1, n-1]. */
export function isValidPrivateKey(key: Uint8Array): boolean {
  if (!isBytes(key) || key.length !== 32) return false;
  let zero = true;
  let cmp = 0;
  for (let i = 0; i < 32; i++) {
    if (key[i] !== 0) zero = false;
    if (cmp === 0) cmp = key[i]! - CURVE_ORDER[i]!;
  }
  return !zero && cmp < 0;
}

function assertPrivateKey(key: Uint8Array): void {
  if (!isValidPrivateKey(key)) throw new RangeError('private key must be 32 bytes encoding an integer in [1, n-1]');
}

/** The 33-byte compressed public key (0x02/0x03 || x) of a private key; throws RangeError on an invalid key. */
export function publicKeyFromPrivate(priv32: Uint8Array): Uint8Array {
  assertPrivateKey(priv32);
  return secp.getPublicKey(priv32, true);
}

/**
 * True for a 33-byte compressed key whose x lies on the curve. Outputs pay to hash160 of such
 * a key, so a wallet can refuse to hand out an address nobody could ever spend from.
 */
export function isValidPublicKey(pubkey33: Uint8Array): boolean {
  return hasCompressedKeyShape(pubkey33) && secp.utils.isValidPublicKey(pubkey33, true);
}

/**
 * RFC 6979 deterministic ECDSA over a 32-byte digest, used as-is (the digest is already
 * sha256d of the signed data, so no further hashing). Returns compact r || s with low S,
 * the only form consensus accepts. No extra entropy: the same key and digest always give the
 * same signature, which is what the test vectors and the native backend produce too.
 */
export function sign(digest32: Uint8Array, priv32: Uint8Array): Uint8Array {
  if (!isBytes(digest32) || digest32.length !== DIGEST_BYTES) {
    throw new RangeError(`digest must be ${DIGEST_BYTES} bytes`);
  }
  assertPrivateKey(priv32);
  return secp.sign(digest32, priv32, { prehash: false, lowS: true, extraEntropy: false, format: 'compact' });
}
