import type { SignatureItem } from '../consensus/rules/contextual.js';
import { BoundedMap } from '../collections/bounded-map.js';

const KEY_BYTES = 32 + 33 + 64;
/** Reused for every key: keyOf is synchronous, so no two calls share it at once. */
const SCRATCH = Buffer.alloc(KEY_BYTES);

/**
 * Remembers (digest, key, signature) triples that verified, so a transaction checked on entry
 * to the mempool is not verified again when its block connects. Bounded: the oldest entries
 * are dropped first (a Map iterates in insertion order).
 */
export class SignatureCache {
  private readonly seen: BoundedMap<string, true>;

  constructor(readonly maxEntries = 200_000) {
    this.seen = new BoundedMap(maxEntries);
  }

  private static keyOf(item: SignatureItem): string {
    // The digest commits to the spent output and the whole transaction; key and signature
    // complete the triple. Latin-1 strings keep the key compact and cheap to build.
    const { digest, pubkey, sig } = item;
    if (digest.length === 32 && pubkey.length === 33 && sig.length === 64) {
      // The same string as below, built natively (one key per signature looked up).
      SCRATCH.set(digest, 0);
      SCRATCH.set(pubkey, 32);
      SCRATCH.set(sig, 65);
      return SCRATCH.toString('latin1', 0, KEY_BYTES);
    }
    return String.fromCharCode(...digest, ...pubkey, ...sig);
  }

  has(item: SignatureItem): boolean {
    return this.seen.has(SignatureCache.keyOf(item));
  }

  add(item: SignatureItem): void {
    this.seen.set(SignatureCache.keyOf(item), true);
  }

  get size(): number {
    return this.seen.size;
  }
}
