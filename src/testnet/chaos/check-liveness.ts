/**
 * Liveness, the checker's judgement of progress: during each partition every side whose miners
 * were up made blocks, judged only where the miners' measured hash rate made several blocks
 * expected (finding none when seven were expected happens by chance less than once in a thousand
 * runs); every crashed peer answered again; the chain grew while the faults lasted.
 */
import { blockWork } from '../../consensus/pow.js';
import type { PropertyVerdict } from './check-types.js';
import { secs } from './format.js';
import type { Replay } from './replay.js';
import { describeFault, type PartitionFault } from './schedule.js';

/** A side is judged on liveness only when its miners could expect at least this many blocks. */
export const LIVENESS_MIN_EXPECTED = 7;

export function liveness(r: Replay): PropertyVerdict {
  const ev: string[] = [];
  const notes: string[] = [];
  const end = r.samples.at(-1)?.t ?? 0;
  const downDuring = (peer: number, a: number, b: number) =>
    r.faults.some(
      (w) =>
        (w.fault.kind === 'crash' || w.fault.kind === 'clock') &&
        w.fault.peer === peer &&
        (w.applied ?? Infinity) < b &&
        a < (w.healed ?? end),
    );
  for (const w of r.faults) {
    if (w.fault.kind !== 'partition' || w.applied === undefined) continue;
    const p = w.fault as PartitionFault;
    const a = w.applied;
    const b = w.healed ?? end;
    for (const side of p.sides) {
      const gained = sideHeight(r, side, b) - sideHeight(r, side, a);
      const miners = side.filter((q) => q < r.run.miners && !downDuring(q, a, b));
      const expected = expectedBlocks(r, miners, a, b, side);
      const label = `#${w.id} ${describeFault(p)}: side [${side.join(',')}]`;
      if (gained > 0)
        notes.push(`${label} made ${gained} blocks in ${secs(b - a)} (about ${expected.toFixed(1)} expected)`);
      else if (expected >= LIVENESS_MIN_EXPECTED)
        ev.push(
          `${label} made no block in ${secs(b - a)}, though its miners' hash rate should have found ${expected.toFixed(1)}`,
        );
      else notes.push(`${label} made no block; with ${expected.toFixed(1)} expected that is not judged`);
    }
  }
  for (const w of r.faults) {
    if (w.fault.kind !== 'crash' || w.healed === undefined) continue;
    const peer = w.fault.peer;
    const back = r.samples.find((s) => s.t >= w.healed! && s.tips[peer] !== null);
    if (!back) ev.push(`peer ${peer}, killed at ${secs(w.applied ?? 0)}, never answered again after its restart`);
    else notes.push(`peer ${peer} killed at ${secs(w.applied ?? 0)}, answering again at ${secs(back.t)}`);
  }
  const start = r.phases.get('faults');
  if (start !== undefined) {
    const before = Math.max(...(r.samples.find((s) => s.t >= start)?.tips ?? []).map((x) => x?.[0] ?? 0));
    const after = Math.max(...(r.samples.at(-1)?.tips ?? []).map((x) => x?.[0] ?? 0));
    if (!(after > before)) ev.push(`the chain did not grow during the run (height ${before} to ${after})`);
    else notes.push(`the chain grew from height ${before} to ${after}`);
  }
  return {
    name: 'liveness',
    held: ev.length === 0,
    summary:
      ev.length === 0
        ? 'blocks kept coming on every side of every partition that could make them; every crashed peer came back'
        : 'progress stopped where it should not have',
    evidence: [...ev, ...notes],
  };
}

/** The highest tip among `side`'s peers at the last sample up to `t` (or the first, if none is). */
function sideHeight(r: Replay, side: number[], t: number): number {
  const s = r.samples.filter((x) => x.t <= t).at(-1) ?? r.samples[0];
  return Math.max(0, ...side.map((p) => s?.tips[p]?.[0] ?? 0));
}

/** Blocks `miners` could expect to find between a and b: their hash rate over the work per block. */
function expectedBlocks(r: Replay, miners: number[], a: number, b: number, side: number[]): number {
  if (miners.length === 0) return 0;
  const rates = r.mining.filter((m) => m.t >= a && m.t <= b);
  if (rates.length === 0) return 0;
  const rate = miners.reduce((sum, q) => {
    const xs = rates.map((m) => m.rates[q]).filter((x): x is number => typeof x === 'number');
    return sum + (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  }, 0);
  const s = r.samples.find((x) => x.t >= a);
  const tip = side.map((p) => s?.tips[p]).find((x) => x);
  const block = tip ? r.tree.get(tip[1]) : undefined;
  if (!block) return 0;
  const work = Number(blockWork(Number.parseInt(block.bits, 16)));
  return (rate * (b - a)) / 1000 / work;
}
