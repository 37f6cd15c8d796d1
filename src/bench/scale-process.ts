/**
 * A process of the scale benchmark (started by scale.ts with fork): many nodes in one process,
 * each a Chain (its own classic-level database), a Mempool and a NetService on 127.0.0.1, all
 * sharing one verify pool. Driven over IPC; reports every block each node validates with a
 * wall-clock timestamp, and counts what each node sends.
 */
import type { GossipSub } from '@chainsafe/libp2p-gossipsub';
import { Chain } from '../chain/chain.js';
import { decodeBlockWithTxids } from '../consensus/block.js';
import { networks } from '../consensus/params/networks.js';
import { decodeTx } from '../consensus/tx.js';
import { VerifyPool } from '../crypto/verify-pool.js';
import { Mempool } from '../mempool/mempool.js';
import type { GossipParams } from '../net/host.js';
import { NetService } from '../net/service.js';
import { wallMs } from './timing.js';
import { WireBytes } from './wire-bytes.js';

export type ToScale =
  | {
      type: 'start';
      /** Database locations, one per node (copies of one prepared chain). */
      locations: string[];
      compact: boolean;
      gossip: Partial<GossipParams>;
      clockFloor: number;
    }
  | { type: 'connect'; node: number; addrs: string[] }
  /** Hand each node the transactions of `txs` whose indexes are not in its `skip` list. */
  | { type: 'mempool'; txs: Uint8Array[]; skip: number[][] }
  | { type: 'publish'; node: number; bytes: Uint8Array }
  | { type: 'counters' }
  | { type: 'stop' };

export interface NodeCounters {
  /** Bytes sent on block relay's protocols: gossipsub (blocks travel there), blocktxn and blocks. */
  relayBytes: number;
  /** Messages gossipsub received again after the first copy (per node, all topics). */
  duplicates: number;
  /** Compact blocks rebuilt, with a blocktxn fetch, with a full-block fallback; rebuild time (sum, ms). */
  rebuilt: number;
  fetched: number;
  fallbacks: number;
  rebuildMs: number;
}

export type FromScale =
  | { type: 'ready'; addrs: string[] }
  | { type: 'connected' }
  | { type: 'mempool-done'; accepted: number }
  | { type: 'validated'; node: number; height: number; t: number }
  | { type: 'published'; t: number }
  | { type: 'counters'; nodes: NodeCounters[] }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

interface ScaleNode {
  chain: Chain;
  mempool: Mempool;
  net: NetService;
  wire: WireBytes;
  counters: NodeCounters;
}

/** Small caches: a hundred nodes share two cores and this machine's memory. */
const COIN_CACHE = 20_000;
const SIG_CACHE = 20_000;
const RELAY_PROTOCOL = /meshsub|blocktxn|\/blocks\//;

let nodes: ScaleNode[] = [];
let pool: VerifyPool | undefined;

const send = (m: FromScale): void => {
  process.send?.(m);
};

async function startNode(location: string, index: number, m: Extract<ToScale, { type: 'start' }>): Promise<ScaleNode> {
  const params = networks.regtest;
  const clock = () => Math.max(Math.floor(Date.now() / 1000), m.clockFloor);
  const chain = await Chain.open({
    params,
    location,
    verifier: pool!,
    clock,
    coinCacheSize: COIN_CACHE,
    sigCacheSize: SIG_CACHE,
  });
  const mempool = new Mempool(chain, clock);
  const wire = new WireBytes();
  const net = new NetService({
    chain,
    mempool,
    clock,
    compactBlocks: m.compact,
    gossip: m.gossip,
    metrics: () => wire.metrics(),
    maxPeers: 64,
    // The benchmark builds the topology (each node dials a few random others): no DHT traffic in
    // the bytes counted, and no outbound keeper closing connections it did not open.
    discovery: false,
  });
  const counters: NodeCounters = { relayBytes: 0, duplicates: 0, rebuilt: 0, fetched: 0, fallbacks: 0, rebuildMs: 0 };
  chain.on('validated', (e) => send({ type: 'validated', node: index, height: e.height, t: wallMs() }));
  net.on('compact', (o) => {
    counters.rebuilt++;
    if (o.fetched > 0) counters.fetched++;
    if (o.fallback) counters.fallbacks++;
    counters.rebuildMs += o.reconstructMs;
  });
  await net.start();
  // gossipsub scores every copy of a message after the first as a duplicate: count them there.
  // (The bench reads the host the network module keeps to itself, as the tests do.)
  const pubsub = (net as unknown as { host: { services: { pubsub: GossipSub } } }).host.services.pubsub;
  const score = pubsub.score;
  const duplicate = score.duplicateMessage.bind(score);
  score.duplicateMessage = (...args: Parameters<typeof score.duplicateMessage>) => {
    counters.duplicates++;
    duplicate(...args);
  };
  return { chain, mempool, net, wire, counters };
}

async function handle(m: ToScale): Promise<void> {
  switch (m.type) {
    case 'start': {
      pool = new VerifyPool({ size: 1 });
      nodes = [];
      for (let i = 0; i < m.locations.length; i++) nodes.push(await startNode(m.locations[i]!, i, m));
      send({ type: 'ready', addrs: nodes.map((n) => n.net.listenAddresses()[0]!) });
      return;
    }
    case 'connect': {
      const from = nodes[m.node]!;
      await Promise.all(m.addrs.map((a) => from.net.connect(a).catch(() => undefined)));
      send({ type: 'connected' });
      return;
    }
    case 'mempool': {
      const txs = m.txs.map((b) => decodeTx(b));
      let accepted = 0;
      for (let i = 0; i < nodes.length; i++) {
        const skip = new Set(m.skip[i] ?? []);
        for (let k = 0; k < txs.length; k++) {
          if (skip.has(k)) continue;
          const r = await nodes[i]!.mempool.accept(txs[k]!);
          if (r.accepted) accepted++;
        }
      }
      send({ type: 'mempool-done', accepted });
      return;
    }
    case 'publish': {
      const node = nodes[m.node]!;
      const block = decodeBlockWithTxids(m.bytes);
      const r = await node.chain.processBlock(block, { bytes: m.bytes, txids: block.txids, source: 'bench' });
      if (r.status !== 'connected') throw new Error(`publisher did not connect the block: ${JSON.stringify(r)}`);
      const t = wallMs();
      await node.net.publishBlock(block, m.bytes);
      send({ type: 'published', t });
      return;
    }
    case 'counters':
      for (const n of nodes) n.counters.relayBytes = n.wire.total((p) => RELAY_PROTOCOL.test(p));
      send({ type: 'counters', nodes: nodes.map((n) => ({ ...n.counters })) });
      return;
    case 'stop':
      await Promise.allSettled(nodes.map((n) => n.net.stop()));
      await Promise.allSettled(nodes.map((n) => n.chain.close()));
      await pool?.close();
      send({ type: 'stopped' });
      process.disconnect?.();
      return;
  }
}

process.on('message', (m: ToScale) => {
  handle(m).catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
process.on('disconnect', () => process.exit(0));
