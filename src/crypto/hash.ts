import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from './sha256.js';

export { sha256, sha256d } from './sha256.js';

/** RIPEMD-160 of SHA-256: the 20-byte public key hash an output pays to. */
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

/** HMAC-SHA256: the PRF inside RFC 6979 nonce generation. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, message);
}
