/**
 * collections: the data structures every layer shares. BoundedMap, the one bounded, oldest-first
 * map behind every cache and per-peer table (its eviction stays O(1) where V8's keys().next() on
 * a map with many deletions does not), and MinHeap.
 *
 * May import: nothing of powchain (dependency-cruiser: collections-not-to-...).
 */
export { BoundedMap } from './bounded-map.js';
export { MinHeap } from './min-heap.js';
