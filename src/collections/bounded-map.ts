/**
 * A Map that keeps at most `capacity` entries, dropping the oldest first (insertion order; a
 * caller that wants least-recently-used order deletes and re-sets a key when it uses it).
 *
 * Why not `map.delete(map.keys().next().value)`: V8 leaves a hole in a Map's table for every
 * deleted entry until the table is rebuilt, and a new iterator walks over all of them from the
 * start. Evicting from the front one entry at a time is then quadratic: a full 250,000-coin
 * cache spent 44 µs per eviction. Here one iterator lives as long as the map and only moves
 * forward (Map iterators stay valid across inserts and deletes), so each hole is passed once.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  private cursor: Iterator<K> | undefined;
  /** The oldest key, once the cursor has moved past it. */
  private head: { key: K } | undefined;

  /** `onEvict` is told of each entry that `set` pushes out to stay within the capacity. */
  constructor(
    readonly capacity = Infinity,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.capacity) {
      const k = this.oldest();
      if (k !== undefined) {
        const v = super.get(k)!;
        this.delete(k);
        this.onEvict?.(k, v);
      }
    }
    return this;
  }

  override delete(key: K): boolean {
    // A head deleted (and maybe set again, at the end) is no longer the oldest.
    if (this.head && this.head.key === key) this.head = undefined;
    return super.delete(key);
  }

  override clear(): void {
    this.cursor = undefined;
    this.head = undefined;
    super.clear();
  }

  /** The oldest key, or undefined when empty. */
  oldest(): K | undefined {
    if (this.head) return this.head.key;
    if (this.size === 0) return undefined;
    this.cursor ??= this.keys();
    let r = this.cursor.next();
    if (r.done) {
      // Passed the end: everything it passed is gone, so the live entries came after. Start over.
      this.cursor = this.keys();
      r = this.cursor.next();
      if (r.done) return undefined;
    }
    this.head = { key: r.value };
    return r.value;
  }

  /** Delete the oldest entry; returns its key. */
  deleteOldest(): K | undefined {
    const k = this.oldest();
    if (k !== undefined) this.delete(k);
    return k;
  }
}
