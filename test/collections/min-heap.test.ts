import { MinHeap } from '../../src/collections/min-heap.js';
import { rng } from '../helpers/random.js';

interface Item {
  key: number;
  at: number;
}

describe('MinHeap', () => {
  test('pops in key order after random pushes, removals and key changes, and onMove always knows every position', () => {
    const rand = rng(11).int;
    const heap = new MinHeap<Item>(
      (a, b) => a.key < b.key,
      (item, at) => (item.at = at),
    );
    const live: Item[] = [];
    for (let step = 0; step < 3_000; step++) {
      const op = rand(4);
      if (op < 2 || live.length === 0) {
        const item = { key: rand(1_000), at: -1 };
        heap.push(item);
        live.push(item);
      } else if (op === 2) {
        const [item] = live.splice(rand(live.length), 1);
        expect(heap.removeAt(item!.at)).toBe(item);
      } else {
        const item = live[rand(live.length)]!;
        item.key = rand(1_000);
        heap.fix(item.at);
      }
      for (const item of live) expect(heap.at(item.at)).toBe(item);
    }
    expect(heap.size).toBe(live.length);
    const popped: number[] = [];
    for (let x = heap.pop(); x; x = heap.pop()) popped.push(x.key);
    expect(popped).toEqual(live.map((i) => i.key).sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
    expect(heap.size).toBe(0);
  });
});
