import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as NativeSecp256k1 from 'secp256k1';
import { hash160, sha256 } from '../../crypto/hash.js';
import { publicKeyFromPrivate, sign as nobleSign } from '../../crypto/keys.js';

/** A benchmark key: private key, compressed public key and the pubKeyHash outputs pay to. */
export interface BenchKey {
  priv: Uint8Array;
  pub: Uint8Array;
  pkh: Uint8Array;
}

/** `count` deterministic keys: sha256("powchain-bench-<label>-<i>"), so caches stay valid across runs. */
export function benchKeys(label: string, count: number): BenchKey[] {
  const out: BenchKey[] = [];
  for (let i = 0; i < count; i++) {
    const priv = sha256(new TextEncoder().encode(`powchain-bench-${label}-${i}`));
    const pub = publicKeyFromPrivate(priv);
    out.push({ priv, pub, pkh: hash160(pub) });
  }
  return out;
}

type Native = typeof NativeSecp256k1;
let native: Native | null | undefined;

/**
 * A signer for generating data quickly: libsecp256k1 (the `secp256k1` package's native binding)
 * when it loads, else our noble signer. Both are RFC 6979 without extra entropy and low-S, so
 * they give the same bytes and cached chains do not depend on which one made them.
 */
export function signer(): { name: string; sign(digest32: Uint8Array, priv32: Uint8Array): Uint8Array } {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('secp256k1/bindings') as Native;
    } catch {
      native = null;
    }
  }
  const n = native;
  if (n) return { name: 'libsecp256k1', sign: (d, k) => n.ecdsaSign(d, k).signature };
  return { name: 'noble', sign: nobleSign };
}

/** sha256d with node:crypto: the same function as crypto/hash's, faster on large inputs. */
export function fastSha256d(data: Uint8Array): Uint8Array {
  const first = createHash('sha256').update(data).digest();
  return new Uint8Array(createHash('sha256').update(first).digest());
}

export { prng } from '../../collections/prng.js';
