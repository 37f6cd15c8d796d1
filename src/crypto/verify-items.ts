/** A signature check's three parts. */
export interface VerifyItem {
  readonly sig: Uint8Array;
  readonly digest: Uint8Array;
  readonly pubkey: Uint8Array;
}

/**
 * The packed form of a run of items, which the pool sends its workers (one transferred
 * ArrayBuffer per chunk) and native/verify.c's verifyBatch reads: each item as
 * sig (64) | digest (32) | pubkey (33).
 */
export const ITEM_BYTES = 64 + 32 + 33;

/** `count` items from `start`, packed. */
export function packItems(items: readonly VerifyItem[], start = 0, count = items.length - start): Uint8Array {
  const bytes = new Uint8Array(count * ITEM_BYTES);
  for (let i = 0; i < count; i++) {
    const it = items[start + i]!;
    const o = i * ITEM_BYTES;
    bytes.set(it.sig, o);
    bytes.set(it.digest, o + 64);
    bytes.set(it.pubkey, o + 96);
  }
  return bytes;
}
