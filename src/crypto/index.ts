/**
 * crypto: sha256d, hash160, secp256k1 keys and RFC 6979 signing, bech32m addresses, and one
 * VerifyBackend interface with three backends that must agree (the system libsecp256k1 through
 * native/verify.c, the secp256k1 package's, @noble/secp256k1), behind a worker-thread VerifyPool.
 *
 * May import: encoding. Never consensus or anything above it (dependency-cruiser:
 * crypto-not-to-...).
 */
export { sha256, sha256d, hash160, hmacSha256 } from './hash.js';
export { randomPrivateKey, isValidPrivateKey, publicKeyFromPrivate, isValidPublicKey, sign } from './keys.js';
export {
  SIGNATURE_BYTES,
  PUBLIC_KEY_BYTES,
  DIGEST_BYTES,
  CURVE_ORDER,
  HALF_CURVE_ORDER,
  isLowS,
  isCanonicalSignature,
  hasCompressedKeyShape,
} from './signature.js';
export {
  nobleBackend,
  getBackend,
  backendUnavailableReason,
  verifyFallbackReasons,
  loadSystemVerifier,
  VERIFY_BACKENDS,
  SYSTEM_VERIFIER_PATH,
  selectVerifyBackend,
  activeBackendName,
  verifySignature,
  type VerifyBackend,
  type VerifyBackendName,
  type SystemVerifier,
} from './verify.js';
export { VerifyPool, DEFAULT_INLINE_THRESHOLD, type VerifyItem, type VerifyPoolOptions } from './verify-pool.js';
export {
  encodeAddress,
  decodeAddress,
  addressFromPublicKey,
  isValidAddress,
  AddressError,
  ADDRESS_VERSION,
  PUBKEY_HASH_BYTES,
  type AddressErrorCode,
} from './address.js';
