/**
 * The payments of a chaos run: every `payEveryMs`, a peer with coins pays another peer's address
 * through its wallet, exactly as a person would (`powchain wallet send`, against its own node).
 * Choices (who pays whom, how much) come from a generator seeded from the run's seed. While a
 * partition is up, every other payment goes across it. At most two payments are in flight, and never
 * two from one wallet (a wallet is one file, and one person).
 *
 * Each payment is written to the history when it is submitted, and then as `accepted` (the node
 * took it: the wallet printed a txid; from then on it must never silently vanish) or `failed`
 * (no funds yet, the node was down, ...: nothing was promised).
 */
import { prng } from '../../collections/prng.js';
import { parseCoins, parseJsonExact, RawNumber } from '../../rpc/json.js';
import { walletRun } from '../processes.js';
import type { HistoryWriter, PaymentEvent } from './history.js';
import type { Observer } from './observer.js';
import type { ChaosPeers } from './peers.js';
import type { PartitionFault } from './schedule.js';

const MAX_IN_FLIGHT = 2;

interface WalletSend {
  txid: string;
  fee: unknown;
  inputs: { txid: string; vout: number }[];
}

export class Workload {
  private readonly next: () => number;
  private readonly funded = new Set<number>();
  /** Payments received by peers not funded yet: a wallet spends confirmed coins (and its own change). */
  private readonly receipts: { to: number; txid: string }[] = [];
  private readonly busy = new Set<number>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private partitioned = 0;
  accepted = 0;
  failed = 0;

  constructor(
    private readonly peers: ChaosPeers,
    private readonly history: HistoryWriter,
    private readonly observer: Observer,
    seed: number,
    private readonly payEveryMs: number,
    private readonly partition: () => PartitionFault | undefined,
  ) {
    this.next = prng(seed ^ 0x5eed);
    peers.state.peers.forEach((p, i) => p.miner && this.funded.add(i));
  }

  start(): void {
    const tick = () => {
      this.tick();
      this.timer = setTimeout(tick, this.payEveryMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stop paying and wait for the payments in flight. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.inFlight]);
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs.length ? xs[Math.floor(this.next() * xs.length)] : undefined;
  }

  private tick(): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) return;
    const n = this.peers.count;
    for (const r of this.receipts.splice(0))
      if (this.observer.chains.depth(r.to, r.txid) > 0) this.funded.add(r.to);
      else if (!this.funded.has(r.to)) this.receipts.push(r);
    const from = this.pick([...this.funded].filter((i) => this.peers.isUp(i) && !this.busy.has(i)).sort());
    if (from === undefined) return;
    const p = this.partition();
    const side = p?.sides.find((s) => s.includes(from));
    const across = p ? p.sides.filter((s) => s !== side).flat() : [];
    const others = Array.from({ length: n }, (_, i) => i).filter((i) => i !== from);
    // While split, every other payment crosses the partition.
    const cross = across.length > 0 && this.partitioned++ % 2 === 0;
    const to = cross ? this.pick(across)! : this.pick(others)!;
    // Miners pay 2-10 coins, enough for the payee to pay on; the others pay 0.01-0.50.
    const cents = this.peers.peer(from).miner ? 200 + Math.floor(this.next() * 801) : 1 + Math.floor(this.next() * 50);
    const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const id = this.nextId++;
    const task = this.pay(id, from, to, amount).finally(() => {
      this.busy.delete(from);
      this.inFlight.delete(task);
    });
    this.busy.add(from);
    this.inFlight.add(task);
  }

  private async pay(id: number, from: number, to: number, amount: string): Promise<void> {
    const s = this.peers.state;
    this.history.write<PaymentEvent>({
      type: 'payment',
      op: 'submitted',
      id,
      from,
      to,
      amount: parseCoins(amount).toString(),
    });
    try {
      const out = await walletRun(s, s.peers[from]!, ['send', s.peers[to]!.address!, amount]);
      const r = parseJsonExact(out) as WalletSend;
      const fee = parseCoins(r.fee instanceof RawNumber ? r.fee : String(r.fee));
      this.history.write<PaymentEvent>({
        type: 'payment',
        op: 'accepted',
        id,
        txid: r.txid,
        fee: fee.toString(),
        inputs: r.inputs.map((i) => `${i.txid}:${i.vout}`),
        peer: from,
      });
      this.observer.track(id, r.txid);
      if (!this.funded.has(to)) this.receipts.push({ to, txid: r.txid });
      this.accepted++;
    } catch (err) {
      this.history.write<PaymentEvent>({ type: 'payment', op: 'failed', id, error: (err as Error).message });
      this.failed++;
    }
  }
}
