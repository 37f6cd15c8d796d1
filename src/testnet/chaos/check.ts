/**
 * The checker: judges a chaos history against the properties a user of a ledger relies on, each
 * with the evidence for its verdict. Runs at the end of `powchain testnet chaos` and alone on a
 * file (`powchain testnet check FILE`): the history is all it reads.
 *
 * - convergence: after the last heal, a sample where every peer reports the same tip, within the
 *   run's bound; the time it took is the headline figure.
 * - agreement: at the final state every peer has that tip, the same UTXO set hash, and passed
 *   `verifychain` over every block.
 * - conservation: every peer's UTXO total is the subsidy of the final chain's blocks (fees move
 *   coins, they never make any), and no outpoint is spent twice on the final chain.
 * - durability: every payment a wallet was given a txid for is on the final chain, or in a
 *   mempool, or was displaced by something the final chain shows (a conflicting spend of its
 *   coins, or coins that only a reorganised-out block had created); anything else is gone. Each
 *   payment that was confirmed k deep on a peer and then reorganised out of its chain is listed
 *   with k: on proof of work, depth is a probability of staying, never a guarantee.
 * - liveness: during each partition, every side that had a miner up the whole time made blocks
 *   (judged only where the miners' hash rate made several blocks expected: a side that could have
 *   expected seven blocks and made none happens by chance less than once in a thousand runs);
 *   every crashed peer came back; the chain grew while the faults lasted.
 */
import { blockSubsidy } from '../../consensus/amounts.js';
import { networks } from '../../consensus/params/networks.js';
import { blockWork } from '../../consensus/pow.js';
import type { History, TipsEvent } from './history.js';
import { finalChain, replay, type Replay, type ReorgedOut } from './replay.js';
import { describeFault, type PartitionFault } from './schedule.js';

export const PROPERTIES = ['convergence', 'agreement', 'conservation', 'durability', 'liveness'] as const;
export type PropertyName = (typeof PROPERTIES)[number];

export interface PropertyVerdict {
  name: PropertyName;
  held: boolean;
  summary: string;
  evidence: string[];
}

export type PaymentFate = 'final' | 'mempool' | 'conflicted' | 'orphaned' | 'gone';

export interface CheckReport {
  held: boolean;
  run: Replay['run'];
  properties: PropertyVerdict[];
  figures: {
    /** When the network was last made whole (ms into the run). */
    lastHealAt: number;
    /** Milliseconds from the last heal to the first sample with every peer on one tip. */
    convergenceMs: number | null;
    /** Per partition: when it healed, and how long until every answering peer was on one tip (null: not before the next partition). */
    partitions: { id: number; healedAt: number; oneTipAfterMs: number | null }[];
    finalHeight: number | null;
    blocksSeen: number;
    staleBlocks: number;
    reorgs: number;
    deepestReorg: { depth: number; peer: number; t: number } | null;
    payments: Record<PaymentFate | 'submitted' | 'accepted' | 'refused', number>;
    /** Payments reorganised out of a peer's chain after being confirmed there, deepest first. */
    reorgedOut: (ReorgedOut & { fate: PaymentFate })[];
    difficulty: { min: number; max: number } | null;
  };
  /** Every acknowledged payment and what became of it. */
  payments: { id: number; txid: string; fate: PaymentFate; why: string }[];
  problems: string[];
}

/** A side is judged on liveness only when its miners could expect at least this many blocks. */
export const LIVENESS_MIN_EXPECTED = 7;

