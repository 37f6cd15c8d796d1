/**
 * Histories written by hand for the checker's tests: a small story of blocks, tip samples,
 * payments, faults and final states, from which a test removes or changes one fact to see the
 * checker notice. `story()` is a healthy run: four peers split [0,2] | [1,3], both sides mine,
 * side B mines more, the partition heals, peers 0 and 2 reorganise (a payment they had confirmed
 * 2 deep goes back to the mempool and is confirmed again on B's chain).
 */
import type { HistoryEvent } from '../../../src/testnet/chaos/history.js';
import type { ScheduledFault } from '../../../src/testnet/chaos/schedule.js';

const SUBSIDY = 5_000_000_000n;

export function hash(label: string): string {
  let h = 0n;
  for (const c of label) h = (h * 131n + BigInt(c.charCodeAt(0))) % (1n << 250n);
  return h.toString(16).padStart(64, '0').replace(/^0/, 'a');
}

export const GENESIS = '000000829ad19f1e640f637fd687eed2a4b4b8708734b8662840ea15f451bb0a';

type AnyEvent = Record<string, unknown> & { type: string; t: number };

export class HistoryBuilder {
  events: AnyEvent[] = [];
  heights = new Map<string, number>();

  constructor(nodes = 4, miners = 2, schedule: ScheduledFault[] = []) {
    this.events.push({
      type: 'run',
      t: 0,
      version: 1,
      startedAt: '2026-12-07T00:00:00.000Z',
      seed: 1,
      nodes,
      miners,
      mode: 'loopback',
      network: 'testnet',
      duration: 40,
      faults: ['split'],
      schedule,
      convergeWithin: 30,
      addresses: Array.from({ length: nodes }, (_, i) => `tpow1peer${i}`),
    });
  }

  push(e: AnyEvent): this {
    this.events.push(e);
    return this;
  }

  /** A block on `prev` mined by `miner`, holding `txs`; returns its hash. */
  block(t: number, name: string, prev: string, miner: number, txs: { txid: string; spends: string[] }[] = []): string {
    const h = hash(name);
    const height = (this.heights.get(prev) ?? 0) + 1;
    this.heights.set(h, height);
    this.push({
      type: 'block',
      t,
      hash: h,
      prev,
      height,
      time: 1795737600 + height * 10,
      bits: '1e01ffff',
      miner,
      coinbase: SUBSIDY.toString(),
      coinbaseTxid: hash(`cb-${name}`),
      txs,
      peer: miner,
    });
    return h;
  }

  tips(t: number, tips: (string | null)[], mempool?: number[]): this {
    return this.push({
      type: 'tips',
      t,
      tips: tips.map((h) => (h ? [this.heights.get(h)!, h] : null)),
      mempool: mempool ?? tips.map(() => 0),
    });
  }

  text(): string {
    return this.events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  }

  get(): HistoryEvent[] {
    return this.events as unknown as HistoryEvent[];
  }
}

export interface Story {
  b: HistoryBuilder;
  /** The payment confirmed on side A and reorganised out of peers 0 and 2. */
  pay: { id: number; txid: string; input: string };
  chainA: string[];
  chainB: string[];
  final: string;
}

/**
 * The healthy run. Heights 1-3 shared; partition at 10 s; A (peers 0, 2) mines a4, a5 with the
 * payment in a4; B (peers 1, 3) mines b4, b5, b6; heal at 30 s; A's peers reorganise to B (fork
 * 3, 2 off, 3 on) at 31 s; the payment is confirmed again in b7; final states at 40 s.
 */
export function story(
  o: {
    rates?: number;
    /** Side A finds its two blocks (default); without them it stays at height 3 while split. */
    aMines?: boolean;
    finalTxs?: { txid: string; spends: string[] }[];
    mempoolAtEnd?: string[];
  } = {},
): Story {
  const schedule: ScheduledFault[] = [
    {
      id: 1,
      start: 0,
      end: 20,
      fault: {
        kind: 'partition',
        shape: 'halves',
        sides: [
          [0, 2],
          [1, 3],
        ],
      },
    },
  ];
  const b = new HistoryBuilder(4, 2, schedule);
  const h1 = b.block(1_000, 'h1', GENESIS, 0);
  const h2 = b.block(2_000, 'h2', h1, 1);
  const h3 = b.block(3_000, 'h3', h2, 0);
  const all = (h: string) => [h, h, h, h];
  b.tips(1_000, all(h1)).tips(2_000, all(h2)).tips(3_000, all(h3));
  b.push({ type: 'phase', t: 5_000, phase: 'faults' });
  b.push({ type: 'mining', t: 5_000, rates: [o.rates ?? 1000, o.rates ?? 1000, null, null] });
  b.push({ type: 'fault', t: 10_000, op: 'apply', id: 1, fault: schedule[0]!.fault });
  const input = `${hash('cb-h1')}:0`;
  const txid = hash('pay1');
  b.push({ type: 'payment', t: 11_000, op: 'submitted', id: 1, from: 0, to: 1, amount: '100000000' });
  b.push({ type: 'payment', t: 11_500, op: 'accepted', id: 1, txid, fee: '226', inputs: [input], peer: 0 });
  const aMines = o.aMines ?? true;
  const a4 = aMines ? b.block(12_000, 'a4', h3, 0, [{ txid, spends: [input] }]) : h3;
  const b4 = b.block(13_000, 'b4', h3, 1);
  b.tips(13_000, [a4, b4, a4, b4], [0, 1, 0, 1]);
  const a5 = aMines ? b.block(16_000, 'a5', a4, 0) : h3;
  const b5 = b.block(17_000, 'b5', b4, 1);
  b.tips(17_000, [a5, b5, a5, b5], [0, 1, 0, 1]);
  const b6 = b.block(25_000, 'b6', b5, 1);
  b.tips(25_000, [a5, b6, a5, b6], [0, 1, 0, 1]);
  b.push({ type: 'mining', t: 25_000, rates: [o.rates ?? 1000, o.rates ?? 1000, null, null] });
  b.push({ type: 'fault', t: 30_000, op: 'heal', id: 1, fault: schedule[0]!.fault });
  b.push({ type: 'phase', t: 30_500, phase: 'heal', repairs: 0 });
  if (aMines)
    for (const p of [0, 2])
      b.push({ type: 'reorg', t: 31_000, peer: p, fork: h3, forkHeight: 3, disconnected: 2, connected: 3 });
  b.tips(32_000, all(b6), [1, 1, 1, 1]);
  const b7 = b.block(35_000, 'b7', b6, 1, o.finalTxs ?? [{ txid, spends: [input] }]);
  b.tips(35_000, all(b7));
  b.push({ type: 'phase', t: 39_000, phase: 'final' });
  for (let p = 0; p < 4; p++)
    b.push({
      type: 'final',
      t: 40_000,
      peer: p,
      tip: b7,
      height: 7,
      utxo: { hash: hash('utxo-b7'), total: (7n * SUBSIDY).toString(), txouts: 9 },
      verifychain: true,
      mempool: o.mempoolAtEnd ?? [],
    });
  b.push({ type: 'end', t: 41_000 });
  return { b, pay: { id: 1, txid, input }, chainA: [a4, a5], chainB: [b4, b5, b6, b7], final: b7 };
}
