import type { SignatureItem } from '../consensus/rules/contextual.js';

/**
 * Remembers (digest, key, signature) triples that verified, so a transaction checked on entry
 * to the mempool is not verified again when its block connects. Bounded: the oldest entries
 * are dropped first (a Map iterates in insertion order).
 */
export class SignatureCache {
  private readonly seen = new Map<string, true>();

  constructor(readonly maxEntries = 200_000) {}

  private static keyOf(item: SignatureItem): string {
    // The digest commits to the spent output and the whole transaction; key and signature
    // complete the triple. Latin-1 strings keep the key compact and cheap to build.
    return String.fromCharCode(...item.digest, ...item.pubkey, ...item.sig);
  }

  has(item: SignatureItem): boolean {
    return this.seen.has(SignatureCache.keyOf(item));
  }

  add(item: SignatureItem): void {
    if (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    this.seen.set(SignatureCache.keyOf(item), true);
  }

  get size(): number {
    return this.seen.size;
  }
}