const short = (h: string) => `${h.slice(0, 12)}…`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function check(h: History): CheckReport {
  const r = replay(h);
  const chain = finalChain(r);
  const onFinal = new Map<string, number>();
  const spentOnFinal = new Map<string, string>();
  const problems = [...r.problems];
  const doubles: string[] = [];
  for (let height = 1; chain && height < chain.length; height++) {
    const b = r.tree.get(chain[height]!)!;
    for (const tx of b.txs) {
      if (onFinal.has(tx.txid)) doubles.push(`transaction ${short(tx.txid)} is in the final chain twice`);
      onFinal.set(tx.txid, height);
      for (const o of tx.spends) {
        const first = spentOnFinal.get(o);
        if (first)
          doubles.push(
            `outpoint ${short(o)}:${o.split(':')[1]} spent by ${short(first)} and again by ${short(tx.txid)} (height ${height})`,
          );
        else spentOnFinal.set(o, tx.txid);
      }
    }
  }
  const mempools = new Set(r.finals.flatMap((f) => f?.mempool ?? []));
  const fates = paymentFates(r, onFinal, spentOnFinal, mempools, chain);
  const properties = [convergence(r), agreement(r), conservation(r, chain, doubles), durability(r, fates), liveness(r)];
  const counts = { final: 0, mempool: 0, conflicted: 0, orphaned: 0, gone: 0 };
  for (const f of fates.values()) counts[f.fate]++;
  const pays = [...r.payments.values()];
  const deepest = r.reorgs.reduce<CheckReport['figures']['deepestReorg']>(
    (best, g) => (!best || g.disconnected > best.depth ? { depth: g.disconnected, peer: g.peer, t: g.t } : best),
    null,
  );
  const difficulties = chain
    ? chain.slice(1).map((hash) => {
        const b = r.tree.get(hash)!;
        return Number(blockWork(Number.parseInt(b.bits, 16)));
      })
    : [];
  return {
    held: properties.every((p) => p.held) && problems.length === 0,
    run: r.run,
    properties,
    figures: {
      lastHealAt: lastHeal(r),
      convergenceMs: convergedAt(r)?.ms ?? null,
      partitions: partitionRecoveries(r),
      finalHeight: chain ? chain.length - 1 : null,
      blocksSeen: r.tree.size,
      staleBlocks: chain ? r.tree.size - (chain.length - 1) : 0,
      reorgs: r.reorgs.length,
      deepestReorg: deepest,
      payments: {
        submitted: pays.filter((p) => p.submittedAt !== undefined).length,
        accepted: pays.filter((p) => p.txid).length,
        refused: pays.filter((p) => p.error !== undefined).length,
        ...counts,
      },
      reorgedOut: r.reorgedOut
        .map((x) => ({ ...x, fate: fates.get(x.id)?.fate ?? ('gone' as PaymentFate) }))
        .sort((a, b) => b.depth - a.depth || a.t - b.t),
      difficulty:
        difficulties.length > 0
          ? {
              min: Math.min(...difficulties) / limitWork(r.run.network),
              max: Math.max(...difficulties) / limitWork(r.run.network),
            }
          : null,
    },
    payments: [...fates].map(([id, f]) => ({ id, txid: r.payments.get(id)!.txid!, ...f })),
    problems,
  };
}

/** The work of one block at the network's easiest target: difficulty 1. */
function limitWork(network: keyof typeof networks): number {
  return Number((1n << 256n) / (networks[network].powLimit + 1n));
}

/**
 * When the network was last made whole: the last fault's heal, or the run's final heal when it
 * had to mend something (a fault whose own heal failed); the start of the fault phase if none.
 */
function lastHeal(r: Replay): number {
  const heals = r.faults.flatMap((f) => (f.healed !== undefined ? [f.healed] : []));
  const repaired = r.healRepairs > 0 ? [r.phases.get('heal') ?? 0] : [];
  return Math.max(r.phases.get('faults') ?? 0, ...heals, ...repaired);
}

/**
 * For each healed partition, the time to the first sample with every answering peer (two or
 * more: a peer may be down for another fault) on one tip, before the next partition.
 */
function partitionRecoveries(r: Replay): CheckReport['figures']['partitions'] {
  const parts = r.faults.filter((w) => w.fault.kind === 'partition' && w.healed !== undefined);
  const answering = (s: TipsEvent) => {
    const up = s.tips.filter((x) => x !== null);
    return up.length >= 2 && up.every((x) => x[1] === up[0]![1]);
  };
  return parts.map((w, i) => {
    const next = parts[i + 1]?.applied ?? Infinity;
    const s = r.samples.find((x) => x.t >= w.healed! && x.t < next && answering(x));
    return { id: w.id, healedAt: w.healed!, oneTipAfterMs: s ? s.t - w.healed! : null };
  });
}

