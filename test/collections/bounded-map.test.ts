import { BoundedMap } from '../../src/collections/bounded-map.js';

describe('BoundedMap', () => {
  it('drops the oldest inserted entries first once over capacity', () => {
    const m = new BoundedMap<string, number>(3);
    for (const k of ['a', 'b', 'c', 'd', 'e']) m.set(k, k.charCodeAt(0));
    expect([...m.keys()]).toEqual(['c', 'd', 'e']);
    expect(m.size).toBe(3);
  });

  it('tells onEvict of each entry the capacity pushes out, with its value, and of nothing else', () => {
    const evicted: [string, number][] = [];
    const m = new BoundedMap<string, number>(2, (k, v) => evicted.push([k, v]));
    m.set('a', 1).set('b', 2);
    m.set('b', 20); // an update evicts nothing
    m.delete('a'); // nor does a delete by hand
    m.set('c', 3).set('d', 4);
    expect(evicted).toEqual([['b', 20]]);
    expect([...m.entries()]).toEqual([
      ['c', 3],
      ['d', 4],
    ]);
  });

  it('updating a value keeps its place; delete and set again moves it to the newest (LRU use)', () => {
    const m = new BoundedMap<string, number>(3);
    m.set('a', 1).set('b', 2).set('c', 3);
    m.set('a', 10); // still the oldest
    expect(m.oldest()).toBe('a');
    m.delete('a');
    m.set('a', 11); // now the newest
    m.set('d', 4);
    expect([...m.entries()]).toEqual([
      ['c', 3],
      ['a', 11],
      ['d', 4],
    ]);
  });

  it('oldest() peeks without removing, and is right after the peeked key is deleted by hand', () => {
    const m = new BoundedMap<string, number>();
    m.set('x', 1).set('y', 2).set('z', 3);
    expect(m.oldest()).toBe('x');
    expect(m.oldest()).toBe('x');
    expect(m.has('x')).toBe(true);
    m.delete('x');
    expect(m.oldest()).toBe('y');
    expect(m.deleteOldest()).toBe('y');
    expect([...m.keys()]).toEqual(['z']);
  });

  it('entries deleted in the middle are skipped; an emptied map starts over', () => {
    const m = new BoundedMap<number, number>(100);
    for (let i = 0; i < 10; i++) m.set(i, i);
    for (const i of [0, 1, 2, 5, 6]) m.delete(i);
    expect([m.deleteOldest(), m.deleteOldest(), m.deleteOldest()]).toEqual([3, 4, 7]);
    m.delete(8);
    m.delete(9);
    expect(m.oldest()).toBeUndefined();
    m.set(42, 1);
    expect(m.oldest()).toBe(42);
    m.clear();
    expect(m.oldest()).toBeUndefined();
    m.set(7, 7);
    expect(m.deleteOldest()).toBe(7);
    expect(m.size).toBe(0);
  });

  it('matches a plain insertion-order model over a random mix of sets, updates and deletes', () => {
    let seed = 11;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    const capacity = 50;
    const m = new BoundedMap<number, number>(capacity);
    let model: [number, number][] = [];
    for (let step = 0; step < 20_000; step++) {
      const k = rand(200);
      const op = rand(3);
      if (op === 0) {
        m.delete(k);
        model = model.filter(([mk]) => mk !== k);
      } else {
        m.set(k, step);
        const at = model.findIndex(([mk]) => mk === k);
        if (at >= 0) model[at] = [k, step];
        else model.push([k, step]);
        if (model.length > capacity) model.shift();
      }
      if (step % 97 === 0) expect(m.oldest()).toBe(model[0]?.[0]);
    }
    expect([...m.entries()]).toEqual(model);
  });
});
