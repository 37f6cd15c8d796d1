import { feeRate, type MempoolEntry } from './entry.js';

/**
 * Transactions for a block template: highest ancestor-package fee rate first, every parent before
 * its children, within `maxBytes`. A transaction is considered with its not-yet-selected
 * in-pool ancestors, so a high-fee child pulls in its low-fee parent (child pays for parent).
 */
export function selectForBlock(entries: ReadonlyMap<string, MempoolEntry>, maxBytes: number): MempoolEntry[] {
  const ancestorsOf = (e: MempoolEntry): MempoolEntry[] => {
    const seen = new Set<string>();
    const stack = [...e.parents];
    const out: MempoolEntry[] = [];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const p = entries.get(id);
      if (!p) continue;
      out.push(p);
      stack.push(...p.parents);
    }
    return out;
  };
  const scored = [...entries.values()].map((e) => {
    const anc = ancestorsOf(e);
    let fee = e.fee;
    let size = e.size;
    for (const a of anc) {
      fee += a.fee;
      size += a.size;
    }
    return { e, score: feeRate(fee, size) };
  });
  scored.sort((a, b) => b.score - a.score || a.e.time - b.e.time);

  const chosen = new Set<string>();
  const out: MempoolEntry[] = [];
  let bytes = 0;
  for (const { e } of scored) {
    if (chosen.has(e.id)) continue;
    const pkg = [...ancestorsOf(e).filter((a) => !chosen.has(a.id)), e];
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
  }
  return out;
}
