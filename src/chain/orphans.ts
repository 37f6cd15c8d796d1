import { bytesToHex } from '../encoding/hex.js';
import type { Block } from '../consensus/block.js';
import { BoundedMap } from '../collections/bounded-map.js';

export interface OrphanLimits {
  /** MAX_ORPHANS: blocks held at once. */
  maxCount: number;
  /** MAX_ORPHAN_BYTES: their total serialized size. */
  maxBytes: number;
  /** Seconds an orphan waits for its parent before it is dropped. */
  expireSeconds: number;
}

export const DEFAULT_ORPHAN_LIMITS: OrphanLimits = {
  maxCount: 1_000,
  maxBytes: 64 * 1024 * 1024,
  expireSeconds: 20 * 60,
};

export interface Orphan {
  block: Block;
  hash: Uint8Array;
  hashHex: string;
  parentHex: string;
  size: number;
  /** Who sent it (a peer id, 'rpc', ...), so the network layer can ask that peer for the parent. */
  source: string;
  received: number;
}

/** What the chain tells of an orphan: who sent it, when, and how large it is. */
export type OrphanInfo = Readonly<Pick<Orphan, 'hash' | 'source' | 'size' | 'received'>> & {
  /** The hash of its parent, the block it waits for. */
  readonly parent: Uint8Array;
};

/**
 * Blocks whose parent is unknown, waiting for it. Indexed by hash and by parent hash; bounded by
 * count and bytes (oldest evicted first) and by age. Nothing here recurses: children of a newly
 * connected block are handed out one generation at a time by the chain's work queue.
 */
export class OrphanPool {
  private readonly byHash = new BoundedMap<string, Orphan>();
  private readonly byParent = new Map<string, Set<string>>();
  private bytes = 0;

  constructor(readonly limits: OrphanLimits = DEFAULT_ORPHAN_LIMITS) {}

  get size(): number {
    return this.byHash.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex);
  }

  /** Add an orphan; returns the hashes evicted to stay within bounds. */
  add(o: Omit<Orphan, 'hashHex' | 'parentHex'>, now: number): string[] {
    const hashHex = bytesToHex(o.hash);
    if (this.byHash.has(hashHex)) return [];
    const orphan: Orphan = { ...o, hashHex, parentHex: bytesToHex(o.block.header.prevHash) };
    this.byHash.set(hashHex, orphan);
    let siblings = this.byParent.get(orphan.parentHex);
    if (!siblings) this.byParent.set(orphan.parentHex, (siblings = new Set()));
    siblings.add(hashHex);
    this.bytes += orphan.size;
    const evicted = this.expire(now);
    // Map iteration order is insertion order: the first key is the oldest orphan.
    while (this.byHash.size > this.limits.maxCount || this.bytes > this.limits.maxBytes) {
      const oldest = this.byHash.oldest()!;
      this.remove(oldest);
      evicted.push(oldest);
    }
    return evicted;
  }

  remove(hashHex: string): Orphan | undefined {
    const o = this.byHash.get(hashHex);
    if (!o) return undefined;
    this.byHash.delete(hashHex);
    this.bytes -= o.size;
    const siblings = this.byParent.get(o.parentHex);
    siblings?.delete(hashHex);
    if (siblings && siblings.size === 0) this.byParent.delete(o.parentHex);
    return o;
  }

  /** Remove and return the orphans waiting for `parentHex`, oldest first. */
  takeChildren(parentHex: string): Orphan[] {
    const ids = this.byParent.get(parentHex);
    if (!ids) return [];
    const out: Orphan[] = [];
    for (const id of [...ids]) {
      const o = this.remove(id);
      if (o) out.push(o);
    }
    return out;
  }

  /** Drop orphans older than the age limit; returns their hashes. */
  expire(now: number): string[] {
    const dropped: string[] = [];
    for (const o of this.byHash.values()) {
      if (now - o.received <= this.limits.expireSeconds) break; // insertion order = age order
      dropped.push(o.hashHex);
    }
    for (const h of dropped) this.remove(h);
    return dropped;
  }

  /**
   * The parent hash that must be fetched for `hashHex` to connect: follow parents through the
   * pool until one is not an orphan. Bounded by the pool size, so a cycle cannot loop forever.
   */
  missingAncestor(hashHex: string): Uint8Array | undefined {
    let cur = this.byHash.get(hashHex);
    for (let steps = 0; cur && steps <= this.byHash.size; steps++) {
      const parent = this.byHash.get(cur.parentHex);
      if (!parent) return cur.block.header.prevHash;
      cur = parent;
    }
    return undefined;
  }

  get(hashHex: string): Orphan | undefined {
    return this.byHash.get(hashHex);
  }

  info(hash: Uint8Array): OrphanInfo | undefined {
    const o = this.byHash.get(bytesToHex(hash));
    return o && { hash: o.hash, source: o.source, size: o.size, received: o.received, parent: o.block.header.prevHash };
  }
}

/**
 * Hand the orphans waiting on `parentHex` to `process`, generation by generation: a queue, no
 * recursion, so a long chain of orphans cannot overflow the stack. `process` says whether the
 * block was stored (valid or invalid), in which case its own waiting children come next.
 */
export async function drainOrphans(
  pool: OrphanPool,
  parentHex: string,
  process: (orphan: Orphan) => Promise<boolean>,
): Promise<void> {
  const queue = [parentHex];
  while (queue.length) {
    for (const orphan of pool.takeChildren(queue.shift()!)) {
      if (await process(orphan)) queue.push(orphan.hashHex);
    }
  }
}
