/**
 * The fault schedule: the same seed gives the same schedule and another seed another; every
 * fault lies inside the fault phase; partitions never overlap and give each side a miner (when
 * there are two), with the sizes their shape says; a link or a peer is never under two faults at
 * once; a miner is never taken down while it is its side's only miner; a crash-only run crashes
 * two peers at a time; and `blocked` says which packets a partition drops. Checked over many
 * seeds and sizes.
 */
import {
  blocked,
  makeSchedule,
  meshLinks,
  ScheduleError,
  type FaultName,
  type PartitionFault,
  type ScheduledFault,
} from '../../../src/testnet/chaos/schedule.js';

const ALL: FaultName[] = ['partition', 'link', 'clock', 'crash'];
const overlap = (a: ScheduledFault, b: ScheduledFault) => a.start < b.end && b.start < a.end;

test('the same seed gives the same schedule; another seed another', () => {
  const o = { nodes: 6, miners: 2, duration: 120, faults: ALL };
  const a = makeSchedule({ ...o, seed: 42 });
  expect(makeSchedule({ ...o, seed: 42 })).toEqual(a);
  expect(makeSchedule({ ...o, seed: 43 })).not.toEqual(a);
  expect(a.map((f) => f.id)).toEqual(a.map((_, i) => i + 1));
  expect(new Set(a.map((f) => f.fault.kind))).toEqual(new Set(['partition', 'link', 'clock', 'crash']));
});

test('over many seeds and sizes, every schedule keeps its rules', () => {
  for (let seed = 1; seed <= 60; seed++) {
    for (const [nodes, miners] of [
      [2, 1],
      [3, 2],
      [4, 2],
      [6, 2],
      [6, 3],
      [9, 4],
    ] as const) {
      const duration = 30 + (seed % 5) * 30;
      const s = makeSchedule({ seed, nodes, miners, duration, faults: ALL });
      const isMiner = (p: number) => p < miners;
      for (const f of s) {
        expect(f.start).toBeGreaterThanOrEqual(0);
        expect(f.end).toBeLessThanOrEqual(duration);
        expect(f.end).toBeGreaterThan(f.start);
      }
      const parts = s.filter((f) => f.fault.kind === 'partition');
      for (const [i, p] of parts.entries()) {
        for (const q of parts.slice(i + 1)) expect(overlap(p, q)).toBe(false);
        const x = p.fault as PartitionFault;
        const everyone = [...x.sides[0], ...x.sides[1], ...(x.middle !== undefined ? [x.middle] : [])].sort(
          (a, b) => a - b,
        );
        expect(everyone).toEqual(Array.from({ length: nodes }, (_, k) => k));
        expect(x.sides[0].length).toBeGreaterThan(0);
        expect(x.sides[1].length).toBeGreaterThan(0);
        if (miners >= 2) for (const side of x.sides) expect(side.some(isMiner)).toBe(true);
        const n = nodes - (x.middle !== undefined ? 1 : 0);
        if (x.shape === 'majority') expect(x.sides[0].length).toBe(Math.floor(n / 2) + 1);
        else expect(x.sides[0].length).toBe(Math.floor(n / 2));
        expect(x.middle !== undefined).toBe(x.shape === 'bridge');
      }
      const links = s.filter((f) => f.fault.kind === 'link');
      for (const [i, l] of links.entries())
        for (const m of links.slice(i + 1))
          if ((l.fault as { link: number[] }).link.join() === (m.fault as { link: number[] }).link.join())
            expect(overlap(l, m)).toBe(false);
      const peerFaults = s.filter((f) => f.fault.kind === 'crash' || f.fault.kind === 'clock');
      for (const [i, f] of peerFaults.entries()) {
        const peer = (f.fault as { peer: number }).peer;
        for (const g of peerFaults.slice(i + 1))
          if ((g.fault as { peer: number }).peer === peer) expect(overlap(f, g)).toBe(false);
        if (!isMiner(peer)) continue;
        for (const p of parts)
          if (overlap(f, p)) {
            const side = (p.fault as PartitionFault).sides.find((x) => x.includes(peer)) ?? [];
            expect(side.some((q) => q !== peer && isMiner(q))).toBe(true);
          }
      }
    }
  }
});

test('each fault name gives its faults only; a crash-only run crashes two peers at once', () => {
  const kinds = (faults: FaultName[]) =>
    new Set(
      makeSchedule({ seed: 7, nodes: 6, miners: 2, duration: 120, faults }).map((f) =>
        f.fault.kind === 'partition' ? f.fault.shape : f.fault.kind,
      ),
    );
  expect(kinds(['split'])).toEqual(new Set(['halves']));
  expect(kinds(['oneway'])).toEqual(new Set(['oneway']));
  expect(kinds(['majority', 'bridge'])).toEqual(new Set(['majority', 'bridge']));
  expect(kinds(['partition'])).toEqual(new Set(['halves', 'majority', 'oneway', 'bridge']));
  expect(kinds(['link', 'clock'])).toEqual(new Set(['link', 'clock']));
  expect(kinds([])).toEqual(new Set());
  const crashes = makeSchedule({ seed: 7, nodes: 6, miners: 2, duration: 120, faults: ['crash'] });
  expect(crashes.some((f, i) => crashes.slice(i + 1).some((g) => overlap(f, g)))).toBe(true);
  const skews = makeSchedule({ seed: 9, nodes: 6, miners: 2, duration: 600, faults: ['clock'] }).map((f) => f.fault);
  for (const c of skews)
    if (c.kind === 'clock') {
      expect(Math.abs(c.offset)).toBeGreaterThanOrEqual(3600);
      // A miner's blocks must stay acceptable: never past the 2-hour future limit.
      if (c.peer < 2) expect(c.offset).toBeLessThan(7200);
    }
  expect(() => makeSchedule({ seed: 1, nodes: 1, miners: 1, duration: 60, faults: ALL })).toThrow(ScheduleError);
});

test('blocked: which packets a partition drops', () => {
  const split: PartitionFault = {
    kind: 'partition',
    shape: 'halves',
    sides: [
      [0, 1],
      [2, 3],
    ],
  };
  expect([blocked(split, 0, 2), blocked(split, 2, 0), blocked(split, 0, 1), blocked(split, 3, 2)]).toEqual([
    true,
    true,
    false,
    false,
  ]);
  const oneway: PartitionFault = { kind: 'partition', shape: 'oneway', sides: [[0], [1, 2]] };
  expect([blocked(oneway, 0, 1), blocked(oneway, 1, 0), blocked(oneway, 2, 0)]).toEqual([true, false, false]);
  const bridge: PartitionFault = { kind: 'partition', shape: 'bridge', sides: [[0], [2]], middle: 1 };
  expect([blocked(bridge, 0, 2), blocked(bridge, 0, 1), blocked(bridge, 1, 2)]).toEqual([true, false, false]);
  expect(meshLinks(4)).toEqual([
    [1, 0],
    [2, 0],
    [2, 1],
    [3, 0],
    [3, 1],
    [3, 2],
  ]);
});
