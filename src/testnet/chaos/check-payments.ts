/**
 * Durability, the checker's judgement of payments: what became of every payment a wallet was
 * given a txid for. On the final chain, or in a mempool: kept. Displaced by something the final
 * chain shows (a conflicting spend of one of its coins, or a coin only a reorganised-out block had
 * made, directly or through a payment that was itself displaced): explained. Anything else: gone,
 * a violation.
 */
import type { PaymentFate, PropertyVerdict } from './check-types.js';
import { short } from './format.js';
import type { Replay } from './replay.js';

export interface Fate {
  fate: PaymentFate;
  why: string;
}

export function paymentFates(
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

export function durability(r: Replay, fates: Map<number, Fate>): PropertyVerdict {
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
