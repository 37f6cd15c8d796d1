import { feeRate, type MempoolEntry } from './entry.js';

interface Slot {
  entry: MempoolEntry;
  /** The package fee rate this slot is ordered by: descFee over descSize, as feeRate computes it. */
  rate: number;
  /** Order of arrival: ties on rate go to the older entry, as a scan in arrival order would. */
  seq: number;
  /** Where the slot is in the heap array. */
  at: number;
}

/**
 * The pool's entries ordered by package fee rate (an entry with all its in-pool descendants: what
 * eviction removes), lowest first, so that a full pool finds its cheapest package without a pass
 * over every entry.
 *
 * Why: the pool is full exactly when it is busiest, and every transaction that arrives then must
 * find the cheapest package to evict. A scan is O(entries) per eviction round; at the default
 * 64 MB (about 250,000 payments) that is milliseconds for each transaction, and the pool's intake
 * would fall to a few hundred a second under the load it is full from. Here an arrival, a removal
 * or a change of an entry's descendant totals costs O(log n), and reading the cheapest costs
 * O(log n) for each entry skipped.
 *
 * It is an indexed binary min-heap on (rate, seq). The pool tells it about every change to an
 * entry's descFee or descSize (`update`).
 */
export class EvictionIndex {
  private readonly heap: Slot[] = [];
  private readonly slots = new Map<string, Slot>();
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(entry: MempoolEntry): void {
    if (this.slots.has(entry.id)) throw new Error(`entry ${entry.id} is already indexed`);
    const slot: Slot = { entry, rate: packageRate(entry), seq: this.nextSeq++, at: this.heap.length };
    this.heap.push(slot);
    this.slots.set(entry.id, slot);
    this.up(slot.at);
  }

  remove(entry: MempoolEntry): void {
    const slot = this.slots.get(entry.id);
    if (!slot) return;
    this.slots.delete(entry.id);
    const last = this.heap.pop()!;
    if (last === slot) return;
    this.heap[slot.at] = last;
    last.at = slot.at;
    this.down(this.up(last.at));
  }

  /** The entry's descendant totals changed: move it to its new place. */
  update(entry: MempoolEntry): void {
    const slot = this.slots.get(entry.id);
    if (!slot) return;
    slot.rate = packageRate(entry);
    this.down(this.up(slot.at));
  }

  /** The order key of an indexed entry (its package rate as indexed, and its arrival). */
  keyOf(entry: MempoolEntry): { rate: number; seq: number } | undefined {
    const slot = this.slots.get(entry.id);
    return slot && { rate: slot.rate, seq: slot.seq };
  }

  /**
   * Entries from the cheapest package up, with their keys, without changing the index: a walk of
   * the heap in order, which costs O(log n) per entry read. The caller stops when it has what it
   * needs; the index must not change while a walk is in use.
   */
  *ascending(): Generator<{ entry: MempoolEntry; rate: number; seq: number }> {
    // The frontier of the walk: heap positions whose parents were read, kept sorted, cheapest last.
    // It grows by at most one per entry read, and a caller reads few (see planEviction).
    const frontier: Slot[] = this.heap.length > 0 ? [this.heap[0]!] : [];
    while (frontier.length > 0) {
      const slot = frontier.pop()!;
      yield { entry: slot.entry, rate: slot.rate, seq: slot.seq };
      for (const child of [2 * slot.at + 1, 2 * slot.at + 2]) {
        const c = this.heap[child];
        if (!c) continue;
        let i = frontier.length;
        while (i > 0 && this.less(frontier[i - 1]!, c)) i--;
        frontier.splice(i, 0, c);
      }
    }
  }

  private less(a: Slot, b: Slot): boolean {
    return a.rate < b.rate || (a.rate === b.rate && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    a.at = j;
    b.at = i;
  }

  /** Sift up; returns where the slot ended. */
  private up(i: number): number {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i;
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.heap[l]!, this.heap[m]!)) m = l;
      if (r < n && this.less(this.heap[r]!, this.heap[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/** An entry's package rate: itself with all its in-pool descendants. */
export function packageRate(e: MempoolEntry): number {
  return feeRate(e.descFee, e.descSize);
}
