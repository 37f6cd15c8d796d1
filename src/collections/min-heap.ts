/**
 * A binary min-heap under `less`. `onMove(item, index)` is told every item's new position, so a
 * caller can keep an index of positions and then remove or re-place an item by its position
 * (`removeAt`, `fix`) in O(log n): a priority queue whose keys may change.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly less: (a: T, b: T) => boolean,
    private readonly onMove: (item: T, index: number) => void = () => undefined,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** The item at a position (0 is the least); children of i are 2i+1 and 2i+2. */
  at(index: number): T | undefined {
    return this.items[index];
  }

  push(item: T): void {
    this.items.push(item);
    this.place(this.items.length - 1);
  }

  pop(): T | undefined {
    return this.items.length > 0 ? this.removeAt(0) : undefined;
  }

  /** Remove the item at `index` and return it. */
  removeAt(index: number): T {
    const item = this.items[index]!;
    const last = this.items.pop()!;
    if (index < this.items.length) {
      this.items[index] = last;
      this.fix(index);
    }
    return item;
  }

  /** The item at `index` changed its key: move it to where it now belongs. */
  fix(index: number): void {
    this.down(this.place(index));
  }

  /** Sift up from `i`, telling onMove where the item ends; returns that position. */
  private place(i: number): number {
    const item = this.items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = this.items[parent]!;
      if (!this.less(item, p)) break;
      this.items[i] = p;
      this.onMove(p, i);
      i = parent;
    }
    this.items[i] = item;
    this.onMove(item, i);
    return i;
  }

  private down(i: number): void {
    const n = this.items.length;
    const item = this.items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(this.items[r]!, this.items[l]!) ? r : l;
      const child = this.items[c]!;
      if (!this.less(child, item)) break;
      this.items[i] = child;
      this.onMove(child, i);
      i = c;
    }
    this.items[i] = item;
    this.onMove(item, i);
  }
}