const agreed = (s: TipsEvent) => s.tips.every((x) => x !== null && x[1] === s.tips[0]![1]);

function convergedAt(r: Replay): { sample: TipsEvent; ms: number } | undefined {
  const from = lastHeal(r);
  const s = r.samples.find((x) => x.t >= from && agreed(x));
  return s ? { sample: s, ms: s.t - from } : undefined;
}

function convergence(r: Replay): PropertyVerdict {
  const bound = r.run.convergeWithin * 1000;
  const c = convergedAt(r);
  const from = lastHeal(r);
  if (!c) {
    const last = r.samples.at(-1);
    const tips = last ? last.tips.map((x, p) => `peer ${p}: ${x ? `${x[0]} ${short(x[1])}` : 'down'}`) : [];
    return {
      name: 'convergence',
      held: false,
      summary: `no sample after the last heal (at ${secs(from)}) had every peer on one tip`,
      evidence: last ? [`last sample (${secs(last.t)}): ${tips.join(', ')}`] : ['no tips were sampled'],
    };
  }
  const [height, hash] = c.sample.tips[0]!;
  return {
    name: 'convergence',
    held: c.ms <= bound,
    summary: `every peer on ${short(hash)} (height ${height}) ${secs(c.ms)} after the last heal (bound ${secs(bound)})`,
    evidence: [`last heal at ${secs(from)}, first sample with one tip at ${secs(c.sample.t)}`],
  };
}

function agreement(r: Replay): PropertyVerdict {
  const ev: string[] = [];
  const finals = r.finals;
  finals.forEach((f, p) => {
    if (!f) ev.push(`peer ${p}: no final state`);
    else if (f.verifychain !== true)
      ev.push(`peer ${p}: verifychain ${f.verifychain === false ? 'failed' : `not run (${f.verifychain})`}`);
    if (f && !f.utxo) ev.push(`peer ${p}: no UTXO set statistics`);
  });
  const tips = new Set(finals.map((f) => f?.tip));
  const hashes = new Set(finals.map((f) => f?.utxo?.hash));
  if (tips.size > 1)
    ev.push(`final tips differ: ${finals.map((f, p) => `peer ${p} ${f?.tip ? short(f.tip) : '-'}`).join(', ')}`);
  if (hashes.size > 1)
    ev.push(
      `UTXO set hashes differ: ${finals.map((f, p) => `peer ${p} ${f?.utxo ? short(f.utxo.hash) : '-'}`).join(', ')}`,
    );
  const any = finals.find((f) => f?.utxo);
  return {
    name: 'agreement',
    held: ev.length === 0,
    summary:
      ev.length === 0
        ? `${finals.length} peers on one tip with one UTXO set hash (${short(any!.utxo!.hash)}); verifychain passed on each`
        : `the peers' final states disagree or fail verification`,
    evidence: ev,
  };
}

function conservation(r: Replay, chain: string[] | undefined, doubles: string[]): PropertyVerdict {
  if (!chain)
    return {
      name: 'conservation',
      held: false,
      summary: 'no final chain to count (no final tip, or the history lacks its blocks)',
      evidence: [],
    };
  const params = networks[r.run.network];
  let minted = 0n;
  for (let height = 1; height < chain.length; height++) minted += blockSubsidy(height, params.halvingInterval);
  const ev = [...doubles];
  r.finals.forEach((f, p) => {
    if (f?.utxo && BigInt(f.utxo.total) !== minted)
      ev.push(
        `peer ${p}: UTXO total ${coins(BigInt(f.utxo.total))}, but ${chain.length - 1} blocks minted ${coins(minted)}`,
      );
  });
  return {
    name: 'conservation',
    held: ev.length === 0,
    summary:
      ev.length === 0
        ? `UTXO total ${coins(minted)} = the subsidy of ${chain.length - 1} blocks on every peer; no outpoint spent twice on the final chain`
        : 'coins were made or lost, or spent twice',
    evidence: ev,
  };
}

