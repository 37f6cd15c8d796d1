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
