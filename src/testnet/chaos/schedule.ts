/**
 * The fault schedule of a chaos run: which faults, on whom, from when to when. It is a pure
 * function of its options and seed (mulberry32), so the same seed gives the same schedule, and a
 * run's history starts with the schedule it followed.
 *
 * Faults come in lanes, so that they overlap the way real trouble does without undoing each other:
 * - the partition lane: one partition at a time, 15-30 s each with a few seconds between; the
 *   sides are chosen so that each has a miner when there are two or more;
 * - link lanes: slow, jittery, narrow or stalled links, each lane shaping its own share of links;
 * - peer lanes: crashes (SIGKILL, then restart) and clock skews (restart with a shifted clock, then
 *   restart with the true one), one peer per lane at a time; two lanes when crashes are the only
 *   fault (a crash-heavy run). A miner is crashed or skewed only when its side of every partition
 *   it overlaps keeps another miner, so each side of a partition can go on making blocks.
 * Every fault ends by `duration`: after it, the network is whole again and must converge.
 */
import { prng } from '../../collections/prng.js';

export const PARTITION_SHAPES = ['halves', 'majority', 'oneway', 'bridge'] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];

/** What `--faults` accepts: the four kinds, and each partition shape on its own. */
export const FAULT_NAMES = ['partition', 'split', 'majority', 'oneway', 'bridge', 'link', 'clock', 'crash'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export type PartitionFault = {
  kind: 'partition';
  shape: PartitionShape;
  /** `oneway`: packets from sides[0] never reach sides[1] (the other way they do). */
  sides: [number[], number[]];
  /** `bridge`: the one peer that still reaches both sides. */
  middle?: number;
};
export type LinkFault = {
  kind: 'link';
  /** [dialler, listener]: the dialler has the higher index. */
  link: [number, number];
  latencyMs: number;
  jitterMs: number;
  /** Bytes per second each way; 0 is unlimited. */
  bandwidth: number;
  stalled: boolean;
};
export type ClockFault = { kind: 'clock'; peer: number; offset: number };
export type CrashFault = { kind: 'crash'; peer: number };
export type Fault = PartitionFault | LinkFault | ClockFault | CrashFault;

export interface ScheduledFault {
  id: number;
  /** Seconds from the start of the fault phase. */
  start: number;
  end: number;
  fault: Fault;
}

export interface ScheduleOptions {
  seed: number;
  nodes: number;
  miners: number;
  /** Seconds of the fault phase. */
  duration: number;
  faults: FaultName[];
}

const HOUR = 3600;
/** Miners stay within the 2-hour future limit ahead (their blocks must stay acceptable), any amount behind. */
const MINER_SKEWS = [-3 * HOUR, -2 * HOUR, -HOUR, HOUR, 1.5 * HOUR];
const OTHER_SKEWS = [-3 * HOUR, -2 * HOUR, -HOUR, HOUR, 2 * HOUR, 3 * HOUR];
const BANDWIDTHS = [0, 0, 1_000_000, 256_000, 64_000];

/** Whether packets from peer `a` reach peer `b` under a partition. */
export function blocked(p: PartitionFault, a: number, b: number): boolean {
  const [x, y] = p.sides;
  if (p.shape === 'oneway') return x.includes(a) && y.includes(b);
  return (x.includes(a) && y.includes(b)) || (y.includes(a) && x.includes(b));
}

/** Every link of the full mesh, [dialler, listener] with the dialler the higher index. */
export function meshLinks(nodes: number): [number, number][] {
  const links: [number, number][] = [];
  for (let i = 1; i < nodes; i++) for (let j = 0; j < i; j++) links.push([i, j]);
  return links;
}

export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'partition': {
      const [a, b] = f.sides.map((s) => `[${s.join(',')}]`);
      if (f.shape === 'oneway') return `one-way partition ${a} -/-> ${b}`;
      if (f.shape === 'bridge') return `bridge partition ${a} | ${f.middle} | ${b}`;
      return `${f.shape === 'halves' ? 'split' : 'majority/minority'} partition ${a} | ${b}`;
    }
    case 'link': {
      const [i, j] = f.link;
      if (f.stalled) return `link ${i}-${j} stalled`;
      const bw = f.bandwidth > 0 ? `, ${Math.round(f.bandwidth / 1000)} kB/s` : '';
      return `link ${i}-${j} slow: ${f.latencyMs} ms ± ${f.jitterMs} ms${bw}`;
    }
    case 'clock':
      return `peer ${f.peer} clock ${f.offset >= 0 ? '+' : '-'}${formatHours(Math.abs(f.offset))}`;
    case 'crash':
      return `peer ${f.peer} killed (SIGKILL), restarted when the fault ends`;
  }
}

function formatHours(s: number): string {
  return `${Number((s / HOUR).toFixed(2))}h`;
}

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

/** The partition shapes a list of fault names enables. */
function shapesOf(faults: FaultName[]): PartitionShape[] {
  const set = new Set<PartitionShape>();
  for (const f of faults) {
    if (f === 'partition') PARTITION_SHAPES.forEach((s) => set.add(s));
    if (f === 'split') set.add('halves');
    if (f === 'majority' || f === 'oneway' || f === 'bridge') set.add(f);
  }
  return PARTITION_SHAPES.filter((s) => set.has(s));
}

