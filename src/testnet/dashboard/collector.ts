import { EventEmitter } from 'node:events';
import { followEvents } from '../../web/sse-client.js';
import { isRunning, rpcFor } from '../processes.js';
import type { PeerState, TestnetState } from '../state.js';
import { FaultLog } from './faults.js';
import type {
  BlockArrival,
  DashboardBlock,
  DashboardPeer,
  DashboardState,
  PeerCondition,
  TimelineEvent,
} from './types.js';

/** How often every peer is asked for its state. */
const POLL_MS = 1_000;
/** Heights of each peer's block tree merged into the shared one. */
const TREE_DEPTH = 30;
/** Blocks whose arrival times are kept. */
const MAX_ARRIVALS = 200;
/** Arrivals shown (newest first). */
const SHOWN_ARRIVALS = 25;
/** Hash-rate samples kept per miner (five minutes at one a second). */
const MAX_SAMPLES = 300;
/** The timeline's longest window, its shortest, and its cap in events. */
const TIMELINE_MS = 15 * 60_000;
const MIN_TIMELINE_MS = 20_000;
const MAX_EVENTS = 5_000;

interface NodeTree {
  tip: { hash: string; height: number };
  blocks: { hash: string; height: number; prev: string; status: 'main' | 'side' | 'invalid' }[];
  orphans: { hash: string; missing: string }[];
}

interface Polled {
  height: number;
  tip: string;
  chainwork: bigint;
  connections: number;
  mempool: number;
  hashRate: number;
  peerIds: string[];
  tree?: NodeTree;
}

export interface CollectorEvents {
  update: [state: DashboardState];
}

/**
 * Watches every peer of a testnet for the dashboard: polls each over RPC and its explorer API
 * (tips, connections, hash rate, block tree) and follows each one's live event feed, whose
 * `block` events carry the time (the peer's wall clock, in ms) the block joined that peer's
 * chain. A block's propagation delay to a peer is that time minus the earliest of all peers'.
 * Everything kept is bounded.
 */
export class DashboardCollector extends EventEmitter<CollectorEvents> {
  private readonly stop = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly polled = new Map<number, Polled | { error: string }>();
  private readonly peerIdOf = new Map<number, string>();
  private readonly feeds = new Map<number, 'live' | 'down'>();
  private readonly arrivals = new Map<string, { height: number; at: Map<number, number> }>();
  private readonly samples = new Map<number, [number, number][]>();
  private readonly events: TimelineEvent[] = [];
  readonly faults: FaultLog;
  private polling = false;
  private state: DashboardState | undefined;

  constructor(
    private readonly testnet: TestnetState,
    faultsFile: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.faults = new FaultLog(faultsFile);
  }

  start(): void {
    for (const p of this.testnet.peers) {
      this.feeds.set(p.index, 'down');
      void followEvents(`http://127.0.0.1:${p.rpcPort}/api/events`, (type, data) => this.onEvent(p.index, type, data), {
        signal: this.stop.signal,
        onState: (s) => this.feeds.set(p.index, s),
      });
    }
    const tick = () => {
      void this.poll().finally(() => {
        if (!this.stop.signal.aborted) this.timer = setTimeout(tick, POLL_MS);
      });
    };
    tick();
  }

  close(): void {
    this.stop.abort();
    clearTimeout(this.timer);
  }

  /** The latest state (after the first poll). */
  current(): DashboardState | undefined {
    return this.state;
  }

  private onEvent(peer: number, type: string, data: unknown): void {
    const d = data as { hash?: unknown; height?: unknown; at?: unknown; disconnected?: unknown; forkHeight?: unknown };
    const t = this.now();
    if (type === 'block' && typeof d.hash === 'string' && typeof d.height === 'number') {
      let a = this.arrivals.get(d.hash);
      if (!a) {
        a = { height: d.height, at: new Map() };
        this.arrivals.set(d.hash, a);
        if (this.arrivals.size > MAX_ARRIVALS) this.arrivals.delete(this.arrivals.keys().next().value!);
      }
      // The peer's own stamp: the moment the block joined its chain, free of the feed's and this
      // process's scheduling (all peers of a testnet share the host's clock). Our clock without it.
      const at = typeof d.at === 'number' && Number.isFinite(d.at) ? d.at : t;
      if (!a.at.has(peer)) a.at.set(peer, at);
    } else if (type === 'tip' && typeof d.height === 'number') {
      this.record({ t, peer, kind: 'tip', height: d.height });
    } else if (type === 'reorg' && Array.isArray(d.disconnected) && typeof d.forkHeight === 'number') {
      this.record({ t, peer, kind: 'reorg', height: d.forkHeight, depth: d.disconnected.length });
    }
  }

