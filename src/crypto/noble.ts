import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * @noble/secp256k1 with its synchronous hash hooks filled in. The library ships without
 * sync SHA-256/HMAC (it only knows WebCrypto's async ones), so sync `sign` throws until these
 * are set. Every module that uses noble imports it from here, so the hooks are always set first.
 */
secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key, message) => hmac(sha256, key, message);

export { secp };
