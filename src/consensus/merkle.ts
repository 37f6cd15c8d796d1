import { sha256d } from '../crypto/hash.js';
import { equalBytes } from '../encoding/hex.js';

/**
 * Bitcoin's merkle root over txids (internal byte order). An odd level duplicates its last node.
 *
 * `mutated` reports CVE-2012-2459: when two sibling nodes are equal at any level, the same root
 * is produced by a different (duplicated) transaction list, so a block with such a tree must be
 * rejected rather than marked invalid by hash (its honest twin has the same hash).
 */
export function merkleRoot(txids: Uint8Array[]): { root: Uint8Array; mutated: boolean } {
  if (txids.length === 0) return { root: new Uint8Array(32), mutated: false };
  let level = txids.slice();
  let mutated = false;
  const pair = new Uint8Array(64);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = i + 1 < level.length ? level[i + 1]! : left;
      // Equal siblings that are both real nodes are the mutation; a duplicated last node is normal.
      if (i + 1 < level.length && equalBytes(left, right)) mutated = true;
      pair.set(left, 0);
      pair.set(right, 32);
      next.push(sha256d(pair));
    }
    level = next;
  }
  return { root: level[0]!, mutated };
}