export function coins(sats: bigint): string {
  const s = sats.toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`;
}

interface Fate {
  fate: PaymentFate;
  why: string;
}

function paymentFates(
  r: Replay,
  onFinal: Map<string, number>,
  spentOnFinal: Map<string, string>,
  mempools: Set<string>,
  chain: string[] | undefined,
): Map<number, Fate> {
  const byTxid = new Map([...r.payments.values()].filter((p) => p.txid).map((p) => [p.txid!, p]));
  const finalBlocks = new Set(chain ?? []);
  const coinbases = new Map([...r.tree.all()].map((b) => [b.coinbaseTxid, b.hash]));
  const fates = new Map<number, Fate>();
  const fateOf = (id: number, seen: Set<number>): Fate => {
    const known = fates.get(id);
    if (known) return known;
    const p = r.payments.get(id)!;
    const txid = p.txid!;
    let f: Fate;
    if (onFinal.has(txid)) f = { fate: 'final', why: `on the final chain at height ${onFinal.get(txid)}` };
    else if (mempools.has(txid)) f = { fate: 'mempool', why: 'in a mempool at the end' };
    else {
      f = { fate: 'gone', why: 'neither on the final chain nor in any mempool, and nothing explains it' };
      for (const o of p.inputs) {
        const rival = spentOnFinal.get(o);
        if (rival && rival !== txid) {
          f = { fate: 'conflicted', why: `its input ${short(o)} is spent on the final chain by ${short(rival)}` };
          break;
        }
        const parent = o.split(':')[0]!;
        if (onFinal.has(parent) || mempools.has(parent)) continue;
        const coinbaseOf = coinbases.get(parent);
        if (coinbaseOf && !finalBlocks.has(coinbaseOf)) {
          f = { fate: 'orphaned', why: `it spent the coinbase of block ${short(coinbaseOf)}, reorganised out` };
          break;
        }
        const up = byTxid.get(parent);
        if (up && !seen.has(up.id)) {
          const pf = fateOf(up.id, new Set([...seen, id]));
          if (pf.fate !== 'final' && pf.fate !== 'mempool') {
            f = { fate: 'orphaned', why: `it spent change of payment #${up.id}, which is ${pf.fate}` };
            break;
          }
        }
      }
    }
    fates.set(id, f);
    return f;
  };
  for (const p of r.payments.values()) if (p.txid) fateOf(p.id, new Set());
  return fates;
}

function durability(r: Replay, fates: Map<number, Fate>): PropertyVerdict {
  const gone = [...fates.entries()].filter(([, f]) => f.fate === 'gone');
  const count = (x: PaymentFate) => [...fates.values()].filter((f) => f.fate === x).length;
  const explained = [...fates.entries()]
    .filter(([, f]) => f.fate === 'conflicted' || f.fate === 'orphaned')
    .map(([id, f]) => `payment #${id} ${short(r.payments.get(id)!.txid!)}: ${f.fate}, ${f.why}`);
  const deepest = r.reorgedOut.reduce((m, x) => Math.max(m, x.depth), 0);
  return {
    name: 'durability',
    held: gone.length === 0,
    summary:
      `${fates.size} payments acknowledged: ${count('final')} on the final chain, ${count('mempool')} in mempools, ` +
      `${count('conflicted') + count('orphaned')} displaced by what the final chain shows, ${gone.length} gone; ` +
      `${new Set(r.reorgedOut.map((x) => x.id)).size} were reorganised out after confirmation` +
      (deepest > 0 ? ` (deepest k = ${deepest})` : ''),
    evidence: [
      ...gone.map(([id, f]) => `payment #${id} ${short(r.payments.get(id)!.txid!)}: GONE: ${f.why}`),
      ...explained,
    ],
  };
}

function liveness(r: Replay): PropertyVerdict {
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
