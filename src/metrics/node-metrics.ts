import { prometheusMetrics } from '@libp2p/prometheus-metrics';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Chain } from '../chain/chain.js';
import type { Mempool } from '../mempool/mempool.js';
import type { Miner } from '../mining/miner.js';
import type { NetService } from '../net/service.js';
import { METRIC_HELP, type MetricName } from './catalog.js';

/** What the metrics read and listen to. */
export interface MetricSources {
  chain: Chain;
  mempool: Mempool;
  net: NetService;
  /** Signatures waiting in the verify workers. */
  verifyQueue: () => number;
}

export interface NodeMetrics {
  readonly registry: Registry;
  /** libp2p's metrics implementation, registering into the same registry (NetOptions.metrics). */
  readonly libp2p: ReturnType<typeof prometheusMetrics>;
  /** Subscribe to the parts' events; call once they exist. */
  observe(sources: MetricSources): void;
  /** A miner started (setgenerate, --mine): its hashes and blocks count from now. */
  watchMiner(miner: Miner): void;
  /** The miner is about to close: its last hashes are counted while its workers still tell. */
  minerStopping(): void;
  /** One JSON-RPC call answered (RpcServerOptions.onCall). */
  rpcCall(method: string, seconds: number, ok: boolean): void;
  /** The exposition text for GET /metrics. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Reorganisation depths worth telling apart: one-block races up to deep partitions healing. */
const REORG_BUCKETS = [1, 2, 3, 4, 6, 10, 20, 50, 100];
/** RPC latency from a cached read (~0.1 ms) to mining on demand (seconds). */
const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The node's metrics registry. `statfsLocation` is the data directory, so libp2p's
 * nodejs_fs_usage_bytes reports the disk the chain lives on.
 */
export function createNodeMetrics(o: { statfsLocation?: string } = {}): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The default metrics are collected above, into this registry; libp2p adds only its own.
  const libp2p = prometheusMetrics({ registry, collectDefaultMetrics: false, statfsLocation: o.statfsLocation });
  const spec = <N extends MetricName>(name: N) => ({
    name,
    help: METRIC_HELP[name].help,
    labelNames: [...METRIC_HELP[name].labels] as string[],
    registers: [registry],
  });
  let sources: MetricSources | undefined;
  /** A gauge read from the sources at scrape time (0 before they are observed). */
  const gauge = (name: MetricName, read: (s: MetricSources, g: Gauge) => void) =>
    new Gauge({
      ...spec(name),
      collect() {
        if (sources) read(sources, this);
      },
    });
  const counter = (name: MetricName) => new Counter(spec(name));

  gauge('powchain_chain_height', (s, g) => g.set(s.chain.height));
  gauge('powchain_chain_work', (s, g) => g.set(Number(s.chain.tip.chainWork)));
  gauge('powchain_chain_tip_timestamp_seconds', (s, g) => g.set(s.chain.tip.header.time));
  const connected = counter('powchain_blocks_connected_total');
  const disconnected = counter('powchain_blocks_disconnected_total');
  const orphaned = counter('powchain_blocks_orphaned_total');
  const invalid = counter('powchain_blocks_invalid_total');
  const reorgs = new Histogram({ ...spec('powchain_reorg_depth_blocks'), buckets: REORG_BUCKETS });

  gauge('powchain_mempool_transactions', (s, g) => g.set(s.mempool.size));
  gauge('powchain_mempool_bytes', (s, g) => g.set(s.mempool.totalBytes));
  const accepted = counter('powchain_mempool_accepted_total');
  const rejected = counter('powchain_mempool_rejected_total');
  const removed = counter('powchain_mempool_removed_total');
  gauge('powchain_verify_queue_signatures', (s, g) => g.set(s.verifyQueue()));

  gauge('powchain_peers', (s, g) => {
    const peers = s.net.peers();
    g.set({ direction: 'inbound' }, peers.filter((p) => p.direction === 'inbound').length);
    g.set({ direction: 'outbound' }, peers.filter((p) => p.direction === 'outbound').length);
  });
  const gossip = counter('powchain_gossip_messages_total');
  const penalties = counter('powchain_peer_penalties_total');
  const penaltyPoints = counter('powchain_peer_penalty_points_total');
  const bans = counter('powchain_peer_bans_total');
  gauge('powchain_peers_banned', (s, g) => g.set(s.net.bans.list().length));
  gauge('powchain_sync_active', (s, g) => g.set(s.net.syncing ? 1 : 0));
  const syncTarget = new Gauge(spec('powchain_sync_target_height'));
  const syncBlocks = counter('powchain_sync_blocks_total');

  let miner: Miner | undefined;
  /** The current miner's totalHashes already counted (its own total restarts with each miner). */
  let counted = 0;
  const hashes = counter('powchain_miner_hashes_total');
  const found = counter('powchain_miner_blocks_found_total');
  const settleHashes = () => {
    if (!miner) return;
    const total = miner.status().totalHashes;
    hashes.inc(Math.max(0, total - counted));
    counted = total;
  };
  const minerGauge = (name: MetricName, read: (m: ReturnType<Miner['status']>) => number) =>
    new Gauge({
      ...spec(name),
      collect() {
        const st = miner?.status();
        this.set(st ? read(st) : 0);
      },
    });
  minerGauge('powchain_miner_active', (st) => (st.mining ? 1 : 0));
  minerGauge('powchain_miner_threads', (st) => st.threads);
  minerGauge('powchain_miner_hash_rate', (st) => (st.mining ? st.hashRate : 0));

  const rpcCalls = counter('powchain_rpc_calls_total');
  const rpcSeconds = new Histogram({ ...spec('powchain_rpc_call_duration_seconds'), buckets: RPC_BUCKETS });

  return {
    registry,
    libp2p,
    observe(s) {
      sources = s;
      s.chain.on('connect', () => connected.inc());
      s.chain.on('disconnect', () => disconnected.inc());
      s.chain.on('orphan', () => orphaned.inc());
      s.chain.on('block-invalid', (i) => invalid.inc({ code: i.code }));
      s.chain.on('reorg', (r) => reorgs.observe(r.disconnected.length));
      s.mempool.on('added', () => accepted.inc());
      s.mempool.on('rejected', (r) => rejected.inc({ code: r.code }));
      s.mempool.on('removed', (r) => removed.inc({ reason: r.reason }));
      s.net.on('gossip', (g) => gossip.inc({ topic: g.topic, verdict: g.verdict }));
      s.net.on('penalty', (p) => {
        penalties.inc();
        penaltyPoints.inc(p.points);
      });
      s.net.on('ban', () => bans.inc());
      s.net.on('progress', (p) => syncTarget.set(p.target));
      s.net.on('done', (d) => syncBlocks.inc(d.blocks));
    },
    watchMiner(m) {
      settleHashes();
      miner = m;
      counted = 0;
      m.on('found', () => found.inc());
    },
    minerStopping() {
      settleHashes();
      miner = undefined;
    },
    rpcCall(method, seconds, ok) {
      rpcCalls.inc({ method, result: ok ? 'ok' : 'error' });
      rpcSeconds.observe({ method }, seconds);
    },
    async scrape() {
      settleHashes();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
