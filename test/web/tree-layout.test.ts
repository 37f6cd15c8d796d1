/**
 * The block tree's layout (ui/shared/tree-layout.ts), which both pages draw: the main chain on
 * row 0, each side branch on a row of its own that it keeps, rows reused only once free.
 */
import { layoutTree, type TreeBlock } from '../../ui/shared/tree-layout.js';

const b = (hash: string, height: number, prev: string, status: TreeBlock['status'] = 'main'): TreeBlock => ({
  hash,
  height,
  prev,
  status,
});

test('main chain on row 0, branches below, each continuing its own row', () => {
  const { placed, lanes } = layoutTree([
    b('m1', 1, 'g'),
    b('m2', 2, 'm1'),
    b('m3', 3, 'm2'),
    b('m4', 4, 'm3'),
    // a two-block branch from m1, and a one-block branch from m2 that overlaps it in height
    b('a2', 2, 'm1', 'side'),
    b('a3', 3, 'a2', 'side'),
    b('c3', 3, 'm2', 'invalid'),
  ]);
  const lane = Object.fromEntries(placed.map((p) => [p.hash, p.lane]));
  expect(lane).toEqual({ m1: 0, m2: 0, m3: 0, m4: 0, a2: 1, a3: 1, c3: 2 });
  expect(lanes).toBe(3);
  expect(placed.find((p) => p.hash === 'a3')!.parent!.hash).toBe('a2');
  // A block whose parent is not drawn has no edge.
  expect(placed.find((p) => p.hash === 'm1')!.parent).toBeUndefined();
});

test('a row is reused by a later branch once the earlier one has ended', () => {
  const { placed, lanes } = layoutTree([
    b('m1', 1, 'g'),
    b('m2', 2, 'm1'),
    b('m3', 3, 'm2'),
    b('m4', 4, 'm3'),
    b('m5', 5, 'm4'),
    b('a2', 2, 'm1', 'side'),
    b('z4', 4, 'm3', 'side'),
    b('z5', 5, 'z4', 'side'),
  ]);
  expect(Object.fromEntries(placed.map((p) => [p.hash, p.lane]))).toMatchObject({ a2: 1, z4: 1, z5: 1 });
  expect(lanes).toBe(2);
});