export function makeSchedule(o: ScheduleOptions): ScheduledFault[] {
  if (o.nodes < 2) throw new ScheduleError('faults need at least 2 peers');
  const next = prng(o.seed);
  const uniform = (a: number, b: number) => a + (b - a) * next();
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const shuffle = <T>(xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  const round1 = (x: number) => Math.round(x * 10) / 10;
  const out: Omit<ScheduledFault, 'id'>[] = [];
  const isMiner = (p: number) => p < o.miners;

  // The partition lane.
  const shapes = shapesOf(o.faults).filter((s) => s !== 'bridge' || o.nodes >= 3);
  if (shapes.length > 0) {
    let t = uniform(2, 5);
    while (t + 10 <= o.duration) {
      const len = Math.min(uniform(15, 30), o.duration - t);
      const shape = pick(shapes);
      const miners = shuffle(Array.from({ length: o.miners }, (_, i) => i));
      const others = shuffle(Array.from({ length: o.nodes - o.miners }, (_, i) => o.miners + i));
      let middle: number | undefined;
      if (shape === 'bridge') middle = others.length > 0 ? others.pop() : miners.pop();
      const n = miners.length + others.length;
      const sizeA = shape === 'majority' ? Math.floor(n / 2) + 1 : Math.floor(n / 2);
      // Miners alternate between the sides first, so each side gets one when there are two.
      const a: number[] = [];
      const b: number[] = [];
      miners.forEach((m, k) => ((k % 2 === 0 && a.length < sizeA) || b.length >= n - sizeA ? a : b).push(m));
      for (const p of others) (a.length < sizeA ? a : b).push(p);
      const fault: PartitionFault = {
        kind: 'partition',
        shape,
        sides: [a.sort((x, y) => x - y), b.sort((x, y) => x - y)],
        ...(middle !== undefined ? { middle } : {}),
      };
      if (a.length > 0 && b.length > 0) out.push({ start: round1(t), end: round1(t + len), fault });
      t += len + uniform(3, 6);
    }
  }
  const partitions = out.map((f) => ({ ...f }));

  // Link lanes: each shapes its own share of the mesh.
  if (o.faults.includes('link')) {
    const links = shuffle(meshLinks(o.nodes));
    const lanes = Math.max(1, Math.round(links.length / 5));
    for (let lane = 0; lane < lanes; lane++) {
      const mine = links.filter((_, i) => i % lanes === lane);
      let t = uniform(0, 4);
      while (t + 2 <= o.duration) {
        const stalled = next() < 0.25;
        const len = Math.min(stalled ? uniform(2, 8) : uniform(5, 15), o.duration - t);
        const latencyMs = stalled ? 0 : Math.round(uniform(20, 400));
        const fault: LinkFault = {
          kind: 'link',
          link: pick(mine),
          latencyMs,
          jitterMs: stalled ? 0 : Math.round(uniform(0, latencyMs / 2)),
          bandwidth: stalled ? 0 : pick(BANDWIDTHS),
          stalled,
        };
        out.push({ start: round1(t), end: round1(t + len), fault });
        t += len + uniform(1, 4);
      }
    }
  }

  // Peer lanes: crashes and clock skews.
  const peerKinds = (['crash', 'clock'] as const).filter((k) => o.faults.includes(k));
  if (peerKinds.length > 0) {
    const lanes = peerKinds.length === 1 && peerKinds[0] === 'crash' && o.nodes >= 4 ? 2 : 1;
    const peerFaults: Omit<ScheduledFault, 'id'>[] = [];
    const busy = (p: number, s: number, e: number) =>
      peerFaults.some((f) => (f.fault as ClockFault | CrashFault).peer === p && f.start < e + 2 && s < f.end + 2);
    /** A miner may go only if every partition it overlaps leaves its side another miner. */
    const spare = (p: number, s: number, e: number) =>
      !isMiner(p) ||
      partitions.every(({ start, end, fault }) => {
        if (end <= s || e <= start) return true;
        const side = (fault as PartitionFault).sides.find((x) => x.includes(p)) ?? [];
        return side.some((q) => q !== p && isMiner(q));
      });
    for (let lane = 0; lane < lanes; lane++) {
      let t = uniform(1, 4);
      while (t + 3 <= o.duration) {
        const kind = pick(peerKinds);
        const len = Math.min(kind === 'crash' ? uniform(3, 10) : uniform(10, 25), o.duration - t);
        const s = round1(t);
        const e = round1(t + len);
        const eligible = Array.from({ length: o.nodes }, (_, p) => p).filter((p) => !busy(p, s, e) && spare(p, s, e));
        if (eligible.length > 0) {
          const peer = pick(eligible);
          const fault: Fault =
            kind === 'crash'
              ? { kind: 'crash', peer }
              : { kind: 'clock', peer, offset: pick(isMiner(peer) ? MINER_SKEWS : OTHER_SKEWS) };
          peerFaults.push({ start: s, end: e, fault });
        }
        t += len + uniform(2, 5);
      }
    }
    out.push(...peerFaults);
  }

  return out.sort((x, y) => x.start - y.start || x.end - y.end).map((f, id) => ({ id: id + 1, ...f }));
}
