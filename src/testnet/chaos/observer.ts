/**
 * Watches a chaos run and writes what it sees to the history:
 * - every second, each peer's tip and mempool size (`tips`), after fetching every block the tips
 *   lead to that has not been seen yet (`block`, with its transactions and the outpoints they
 *   spend), so a tips line only names blocks the history already holds;
 * - the payments the workload had accepted, as they are confirmed on each peer's chain (depth 1
 *   and 6) and reorganised out of it (`payment confirmed` / `unconfirmed`, with the depth it had);
 * - from each node's log, its reorganisations (fork height, blocks disconnected and connected),
 *   invalid blocks and bans, at the time the node logged them;
 * - every five seconds, the miners' hash rates (`mining`), from which the checker tells how many
 *   blocks each side of a partition could be expected to find.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { GENESIS_HASHES } from '../../consensus/params/networks.js';
import type { RpcClient } from '../../rpc/client.js';
import { parseCoins, type RawNumber } from '../../rpc/json.js';
import { logFile, rpcFor } from '../processes.js';
import { BlockTree, PeerChains, type BlockInfo } from './chain-view.js';
import type {
  BlockEvent,
  HistoryWriter,
  LogEvent,
  MiningEvent,
  PaymentEvent,
  ReorgEvent,
  TipsEvent,
} from './history.js';
import type { ChaosPeers } from './peers.js';

const SAMPLE_MS = 1_000;
const MINING_EVERY = 5;
/** Depths at which a payment's confirmation on a peer is written down. */
const MILESTONES = [1, 6];
/** The most a log read takes in one go: a peer that logged more than this in a second waits. */
const MAX_LOG_READ = 4 * 1024 * 1024;

interface RpcBlock {
  hash: string;
  height: number;
  previousblockhash: string;
  time: number;
  bits: string;
  tx: {
    txid: string;
    vin: { coinbase?: string; txid?: string; vout?: number }[];
    vout: { value: unknown; address?: string }[];
  }[];
}

export class Observer {
  readonly tree = new BlockTree();
  readonly chains: PeerChains;
  private readonly genesis: string;
  private readonly logPos: number[];
  private readonly logRest: string[];
  private readonly payments = new Map<number, { txid: string; depth: number[]; max: number[]; said: number[] }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private ticks = 0;
  private readonly waiters: ((s: TipsEvent) => void)[] = [];
  /** Every tips sample so far (one a second: a long run's are a few MB at most). */
  readonly samples: TipsEvent[] = [];

  constructor(
    private readonly peers: ChaosPeers,
    private readonly history: HistoryWriter,
    private readonly addresses: string[],
    /** The wall-clock time (ms) history time 0 stands for, to place node-log lines. */
    private readonly startWallMs: number,
  ) {
    this.chains = new PeerChains(this.tree, peers.count);
    this.genesis = GENESIS_HASHES[peers.state.network];
    this.logPos = Array.from({ length: peers.count }, () => 0);
    this.logRest = Array.from({ length: peers.count }, () => '');
  }

