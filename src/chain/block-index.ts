import { bytesToHex } from '../encoding/hex.js';
import type { StoredIndexEntry } from './layout.js';

/** An index entry in memory: the stored fields plus its hash and a link to its parent. */
export interface IndexEntry extends StoredIndexEntry {
  hash: Uint8Array;
  hashHex: string;
  parent: IndexEntry | undefined;
}

/**
 * An index entry as the chain shows it to the layers above: read-only, its header too. The
 * objects are the index's own (so `chain.tip === entry` still says "this is the tip"), but nothing
 * outside the chain may change them.
 */
export type ChainEntry = { readonly [K in Exclude<keyof IndexEntry, 'parent' | 'header'>]: IndexEntry[K] } & {
  readonly header: Readonly<IndexEntry['header']>;
  readonly parent: ChainEntry | undefined;
};

/** At most this many ancestors are walked for a median time or locator without the main chain. */
const LOCATOR_DENSE = 10;

/**
 * Every stored block's index entry, in memory, plus the main chain as an array by height.
 * Lookups by hash are by lower-case hex of the internal byte order.
 */
export class BlockIndex {
  private readonly byHash = new Map<string, IndexEntry>();
  private readonly children = new Map<string, Set<IndexEntry>>();
  /** mainChain[h] is the main-chain entry at height h; its last element is the tip. */
  private mainChain: IndexEntry[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.byHash.size;
  }

  get tip(): IndexEntry {
    const t = this.mainChain[this.mainChain.length - 1];
    if (!t) throw new Error('block index has no tip (chain not opened)');
    return t;
  }

  get height(): number {
    return this.mainChain.length - 1;
  }

  get(hash: Uint8Array | string): IndexEntry | undefined {
    return this.byHash.get(typeof hash === 'string' ? hash : bytesToHex(hash));
  }

  /** Add an entry whose parent is already indexed (or genesis). Assigns the next sequence if unset. */
  add(hash: Uint8Array, stored: Omit<StoredIndexEntry, 'sequence'> & { sequence?: number }): IndexEntry {
    const hashHex = bytesToHex(hash);
    const parent = this.byHash.get(bytesToHex(stored.header.prevHash));
    const sequence = stored.sequence ?? this.nextSequence;
    this.nextSequence = Math.max(this.nextSequence, sequence + 1);
    const entry: IndexEntry = { ...stored, sequence, hash, hashHex, parent };
    this.byHash.set(hashHex, entry);
    if (parent) {
      let set = this.children.get(parent.hashHex);
      if (!set) this.children.set(parent.hashHex, (set = new Set()));
      set.add(entry);
    }
    return entry;
  }

  /** Take back an entry whose records never reached the disk (a failed write). Children go first. */
  remove(entry: IndexEntry): void {
    if (this.byHash.get(entry.hashHex) !== entry) return;
    this.byHash.delete(entry.hashHex);
    if (!entry.parent) return;
    const siblings = this.children.get(entry.parent.hashHex);
    siblings?.delete(entry);
    if (siblings?.size === 0) this.children.delete(entry.parent.hashHex);
  }

  /** Relink parents after a bulk load where entries arrived in arbitrary order. */
  relink(): void {
    this.children.clear();
    for (const e of this.byHash.values()) {
      e.parent = this.byHash.get(bytesToHex(e.header.prevHash));
      if (e.parent) {
        let set = this.children.get(e.parent.hashHex);
        if (!set) this.children.set(e.parent.hashHex, (set = new Set()));
        set.add(e);
      }
    }
  }

  childrenOf(entry: IndexEntry): IndexEntry[] {
    return [...(this.children.get(entry.hashHex) ?? [])];
  }

  /** The entry and every entry descending from it (breadth first, no recursion). */
  descendants(entry: IndexEntry): IndexEntry[] {
    const out: IndexEntry[] = [];
    const queue = [entry];
    while (queue.length) {
      const e = queue.shift()!;
      out.push(e);
      queue.push(...this.childrenOf(e));
    }
    return out;
  }

  entries(): IterableIterator<IndexEntry> {
    return this.byHash.values();
  }

  // ---- main chain -----------------------------------------------------------------------------

  setMainChainFromTip(tip: IndexEntry): void {
    const chain: IndexEntry[] = new Array(tip.height + 1);
    for (let e: IndexEntry | undefined = tip; e; e = e.parent) chain[e.height] = e;
    this.mainChain = chain;
  }

  atHeight(h: number): IndexEntry | undefined {
    return this.mainChain[h];
  }

  isOnMainChain(e: IndexEntry): boolean {
    return this.mainChain[e.height] === e;
  }

  /** Move the tip: drop main-chain entries above the fork and append the new branch. */
  setTip(tip: IndexEntry): void {
    const branch: IndexEntry[] = [];
    let e: IndexEntry | undefined = tip;
    while (e && this.mainChain[e.height] !== e) {
      branch.push(e);
      e = e.parent;
    }
    const forkHeight = e ? e.height : -1;
    this.mainChain.length = forkHeight + 1;
    for (let i = branch.length - 1; i >= 0; i--) this.mainChain.push(branch[i]!);
  }

  /** The ancestor of `e` at height h (h <= e.height). Uses the main chain when `e` is on it. */
  ancestor(e: IndexEntry, h: number): IndexEntry | undefined {
    if (h > e.height || h < 0) return undefined;
    if (this.isOnMainChain(e)) return this.mainChain[h];
    let cur: IndexEntry | undefined = e;
    while (cur && cur.height > h) {
      if (this.isOnMainChain(cur)) return this.mainChain[h];
      cur = cur.parent;
    }
    return cur;
  }

  /** The last common ancestor of two entries. */
  fork(a: IndexEntry, b: IndexEntry): IndexEntry | undefined {
    let x: IndexEntry | undefined = a;
    let y: IndexEntry | undefined = b;
    while (x && y && x !== y) {
      if (x.height > y.height) x = x.parent;
      else if (y.height > x.height) y = y.parent;
      else {
        x = x.parent;
        y = y.parent;
      }
    }
    return x && y ? x : undefined;
  }

  /**
   * A Bitcoin-style block locator from `e`: the last LOCATOR_DENSE hashes one by one, then
   * exponentially sparser, always ending with genesis.
   */
  locator(e: IndexEntry = this.tip): Uint8Array[] {
    const out: Uint8Array[] = [];
    let step = 1;
    let h = e.height;
    while (h > 0) {
      const at = this.ancestor(e, h);
      if (at) out.push(at.hash);
      if (out.length >= LOCATOR_DENSE) step *= 2;
      h -= step;
    }
    const genesis = this.ancestor(e, 0);
    if (genesis) out.push(genesis.hash);
    return out;
  }

  /** The highest main-chain entry among the locator's hashes (the fork point with a peer). */
  findLocatorFork(locator: Uint8Array[]): IndexEntry | undefined {
    for (const h of locator) {
      const e = this.get(h);
      if (e && this.isOnMainChain(e)) return e;
    }
    return this.mainChain[0];
  }
}
