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
import { durability, paymentFates } from './check-payments.js';
import { liveness } from './check-liveness.js';
import type { CheckReport, PaymentFate, PropertyVerdict } from './check-types.js';
import { coins, secs, short } from './format.js';
import { onOneTip, type History, type TipsEvent } from './history.js';
import { finalChain, replay, type Replay } from './replay.js';

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

function convergedAt(r: Replay): { sample: TipsEvent; ms: number } | undefined {
  const from = lastHeal(r);
  const s = r.samples.find((x) => x.t >= from && onOneTip(x));
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

export {
  PROPERTIES,
  type CheckReport,
  type PaymentFate,
  type PropertyName,
  type PropertyVerdict,
} from './check-types.js';
export { LIVENESS_MIN_EXPECTED } from './check-liveness.js';
