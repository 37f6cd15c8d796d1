import { bytesToHex } from '../encoding/hex.js';
import { BoundedMap } from '../collections/bounded-map.js';

export interface OrphanLimits {
  /** MAX_ORPHANS: blocks held at once. */
  maxCount: number;
  /** MAX_ORPHAN_BYTES: their total serialized size. */
  maxBytes: number;
  /** MAX_ORPHANS_PER_SOURCE: blocks held at once from one sender. */
  maxPerSource: number;
  /** MAX_ORPHAN_BYTES_PER_SOURCE: their total size. */
  maxBytesPerSource: number;
  /** Seconds an orphan waits for its parent before it is dropped. */
  expireSeconds: number;
}

/**
 * An honest peer sends an orphan when it has a block whose parent this node missed: one or two
 * at a time, which connect as soon as the ancestry is fetched. A sender past its quota is flooding.
 */
export const DEFAULT_ORPHAN_LIMITS: OrphanLimits = {
  maxCount: 1_000,
  maxBytes: 32 * 1024 * 1024,
  maxPerSource: 64,
  maxBytesPerSource: 8 * 1024 * 1024,
  expireSeconds: 20 * 60,
};

export interface Orphan {
  /**
   * Its serialized bytes: all the pool keeps of the block, decoded again when its parent comes.
   * A decoded block is several times its size in objects; a pool of them is what a flood of
   * orphans used to grow the heap by.
   */
  bytes: Uint8Array;
  hash: Uint8Array;
  hashHex: string;
  prevHash: Uint8Array;
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

/** Why an orphan left the pool without connecting. */
export type OrphanDropReason =
  /** It waited longer than expireSeconds. */
  | 'expired'
  /** Its sender went past its quota: the sender's oldest goes. */
  | 'quota'
  /** The pool was full: the oldest orphan of the sender holding the most bytes goes. */
  | 'full'
  /** The network layer dropped everything from its sender (a banned peer). */
  | 'source-dropped';

export interface DroppedOrphan {
  orphan: Orphan;
  reason: OrphanDropReason;
}

/**
 * Blocks whose parent is unknown, waiting for it. Indexed by hash, by parent hash and by sender;
 * bounded per sender (count and bytes: past its quota a sender loses its own oldest), in total
 * (the sender holding the most bytes loses its oldest) and by age. Everything that leaves without
 * connecting is reported, with its sender, so the sender can be charged for it. Nothing here
 * recurses: children of a newly connected block are handed out one generation at a time by the
 * chain's work queue.
 */
export class OrphanPool {
  readonly limits: OrphanLimits;
  private readonly byHash = new BoundedMap<string, Orphan>();
  private readonly byParent = new Map<string, Set<string>>();
  /** Per sender, its orphans oldest first, and their bytes. */
  private readonly bySource = new Map<string, { hashes: Set<string>; bytes: number }>();
  private bytes = 0;

  constructor(limits: Partial<OrphanLimits> = {}) {
    this.limits = { ...DEFAULT_ORPHAN_LIMITS, ...limits };
  }

  get size(): number {
    return this.byHash.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex);
  }

  /** Orphans held from `source`, and their bytes. */
  heldBy(source: string): { count: number; bytes: number } {
    const s = this.bySource.get(source);
    return { count: s?.hashes.size ?? 0, bytes: s?.bytes ?? 0 };
  }

  /** Does `source` hold its quota of orphans already (another would push one of its own out)? */
  quotaFull(source: string): boolean {
    const s = this.bySource.get(source);
    return !!s && (s.hashes.size >= this.limits.maxPerSource || s.bytes >= this.limits.maxBytesPerSource);
  }

  /** Add an orphan; returns the orphans dropped to stay within bounds (possibly this one). */
  add(o: Omit<Orphan, 'hashHex' | 'parentHex' | 'size'>, now: number): DroppedOrphan[] {
    const hashHex = bytesToHex(o.hash);
    if (this.byHash.has(hashHex)) return [];
    const orphan: Orphan = { ...o, hashHex, parentHex: bytesToHex(o.prevHash), size: o.bytes.length };
    this.byHash.set(hashHex, orphan);
    let siblings = this.byParent.get(orphan.parentHex);
    if (!siblings) this.byParent.set(orphan.parentHex, (siblings = new Set()));
    siblings.add(hashHex);
    let mine = this.bySource.get(orphan.source);
    if (!mine) this.bySource.set(orphan.source, (mine = { hashes: new Set(), bytes: 0 }));
    mine.hashes.add(hashHex);
    mine.bytes += orphan.size;
    this.bytes += orphan.size;

    const dropped = this.expire(now);
    const { maxPerSource, maxBytesPerSource, maxCount, maxBytes } = this.limits;
    while (mine.hashes.size > maxPerSource || mine.bytes > maxBytesPerSource)
      dropped.push(this.drop(mine.hashes.values().next().value!, 'quota'));
    while (this.byHash.size > maxCount || this.bytes > maxBytes) {
      let worst: { hashes: Set<string>; bytes: number } | undefined;
      for (const s of this.bySource.values()) if (!worst || s.bytes > worst.bytes) worst = s;
      dropped.push(this.drop(worst!.hashes.values().next().value!, 'full'));
    }
    return dropped;
  }

  private drop(hashHex: string, reason: OrphanDropReason): DroppedOrphan {
    return { orphan: this.remove(hashHex)!, reason };
  }

  remove(hashHex: string): Orphan | undefined {
    const o = this.byHash.get(hashHex);
    if (!o) return undefined;
    this.byHash.delete(hashHex);
    this.bytes -= o.size;
    const siblings = this.byParent.get(o.parentHex);
    siblings?.delete(hashHex);
    if (siblings && siblings.size === 0) this.byParent.delete(o.parentHex);
    const mine = this.bySource.get(o.source)!;
    mine.hashes.delete(hashHex);
    mine.bytes -= o.size;
    if (mine.hashes.size === 0) this.bySource.delete(o.source);
    return o;
  }

  /** Drop every orphan `source` sent (a banned peer): what it made the pool hold goes at once. */
  dropSource(source: string): DroppedOrphan[] {
    const mine = this.bySource.get(source);
    return mine ? [...mine.hashes].map((h) => this.drop(h, 'source-dropped')) : [];
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

  /** Drop orphans older than the age limit. */
  expire(now: number): DroppedOrphan[] {
    const old: string[] = [];
    for (const o of this.byHash.values()) {
      if (now - o.received <= this.limits.expireSeconds) break; // insertion order = age order
      old.push(o.hashHex);
    }
    return old.map((h) => this.drop(h, 'expired'));
  }

  /**
   * The parent hash that must be fetched for `hashHex` to connect: follow parents through the
   * pool until one is not an orphan. Bounded by the pool size, so a cycle cannot loop forever.
   */
  missingAncestor(hashHex: string): Uint8Array | undefined {
    let cur = this.byHash.get(hashHex);
    for (let steps = 0; cur && steps <= this.byHash.size; steps++) {
      const parent = this.byHash.get(cur.parentHex);
      if (!parent) return cur.prevHash;
      cur = parent;
    }
    return undefined;
  }

  get(hashHex: string): Orphan | undefined {
    return this.byHash.get(hashHex);
  }

  info(hash: Uint8Array): OrphanInfo | undefined {
    const o = this.byHash.get(bytesToHex(hash));
    return o && { hash: o.hash, source: o.source, size: o.size, received: o.received, parent: o.prevHash };
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
