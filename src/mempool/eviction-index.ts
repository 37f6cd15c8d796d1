import { MinHeap } from '../collections/min-heap.js';
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
 * It is a binary min-heap on (rate, seq) that knows each entry's position. The pool tells it about
 * every change to an entry's descFee or descSize (`update`).
 */
export class EvictionIndex {
  private readonly heap = new MinHeap<Slot>(lessSlot, (slot, at) => (slot.at = at));
  private readonly slots = new Map<string, Slot>();
  private nextSeq = 0;

  get size(): number {
    return this.heap.size;
  }

  add(entry: MempoolEntry): void {
    if (this.slots.has(entry.id)) throw new Error(`entry ${entry.id} is already indexed`);
    const slot: Slot = { entry, rate: packageRate(entry), seq: this.nextSeq++, at: -1 };
    this.slots.set(entry.id, slot);
    this.heap.push(slot);
  }

  remove(entry: MempoolEntry): void {
    const slot = this.slots.get(entry.id);
    if (!slot) return;
    this.slots.delete(entry.id);
    this.heap.removeAt(slot.at);
  }

  /** The entry's descendant totals changed: move it to its new place. */
  update(entry: MempoolEntry): void {
    const slot = this.slots.get(entry.id);
    if (!slot) return;
    slot.rate = packageRate(entry);
    this.heap.fix(slot.at);
  }

  /** The order key of an indexed entry (its package rate as indexed, and its arrival). */
  keyOf(entry: MempoolEntry): { rate: number; seq: number } | undefined {
    const slot = this.slots.get(entry.id);
    return slot && { rate: slot.rate, seq: slot.seq };
  }

  /**
   * Entries from the cheapest package up, with their keys, without changing the index: a walk of
   * the heap in order through a frontier heap of the positions reached, O(log k) per entry read
   * after k. The caller stops when it has what it needs; the index must not change while a walk is
   * in use (planEviction reads one walk across all its rounds, and changes nothing until after).
   */
  *ascending(): Generator<{ entry: MempoolEntry; rate: number; seq: number }> {
    const frontier = new MinHeap<Slot>(lessSlot);
    const root = this.heap.at(0);
    if (root) frontier.push(root);
    for (let slot = frontier.pop(); slot; slot = frontier.pop()) {
      yield { entry: slot.entry, rate: slot.rate, seq: slot.seq };
      for (const child of [this.heap.at(2 * slot.at + 1), this.heap.at(2 * slot.at + 2)])
        if (child) frontier.push(child);
    }
  }
}

/** Cheaper package first; on equal rates, the older entry. */
function lessSlot(a: Slot, b: Slot): boolean {
  return a.rate < b.rate || (a.rate === b.rate && a.seq < b.seq);
}

/** An entry's package rate: itself with all its in-pool descendants. */
export function packageRate(e: MempoolEntry): number {
  return feeRate(e.descFee, e.descSize);
}