  start(): void {
    const tick = () => {
      if (!this.running)
        this.running = this.sampleAll()
          .catch(() => undefined)
          .finally(() => (this.running = undefined));
      this.timer = setTimeout(tick, SAMPLE_MS);
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.readLogs();
  }

  /** The next tips sample (resolves once it is written). */
  nextSample(): Promise<TipsEvent> {
    return new Promise((r) => this.waiters.push(r));
  }

  track(id: number, txid: string): void {
    const zeros = () => Array.from({ length: this.peers.count }, () => 0);
    this.payments.set(id, { txid, depth: zeros(), max: zeros(), said: zeros() });
  }

  private async sampleAll(): Promise<void> {
    const n = this.peers.count;
    const answers = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const rpc = this.peers.isUp(i) ? rpcFor(this.peers.peer(i), 5_000) : undefined;
        if (!rpc) return null;
        try {
          const [info, mempool] = await Promise.all([
            rpc.call<{ blocks: number; bestblockhash: string }>('getblockchaininfo'),
            rpc.call<{ size: number }>('getmempoolinfo'),
          ]);
          return { rpc, height: info.blocks, tip: info.bestblockhash, mempool: mempool.size };
        } catch {
          return null;
        }
      }),
    );
    const tips: ([number, string] | null)[] = [];
    for (const [i, a] of answers.entries()) {
      if (a && a.height > 0 && !(await this.fetchAncestry(a.rpc, a.tip, i))) {
        tips.push(null);
        continue;
      }
      tips.push(a ? [a.height, a.tip] : null);
      if (a && a.height > 0) this.chains.setTip(i, a.tip, a.height);
    }
    const sample = this.history.write<TipsEvent>({
      type: 'tips',
      tips,
      mempool: answers.map((a) => (a ? a.mempool : null)),
    });
    this.samples.push(sample);
    this.followPayments(tips);
    this.readLogs();
    if (this.ticks++ % MINING_EVERY === 0) await this.sampleMining();
    for (const w of this.waiters.splice(0)) w(sample);
  }

  /** Fetch the blocks from `tip` down to one already known; false if the peer stopped answering. */
  private async fetchAncestry(rpc: RpcClient, tip: string, peer: number): Promise<boolean> {
    const fetched: BlockInfo[] = [];
    let hash = tip;
    while (hash !== this.genesis && !this.tree.has(hash)) {
      let b: RpcBlock;
      try {
        b = await rpc.call<RpcBlock>('getblock', [hash, 2]);
      } catch {
        return false;
      }
      fetched.push(this.toInfo(b, peer));
      hash = b.previousblockhash;
    }
    for (const info of fetched.reverse()) {
      if (this.tree.has(info.hash)) continue;
      this.tree.add(info);
      this.history.write<BlockEvent>({ type: 'block', ...info });
    }
    return true;
  }

  private toInfo(b: RpcBlock, peer: number): BlockInfo {
    const [coinbase, ...rest] = b.tx;
    const payTo = coinbase?.vout[0]?.address;
    const miner = payTo ? this.addresses.indexOf(payTo) : -1;
    return {
      hash: b.hash,
      prev: b.previousblockhash,
      height: b.height,
      time: b.time,
      bits: b.bits,
      miner: miner >= 0 ? miner : null,
      coinbase: (coinbase?.vout ?? [])
        .reduce((sum, o) => sum + parseCoins(o.value as RawNumber | number), 0n)
        .toString(),
      coinbaseTxid: coinbase?.txid ?? '',
      txs: rest.map((tx) => ({ txid: tx.txid, spends: tx.vin.map((v) => `${v.txid}:${v.vout}`) })),
      peer,
    };
  }

  private followPayments(tips: ([number, string] | null)[]): void {
    for (const [id, pay] of this.payments) {
      for (let p = 0; p < tips.length; p++) {
        if (!tips[p]) continue;
        const depth = this.chains.depth(p, pay.txid);
        if (depth > 0) {
          pay.max[p] = Math.max(pay.max[p]!, depth);
          const milestone = MILESTONES.filter((m) => depth >= m).at(-1) ?? 0;
          if (milestone > pay.said[p]!) {
            pay.said[p] = milestone;
            this.history.write<PaymentEvent>({ type: 'payment', op: 'confirmed', id, txid: pay.txid, peer: p, depth });
          }
        } else if (pay.depth[p]! > 0) {
          this.history.write<PaymentEvent>({
            type: 'payment',
            op: 'unconfirmed',
            id,
            txid: pay.txid,
            peer: p,
            depth: pay.max[p]!,
          });
          pay.said[p] = 0;
          pay.max[p] = 0;
        }
        pay.depth[p] = depth;
      }
    }
  }

  private async sampleMining(): Promise<void> {
    const rates = await Promise.all(
      this.peers.state.peers.map(async (p, i) => {
        const rpc = p.miner && this.peers.isUp(i) ? rpcFor(p, 5_000) : undefined;
        if (!rpc) return null;
        try {
          const m = await rpc.call<{ hashespersec: unknown }>('getmininginfo');
          return Number(String(m.hashespersec));
        } catch {
          return null;
        }
      }),
    );
    this.history.write<MiningEvent>({ type: 'mining', rates });
  }

  /** Read what each node logged since the last read, for reorganisations, invalid blocks and bans. */
  readLogs(): void {
    for (let i = 0; i < this.peers.count; i++) {
      const file = logFile(this.peers.peer(i));
      if (!existsSync(file)) continue;
      const size = statSync(file).size;
      if (size <= this.logPos[i]!) continue;
      const len = Math.min(size - this.logPos[i]!, MAX_LOG_READ);
      const buf = Buffer.alloc(len);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, buf, 0, len, this.logPos[i]!);
      } finally {
        closeSync(fd);
      }
      this.logPos[i]! += len;
      const text = this.logRest[i] + buf.toString('utf8');
      const lines = text.split('\n');
      this.logRest[i] = lines.pop()!;
      for (const line of lines) this.logLine(i, line);
    }
  }

  private logLine(peer: number, line: string): void {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const wall = typeof e.time === 'string' ? Date.parse(e.time) : typeof e.time === 'number' ? e.time : NaN;
    const t = Number.isFinite(wall)
      ? Math.max(0, Math.min(this.history.now(), wall - this.startWallMs))
      : this.history.now();
    if (e.msg === 'reorganisation' && typeof e.fork === 'string')
      this.history.write<ReorgEvent>({
        type: 'reorg',
        t,
        peer,
        fork: e.fork,
        forkHeight: Number(e.forkHeight),
        disconnected: Number(e.disconnected),
        connected: Number(e.connected),
      });
    else if (e.msg === 'invalid block' || e.msg === 'peer banned') {
      const { level: _l, time: _t, msg: _m, ...detail } = e;
      this.history.write<LogEvent>({
        type: 'log',
        t,
        peer,
        what: e.msg === 'invalid block' ? 'invalid-block' : 'ban',
        detail,
      });
    }
  }
}
