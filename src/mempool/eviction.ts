import { feeRate, type MempoolEntry } from './entry.js';
import type { EvictionIndex } from './eviction-index.js';

/** What planning an eviction reads of the pool (Mempool.evictionContext). */
export interface EvictionContext {
  /** Bytes in the pool now, and the most it may hold. */
  readonly bytes: number;
  readonly maxBytes: number;
  /** The entries by package fee rate. */
  readonly index: EvictionIndex;
  entry(id: string): MempoolEntry | undefined;
  /** The entry and everything in the pool that descends from it. */
  withDescendants(e: MempoolEntry): MempoolEntry[];
  /** For each member x of `pkg` and each in-pool ancestor of x outside `pkg` and `skip`: fn(ancestor, x). */
  forEachAncestorOutside(
    pkg: readonly MempoolEntry[],
    skip: ReadonlySet<string>,
    fn: (ancestor: string, x: MempoolEntry) => void,
  ): void;
}

interface Candidate {
  e: MempoolEntry;
  rate: number;
  seq: number;
  /** An ancestor of the newcomer: its package would include the newcomer. */
  ancestor: boolean;
}

/**
 * The entries to evict so that `size` more bytes fit: lowest fee-rate packages (a transaction
 * with its descendants) first, and only packages paying less than `rate`. The package of an
 * ancestor of the newcomer includes the newcomer (evicting it would orphan the newcomer); if
 * such a package is the cheapest, the newcomer cannot get in. Undefined when the room cannot
 * be made: nothing is evicted then. Evicts nothing itself.
 *
 * The cheapest package comes from the eviction index. Only two kinds of entry have another
 * package than the index holds: the newcomer's ancestors (their packages would include it) and
 * the ancestors of packages planned already (their packages lose those). Both are few (bounded
 * by the ancestor limit per package), so they are priced apart, and the index gives the cheapest
 * of the rest. Ties go to the older entry, as one pass over the entries in arrival order did.
 */
export function planEviction(
  pool: EvictionContext,
  size: number,
  fee: bigint,
  rate: number,
  ancestors: ReadonlySet<string>,
): MempoolEntry[] | undefined {
  const gone = new Set<string>();
  const out: MempoolEntry[] = [];
  // What packages planned for eviction take out of the descendant totals of the entries that stay.
  const less = new Map<string, { fee: bigint; size: number }>();
  let bytes = pool.bytes;
  // One walk of the index for all rounds: it does not change while planning, and what is skipped
  // (planned, or priced apart) only grows, so each round goes on from where the last one stopped.
  // A fresh walk per round made planning quadratic in the packages evicted.
  const walk = pool.index.ascending();
  let next: { entry: MempoolEntry; rate: number; seq: number } | undefined;
  let walked = false;
  const pricedApart = (id: string): boolean => gone.has(id) || ancestors.has(id) || less.has(id);
  while (bytes + size > pool.maxBytes) {
    let worst: Candidate | undefined;
    const consider = (c: Candidate): void => {
      if (!worst || c.rate < worst.rate || (c.rate === worst.rate && c.seq < worst.seq)) worst = c;
    };
    for (const id of new Set([...ancestors, ...less.keys()])) {
      const e = pool.entry(id);
      if (!e || gone.has(id)) continue;
      const d = less.get(id);
      const ancestor = ancestors.has(id);
      const pkgFee = e.descFee - (d?.fee ?? 0n) + (ancestor ? fee : 0n);
      const pkgSize = e.descSize - (d?.size ?? 0) + (ancestor ? size : 0);
      consider({ e, rate: feeRate(pkgFee, pkgSize), seq: pool.index.keyOf(e)!.seq, ancestor });
    }
    while (!walked && (!next || pricedApart(next.entry.id))) {
      const r = walk.next();
      if (r.done) walked = true;
      next = r.done ? undefined : r.value;
    }
    if (next) consider({ e: next.entry, rate: next.rate, seq: next.seq, ancestor: false });
    const cheapest = worst as Candidate | undefined;
    if (!cheapest || cheapest.ancestor || cheapest.rate >= rate) return undefined;
    const pkg = pool.withDescendants(cheapest.e).filter((x) => !gone.has(x.id));
    for (const x of pkg) {
      gone.add(x.id);
      less.delete(x.id);
      out.push(x);
      bytes -= x.size;
    }
    pool.forEachAncestorOutside(pkg, gone, (a, x) => {
      const d = less.get(a) ?? { fee: 0n, size: 0 };
      d.fee += x.fee;
      d.size += x.size;
      less.set(a, d);
    });
  }
  return out;
}
