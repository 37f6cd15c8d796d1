import { hash160, sha256 } from '../../src/crypto/hash.js';
import { isValidPrivateKey, publicKeyFromPrivate } from '../../src/crypto/keys.js';

/** A deterministic key pair and the pubKeyHash outputs pay to. */
export interface TestKey {
  priv: Uint8Array;
  /** 33-byte compressed public key. */
  pub: Uint8Array;
  /** hash160(pub): what an output locked to this key carries. */
  pkh: Uint8Array;
}

const cache = new Map<string, TestKey>();

/**
 * The key named `label`: sha256(label) as the private key. Deterministic, so a failing test
 * reproduces byte for byte, and two tests asking for 'alice' get the same coins' owner.
 */
export function testKey(label: string): TestKey {
  const hit = cache.get(label);
  if (hit) return hit;
  const priv = sha256(new TextEncoder().encode(label));
  // A sha256 output is a valid scalar except with probability ~2^-128; fail loudly if not.
  if (!isValidPrivateKey(priv)) throw new Error(`label '${label}' does not give a valid private key`);
  const pub = publicKeyFromPrivate(priv);
  const key = { priv, pub, pkh: hash160(pub) };
  cache.set(label, key);
  return key;
}
