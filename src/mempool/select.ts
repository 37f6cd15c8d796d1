import { feeRate, type MempoolEntry } from './entry.js';

interface Candidate {
  e: MempoolEntry;
  /** Fee rate of the entry with its not-yet-selected in-pool ancestors. */
  score: number;
  version: number;
}

/** Better candidate first: higher score, then older, then lower txid (deterministic). */
const before = (a: Candidate, b: Candidate): boolean =>
  a.score > b.score || (a.score === b.score && (a.e.time < b.e.time || (a.e.time === b.e.time && a.e.id < b.e.id)));

/** A binary max-heap of candidates. */
class Heap {
  private readonly a: Candidate[] = [];
  get size(): number {
    return this.a.length;
  }
  push(c: Candidate): void {
    const a = this.a;
    a.push(c);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Candidate | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Transactions for a block template: highest ancestor-package fee rate first, every parent before
 * its children, within `maxBytes`. A transaction is considered with its not-yet-selected
 * in-pool ancestors, so a high-fee child pulls in its low-fee parent (child pays for parent).
 * Once a package is selected, the scores of its descendants are recomputed without it: a child
 * whose parent is already in competes on its own fee rate.
 */
export function selectForBlock(entries: ReadonlyMap<string, MempoolEntry>, maxBytes: number): MempoolEntry[] {
  const chosen = new Set<string>();
  const version = new Map<string, number>();

  /** In-pool ancestors not selected yet (a selected entry's ancestors are all selected). */
  const pendingAncestors = (e: MempoolEntry): MempoolEntry[] => {
    const seen = new Set<string>();
    const stack = [...e.parents];
    const out: MempoolEntry[] = [];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id) || chosen.has(id)) continue;
      seen.add(id);
      const p = entries.get(id);
      if (!p) continue;
      out.push(p);
      stack.push(...p.parents);
    }
    return out;
  };
  const candidate = (e: MempoolEntry): Candidate => {
    let fee = e.fee;
    let size = e.size;
    for (const a of pendingAncestors(e)) {
      fee += a.fee;
      size += a.size;
    }
    return { e, score: feeRate(fee, size), version: version.get(e.id) ?? 0 };
  };

  const heap = new Heap();
  for (const e of entries.values()) heap.push(candidate(e));

  const out: MempoolEntry[] = [];
  let bytes = 0;
  while (heap.size > 0) {
    const { e, version: v } = heap.pop()!;
    if (chosen.has(e.id) || v !== (version.get(e.id) ?? 0)) continue;
    const pkg = [...pendingAncestors(e), e];
    const pkgBytes = pkg.reduce((n, x) => n + x.size, 0);
    if (bytes + pkgBytes > maxBytes) continue;
    // Parents first: order the package by depth (a parent is always shallower than its child).
    const depth = new Map<string, number>();
    const depthOf = (x: MempoolEntry): number => {
      const known = depth.get(x.id);
      if (known !== undefined) return known;
      let d = 0;
      for (const pid of x.parents) {
        const p = entries.get(pid);
        if (p && !chosen.has(pid)) d = Math.max(d, depthOf(p) + 1);
      }
      depth.set(x.id, d);
      return d;
    };
    pkg.sort((a, b) => depthOf(a) - depthOf(b));
    for (const x of pkg) {
      chosen.add(x.id);
      out.push(x);
    }
    bytes += pkgBytes;

    // Descendants of what was just selected lost (some of) their pending ancestors: rescore them.
    const stale = new Set<string>();
    const stack = pkg.flatMap((x) => [...x.children]);
    while (stack.length) {
      const id = stack.pop()!;
      if (stale.has(id) || chosen.has(id)) continue;
      const d = entries.get(id);
      if (!d) continue;
      stale.add(id);
      stack.push(...d.children);
    }
    for (const id of stale) {
      version.set(id, (version.get(id) ?? 0) + 1);
      heap.push(candidate(entries.get(id)!));
    }
  }
  return out;
}