  private record(e: TimelineEvent): void {
    this.events.push(e);
    const horizon = this.now() - TIMELINE_MS;
    while (this.events.length > MAX_EVENTS || (this.events[0] && this.events[0].t < horizon)) this.events.shift();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await Promise.all(this.testnet.peers.map((p) => this.pollPeer(p)));
      this.faults.poll();
      this.state = this.build();
      this.emit('update', this.state);
    } finally {
      this.polling = false;
    }
  }

  private async pollPeer(p: PeerState): Promise<void> {
    const rpc = isRunning(p) ? rpcFor(p, 2_000) : undefined;
    if (!rpc) {
      this.polled.set(p.index, { error: isRunning(p) ? 'starting' : 'stopped' });
      return;
    }
    try {
      if (!this.peerIdOf.has(p.index))
        this.peerIdOf.set(p.index, (await rpc.call<{ peerid: string }>('getnetworkinfo')).peerid);
      const [info, mining, peers, mempool, tree] = await Promise.all([
        rpc.call<{ blocks: number; bestblockhash: string; chainwork: string }>('getblockchaininfo'),
        rpc.call<{ hashespersec: unknown; generate: boolean }>('getmininginfo'),
        rpc.call<{ peerid: string }[]>('getpeerinfo'),
        rpc.call<{ size: number }>('getmempoolinfo'),
        fetchJson<NodeTree>(`http://127.0.0.1:${p.rpcPort}/api/tree?depth=${TREE_DEPTH}`),
      ]);
      const hashRate = mining.generate ? Number(String(mining.hashespersec)) : 0;
      this.polled.set(p.index, {
        height: info.blocks,
        tip: info.bestblockhash,
        chainwork: BigInt(`0x${info.chainwork}`),
        connections: peers.length,
        mempool: mempool.size,
        hashRate,
        peerIds: peers.map((x) => x.peerid),
        tree,
      });
      if (p.miner) {
        const s = this.samples.get(p.index) ?? [];
        s.push([this.now(), hashRate]);
        if (s.length > MAX_SAMPLES) s.shift();
        this.samples.set(p.index, s);
      }
    } catch (err) {
      this.polled.set(p.index, { error: (err as Error).message });
    }
  }

  private build(): DashboardState {
    const peers = this.testnet.peers;
    const ok = (i: number) => {
      const x = this.polled.get(i);
      return x && !('error' in x) ? x : undefined;
    };
    // The best tip: the most work any peer has.
    let bestPeer: number | undefined;
    for (const p of peers) {
      const x = ok(p.index);
      if (x && (bestPeer === undefined || x.chainwork > ok(bestPeer)!.chainwork)) bestPeer = p.index;
    }
    const best = bestPeer === undefined ? undefined : ok(bestPeer)!;
    const tree = this.mergeTrees(bestPeer);
    const bestChain = new Set(tree.blocks.filter((b) => b.status === 'main').map((b) => b.hash));
    const indexOfPeerId = new Map([...this.peerIdOf].map(([i, id]) => [id, i]));
    const view: DashboardPeer[] = peers.map((p) => {
      const x = ok(p.index);
      const polled = this.polled.get(p.index);
      const base = {
        index: p.index,
        miner: p.miner,
        running: isRunning(p),
        web: `http://127.0.0.1:${p.rpcPort}/`,
        feed: this.feeds.get(p.index) ?? 'down',
      };
      if (!x || !best)
        return {
          ...base,
          height: null,
          tip: null,
          connectedTo: [],
          connections: null,
          mempool: null,
          hashRate: null,
          condition: (base.running ? 'starting' : 'down') as PeerCondition,
          behind: 0,
          error: polled && 'error' in polled ? polled.error : undefined,
        };
      const onBest = x.tip === best.tip || bestChain.has(x.tip);
      return {
        ...base,
        height: x.height,
        tip: x.tip,
        connectedTo: x.peerIds.map((id) => indexOfPeerId.get(id)).filter((i): i is number => i !== undefined),
        connections: x.connections,
        mempool: x.mempool,
        hashRate: x.hashRate,
        condition: x.tip === best.tip ? 'synced' : onBest ? 'behind' : 'forked',
        behind: Math.max(0, best.height - x.height),
      };
    });
    const t = this.now();
    return {
      network: this.testnet.network,
      updated: t,
      best: best ? { hash: best.tip, height: best.height } : null,
      peers: view,
      tree,
      propagation: this.propagation(peers.length),
      hashRates: [...this.samples].map(([peer, samples]) => ({ peer, samples })),
      timeline: { from: this.timelineStart(t), to: t, events: this.events, faults: this.faults.all() },
      components: components(view.filter((p) => p.condition !== 'down' && p.height !== null)),
      faultsFile: this.faults.file,
      faultLineErrors: this.faults.errors,
    };
  }

  /**
   * Where the timeline starts: at the first thing it shows (a little before), so a young testnet
   * is spread across the picture; at most TIMELINE_MS and at least MIN_TIMELINE_MS back.
   */
  private timelineStart(now: number): number {
    const first = Math.min(now, this.events[0]?.t ?? now, ...this.faults.all().map((f) => f.from));
    return Math.max(now - TIMELINE_MS, Math.min(now - MIN_TIMELINE_MS, first - 5_000));
  }

  /** Every peer's recent tree in one: a block's status is its status on the best peer's chain. */
  private mergeTrees(bestPeer: number | undefined): DashboardState['tree'] {
    const blocks = new Map<string, DashboardBlock>();
    const orphans = new Map<string, { hash: string; missing: string; peers: number[] }>();
    const bestTree = bestPeer === undefined ? undefined : (this.polled.get(bestPeer) as Polled | undefined)?.tree;
    const bestMain = new Set(bestTree?.blocks.filter((b) => b.status === 'main').map((b) => b.hash));
    for (const [peer, x] of this.polled) {
      if ('error' in x || !x.tree) continue;
      for (const b of x.tree.blocks) {
        let m = blocks.get(b.hash);
        if (!m) {
          m = { hash: b.hash, height: b.height, prev: b.prev, status: 'side', peers: [] };
          blocks.set(b.hash, m);
        }
        if (b.status === 'invalid') m.status = 'invalid';
        else if (m.status !== 'invalid' && bestMain.has(b.hash)) m.status = 'main';
        if (b.status === 'main') m.peers.push(peer);
      }
      for (const o of x.tree.orphans) {
        const m = orphans.get(o.hash) ?? { hash: o.hash, missing: o.missing, peers: [] };
        m.peers.push(peer);
        orphans.set(o.hash, m);
      }
    }
    // The tree and the tip of a peer come from two calls made together, so the best peer's tree
    // can be a poll behind its tip: walk back from that tip too, so the tip is never drawn 'side'.
    const bestPolled = bestPeer === undefined ? undefined : this.polled.get(bestPeer);
    let walk = bestPolled && !('error' in bestPolled) ? blocks.get(bestPolled.tip) : undefined;
    while (walk && walk.status === 'side') {
      walk.status = 'main';
      walk = blocks.get(walk.prev);
    }
    // Only the heights every view shares: one peer far behind must not stretch the picture.
    const top = Math.max(0, ...[...blocks.values()].map((b) => b.height));
    const shown = [...blocks.values()].filter((b) => b.height > top - TREE_DEPTH);
    for (const b of shown) b.peers.sort((a, c) => a - c);
    return { blocks: shown, orphans: [...orphans.values()] };
  }

  private propagation(n: number): BlockArrival[] {
    return [...this.arrivals]
      .slice(-SHOWN_ARRIVALS)
      .reverse()
      .map(([hash, a]) => {
        let first = -1;
        let firstAt = Infinity;
        for (const [peer, at] of a.at)
          if (at < firstAt) {
            first = peer;
            firstAt = at;
          }
        return {
          hash,
          height: a.height,
          first,
          firstAt,
          delays: Array.from({ length: n }, (_, i) => (a.at.has(i) ? a.at.get(i)! - firstAt : null)),
        };
      });
  }
}

/** Connected groups of peers, from each peer's connections (either side's view counts). */
export function components(peers: Pick<DashboardPeer, 'index' | 'connectedTo'>[]): number[][] {
  const up = new Set(peers.map((p) => p.index));
  const links = new Map<number, Set<number>>([...up].map((i) => [i, new Set<number>()]));
  for (const p of peers)
    for (const q of p.connectedTo) {
      if (!up.has(q)) continue;
      links.get(p.index)!.add(q);
      links.get(q)!.add(p.index);
    }
  const seen = new Set<number>();
  const out: number[][] = [];
  for (const start of [...up].sort((a, b) => a - b)) {
    if (seen.has(start)) continue;
    const group: number[] = [];
    const queue = [start];
    seen.add(start);
    while (queue.length) {
      const i = queue.shift()!;
      group.push(i);
      for (const j of links.get(i)!) {
        if (seen.has(j)) continue;
        seen.add(j);
        queue.push(j);
      }
    }
    out.push(group.sort((a, b) => a - b));
  }
  return out;
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} (is the peer running with --web?)`);
  return (await res.json()) as T;
}
