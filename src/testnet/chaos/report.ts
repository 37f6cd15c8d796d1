/**
 * The checker's verdict for people: what was run, the faults as they happened, each property
 * held or violated with its evidence, and the figures (convergence time after the last heal,
 * the deepest reorganisation, every payment reorganised out after confirmation and how deep it
 * was). `--json` prints the CheckReport itself.
 */
import type { CheckReport } from './check.js';
import { secs } from './format.js';
import { describeFault } from './schedule.js';

export function renderReport(c: CheckReport, o: { history?: string; svg?: string; maxEvidence?: number } = {}): string {
  const run = c.run;
  const max = o.maxEvidence ?? 8;
  const out: string[] = [];
  out.push(
    `chaos run: seed ${run.seed}, ${run.nodes} peers (${run.miners} mining), ${run.mode} mode, ` +
      `${run.duration} s of faults (${run.faults.join(', ') || 'none'}), started ${run.startedAt}`,
  );
  if (o.history) out.push(`history: ${o.history}`);
  if (o.svg) out.push(`timeline: ${o.svg}`);
  out.push('', `faults (${run.schedule.length}, times from the start of the fault phase):`);
  for (const f of run.schedule)
    out.push(
      `  ${f.start.toFixed(1).padStart(6)} - ${f.end.toFixed(1).padStart(6)} s  #${f.id} ${describeFault(f.fault)}`,
    );
  out.push('', 'properties:');
  for (const p of c.properties) {
    out.push(`  ${p.held ? 'held    ' : 'VIOLATED'}  ${p.name.padEnd(12)} ${p.summary}`);
    for (const e of p.evidence.slice(0, max)) out.push(`              ${e}`);
    if (p.evidence.length > max)
      out.push(`              ... and ${p.evidence.length - max} more (--json has them all)`);
  }
  if (c.problems.length > 0) {
    out.push('', 'the history itself is faulty:');
    for (const p of c.problems.slice(0, max)) out.push(`  ${p}`);
  }
  const f = c.figures;
  const pay = f.payments;
  out.push(
    '',
    'figures:',
    `  convergence after the last heal: ${f.convergenceMs === null ? 'never' : secs(f.convergenceMs)}`,
    ...f.partitions.map(
      (x) =>
        `  partition #${x.id}, healed at ${secs(x.healedAt)}: ${x.oneTipAfterMs === null ? 'the peers were not on one tip before the next partition' : `every answering peer on one tip ${secs(x.oneTipAfterMs)} later`}`,
    ),
    `  final chain: height ${f.finalHeight ?? '-'}; ${f.blocksSeen} blocks seen, ${f.staleBlocks} of them left off it`,
    `  reorganisations: ${f.reorgs}${f.deepestReorg ? `, deepest ${f.deepestReorg.depth} block${f.deepestReorg.depth === 1 ? '' : 's'} (peer ${f.deepestReorg.peer} at ${secs(f.deepestReorg.t)})` : ''}`,
    `  payments: ${pay.submitted} submitted, ${pay.accepted} accepted, ${pay.refused} refused; ` +
      `of the accepted: ${pay.final} on the final chain, ${pay.mempool} in mempools, ${pay.conflicted} conflicted, ${pay.orphaned} orphaned, ${pay.gone} gone`,
  );
  if (f.difficulty)
    out.push(`  difficulty on the final chain: ${f.difficulty.min.toFixed(3)} to ${f.difficulty.max.toFixed(3)}`);
  const byPayment = new Map<number, typeof f.reorgedOut>();
  for (const x of f.reorgedOut) byPayment.set(x.id, [...(byPayment.get(x.id) ?? []), x]);
  out.push(`  payments reorganised out after confirmation: ${byPayment.size}`);
  for (const [id, xs] of [...byPayment].slice(0, max)) {
    const k = Math.max(...xs.map((x) => x.depth));
    const peers = [...new Set(xs.map((x) => x.peer))].sort((a, b) => a - b);
    const first = Math.min(...xs.map((x) => x.t));
    out.push(
      `    #${id} ${xs[0]!.txid.slice(0, 12)}…: up to ${k} deep; reorganised out ${xs.length === 1 ? 'once' : `${xs.length} times`} ` +
        `(peer${peers.length > 1 ? 's' : ''} ${peers.join(', ')}), first at ${secs(first)}; now ${xs[0]!.fate}`,
    );
  }
  if (byPayment.size > max) out.push(`    ... and ${byPayment.size - max} more`);
  if (byPayment.size > 0)
    out.push(
      '  (finality on proof of work is a matter of depth: a confirmed payment stays only while the',
      '  chain that holds it has the most work. A partition builds two chains; healing keeps one, and',
      "  the other side's confirmations, however deep, go back to the mempool.)",
    );
  out.push('', c.held ? 'verdict: every property held' : `verdict: VIOLATED (${violated(c).join(', ')})`);
  return out.join('\n');
}

function violated(c: CheckReport): string[] {
  const names = c.properties.filter((p) => !p.held).map((p) => p.name as string);
  return c.problems.length > 0 ? [...names, 'history'] : names;
}

/** The report as JSON, amounts kept as base-unit strings (as in the history). */
export function reportJson(c: CheckReport, o: { history?: string; svg?: string } = {}): string {
  return JSON.stringify({ ...o, ...c }, null, 2);
}
