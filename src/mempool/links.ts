import type { MempoolEntry } from './entry.js';

/** The pool's entries by id: what the walks along parent and child links read. */
export type Entries = ReadonlyMap<string, MempoolEntry>;

/** In-pool ancestors of a transaction with these parents (the walk stops once past `max`). */
export function ancestorsOf(entries: Entries, parents: ReadonlySet<string>, max: number): Set<string> {
  const seen = new Set<string>();
  const stack = [...parents];
  while (stack.length && seen.size <= max) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(entries.get(id)?.parents ?? []));
  }
  return seen;
}

/** The entry and everything in the pool that descends from it. */
export function withDescendants(entries: Entries, e: MempoolEntry): MempoolEntry[] {
  const out: MempoolEntry[] = [];
  const seen = new Set<string>();
  const stack = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x.id)) continue;
    seen.add(x.id);
    out.push(x);
    for (const c of x.children) {
      const ce = entries.get(c);
      if (ce) stack.push(ce);
    }
  }
  return out;
}

/**
 * For each member x of `pkg` and each in-pool ancestor of x (up to `max` deep) outside `pkg` and
 * `skip`: fn(ancestor, x).
 */
export function forEachAncestorOutside(
  entries: Entries,
  pkg: readonly MempoolEntry[],
  skip: ReadonlySet<string>,
  max: number,
  fn: (ancestor: string, x: MempoolEntry) => void,
): void {
  const inPkg = new Set(pkg.map((x) => x.id));
  for (const x of pkg) {
    for (const a of ancestorsOf(entries, x.parents, max)) if (!inPkg.has(a) && !skip.has(a)) fn(a, x);
  }
}

/**
 * `list` reordered so every in-pool parent comes before its children, otherwise keeping the
 * given order. Entry times alone do not give that: a parent re-admitted after a reorg is
 * younger than the children that stayed in the pool.
 */
export function topological(entries: Entries, list: readonly MempoolEntry[]): MempoolEntry[] {
  const out: MempoolEntry[] = [];
  const done = new Set<string>();
  const visit = (e: MempoolEntry): void => {
    if (done.has(e.id)) return;
    done.add(e.id);
    for (const p of e.parents) {
      const pe = entries.get(p);
      if (pe) visit(pe);
    }
    out.push(e);
  };
  for (const e of list) visit(e);
  return out;
}
