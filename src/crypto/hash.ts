import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { ripemd160, ripemd160Into } from './ripemd160.js';
import { sha256Into } from './sha256.js';

export { sha256, sha256d } from './sha256.js';

/** RIPEMD-160 of SHA-256: the 20-byte public key hash an output pays to. */
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256Into(data, INNER));
}

/** Whether hash160(data) equals `pkh`, without allocating the hash (every input of a block asks). */
export function hash160Equals(data: Uint8Array, pkh: Uint8Array): boolean {
  if (pkh.length !== 20) return false;
  ripemd160Into(sha256Into(data, INNER), OUTER);
  for (let i = 0; i < 20; i++) if (OUTER[i] !== pkh[i]) return false;
  return true;
}

const OUTER = new Uint8Array(20);

/** The inner SHA-256 of hash160: used at once, so one buffer serves every call. */
const INNER = new Uint8Array(32);

/** HMAC-SHA256: the PRF inside RFC 6979 nonce generation. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, message);
}
