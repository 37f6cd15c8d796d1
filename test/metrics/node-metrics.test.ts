/**
 * GET /metrics of real nodes (--metrics) over real HTTP: prom-client's default metrics, libp2p's,
 * and every powchain metric with the type docs/metrics.md gives it; the counters follow what the
 * nodes do (blocks, invalid blocks and transactions by code, reorganisations by depth, the
 * mempool, RPC calls and their latency, the miner, peers by direction, gossip, sync).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBlock, encodeBlock } from '../../src/consensus/block.js';
import { bytesToHex, hexToBytes } from '../../src/encoding/hex.js';
import { METRIC_HELP } from '../../src/metrics/index.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey, ROOT, text, waitFor } from '../e2e/node-helpers.js';
import { coinbaseAt, get, spend } from '../http/helpers.js';
import { parseExposition, type Exposition } from '../helpers/prometheus.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

async function scrape(node: NodeProcess): Promise<Exposition> {
  const r = await get(node, '/metrics');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(r.text);
}

const alice = regtestKey('metrics-alice');

test('the exposition has the default, libp2p and every powchain metric; off without --metrics', async () => {
  const node = await NodeProcess.start({ args: ['--metrics'] });
  try {
    const m = await scrape(node);
    for (const [name, spec] of Object.entries(METRIC_HELP))
      expect({ name, type: m.type(name) }).toEqual({ name, type: spec.type });
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ])
      expect(m.names()).toContain(name);
    expect(m.names().filter((n) => n.startsWith('libp2p_')).length).toBeGreaterThan(5);
    // libp2p's filesystem gauge reports the data directory's disk.
    expect(m.value('nodejs_fs_usage_bytes', { filesystem: 'total' })).toBeGreaterThan(0);
    expect(m.value('powchain_chain_height')).toBe(0);
    // The Grafana dashboard of docs/metrics.md queries only metrics a node has.
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'monitoring', 'grafana-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const queried = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => [...t.expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((x) => x[1]!)),
    );
    expect(queried.length).toBeGreaterThan(25);
    for (const name of new Set(queried)) {
      const family = m.type(name) ? name : name.replace(/_(bucket|count|sum)$/, '');
      expect({ name, exported: m.type(family) !== undefined }).toEqual({ name, exported: true });
    }
  } finally {
    await node.kill();
  }
  const plain = await NodeProcess.start();
  try {
    // Without --metrics the path is the RPC's: credentials first.
    expect((await get(plain, '/metrics')).status).toBe(401);
  } finally {
    await plain.kill();
  }
});

test('docs/metrics.md describes every powchain metric', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8');
  for (const name of Object.keys(METRIC_HELP))
    expect({ name, documented: doc.includes(`\`${name}\``) }).toEqual({ name, documented: true });
});

test('counters follow blocks, rejects, reorganisations, the mempool, RPC calls and the miner', async () => {
  const node = await NodeProcess.start({ args: ['--metrics', '--miner-address', alice.address] });
  try {
    await node.call('generatetoaddress', 101, alice.address);
    let m = await scrape(node);
    expect(m.value('powchain_blocks_connected_total')).toBe(101);
    expect(m.value('powchain_chain_height')).toBe(101);
    expect(m.value('powchain_chain_work')).toBe(102 * 2);
    const tip = await node.call<{ time: number }>('getblockheader', await node.call('getbestblockhash'));
    expect(m.value('powchain_chain_tip_timestamp_seconds')).toBe(tip.time);

    // An invalid block, counted by its reject code.
    const block = decodeBlock(hexToBytes(await node.call<string>('getblock', await node.call('getbestblockhash'), 0)));
    const bad = {
      ...block,
      header: { ...block.header, prevHash: block.header.prevHash, merkleRoot: new Uint8Array(32).fill(9) },
    };
    const code = await node.call<string>('submitblock', bytesToHex(encodeBlock(bad)));
    expect(typeof code).toBe('string');
    // A payment that spends nothing there is: rejected with its code; then a good one.
    const cb = await coinbaseAt(node, 1);
    const good = spend(
      [{ prev: cb, index: 0, height: 1, owner: alice }],
      [{ to: alice, value: cb.outputs[0]!.value - 10_000n }],
    );
    const ghost = spend([{ prev: good.tx, index: 0, height: 5, owner: alice }], [{ to: alice, value: 1_000n }]);
    await expect(node.call('sendrawtransaction', ghost.hex)).rejects.toThrow(/bad-txns-inputs-missingorspent/);
    await node.call('sendrawtransaction', good.hex);
    m = await scrape(node);
    expect(m.value('powchain_blocks_invalid_total', { code })).toBe(1);
    expect(m.value('powchain_mempool_rejected_total', { code: 'bad-txns-inputs-missingorspent' })).toBe(1);
    expect(m.value('powchain_mempool_accepted_total')).toBe(1);
    expect(m.value('powchain_mempool_transactions')).toBe(1);
    expect(m.value('powchain_mempool_bytes')).toBe(good.hex.length / 2);

    // A reorganisation two blocks deep: invalidate block 100, mine a longer branch.
    await node.call('invalidateblock', await node.call('getblockhash', 100));
    await node.call('generatetoaddress', 3, alice.address);
    m = await scrape(node);
    expect(m.value('powchain_blocks_disconnected_total')).toBe(2);
    expect(m.value('powchain_reorg_depth_blocks_count')).toBe(1);
    expect(m.value('powchain_reorg_depth_blocks_sum')).toBe(2);
    expect(m.value('powchain_reorg_depth_blocks_bucket', { le: '1' })).toBe(0);
    expect(m.value('powchain_reorg_depth_blocks_bucket', { le: '2' })).toBe(1);
    // Back at height 99 the payment's coinbase (height 1) was immature again: the reorg removed it.
    expect(m.samples('powchain_mempool_removed_total')).toEqual([{ labels: { reason: 'reorg' }, value: 1 }]);
    expect(m.value('powchain_blocks_invalid_total', { code: 'invalidated' })).toBe(1);

    // RPC calls by method and result, with latency histograms (the start-up wait called once).
    const before = m.value('powchain_rpc_calls_total', { method: 'getblockcount', result: 'ok' })!;
    for (let i = 0; i < 3; i++) await node.call('getblockcount');
    await expect(node.call('getblockhash', 10_000)).rejects.toThrow();
    m = await scrape(node);
    expect(m.value('powchain_rpc_calls_total', { method: 'getblockcount', result: 'ok' })).toBe(before + 3);
    expect(m.value('powchain_rpc_calls_total', { method: 'getblockhash', result: 'error' })).toBe(1);
    expect(m.value('powchain_rpc_call_duration_seconds_count', { method: 'getblockcount' })).toBe(before + 3);
    expect(m.value('powchain_rpc_call_duration_seconds_bucket', { method: 'getblockcount', le: '+Inf' })).toBe(
      before + 3,
    );
    expect(m.value('powchain_rpc_call_duration_seconds_count', { method: 'generatetoaddress' })).toBe(2);

    // The miner: hashes counted while it runs, its rate shown, 0 and inactive once stopped.
    expect(m.value('powchain_miner_active')).toBe(0);
    const heightBefore = await node.call<number>('getblockcount');
    await node.call('setgenerate', true, 1);
    await waitFor('the miner to report hashes', async () => {
      const s = await scrape(node);
      return (s.value('powchain_miner_hashes_total') ?? 0) > 0 && (s.value('powchain_miner_hash_rate') ?? 0) > 0;
    });
    expect((await scrape(node)).value('powchain_miner_threads')).toBe(1);
    await node.call('setgenerate', false);
    m = await scrape(node);
    expect(m.value('powchain_miner_active')).toBe(0);
    expect(m.value('powchain_miner_hash_rate')).toBe(0);
    // Alone on its chain, every block the miner found became the tip's next block.
    const mined = (await node.call<number>('getblockcount')) - heightBefore;
    expect(m.value('powchain_miner_blocks_found_total')).toBe(mined);
    expect(m.value('powchain_verify_queue_signatures')).toBe(0);
  } finally {
    await node.kill();
  }
}, 120_000);

test('two nodes: peers by direction, gossip verdicts and sync progress', async () => {
  const a = await NodeProcess.start({ args: ['--metrics'] });
  try {
    await a.call('generatetoaddress', 40, alice.address);
    const { multiaddr } = await a.p2pAddress();
    const b = await NodeProcess.start({ args: ['--metrics', '--peer', multiaddr] });
    try {
      await waitFor('b to sync', async () => (await b.call<number>('getblockcount')) === 40);
      await waitFor('the sync session to finish', async () => (await scrape(b)).value('powchain_sync_active') === 0);
      let mb = await scrape(b);
      expect(mb.value('powchain_sync_blocks_total')).toBe(40);
      expect(mb.value('powchain_sync_target_height')).toBe(40);
      expect(mb.value('powchain_peers', { direction: 'outbound' })).toBe(1);
      expect((await scrape(a)).value('powchain_peers', { direction: 'inbound' })).toBe(1);
      // A new block reaches b by gossip and is accepted there.
      await a.call('generatetoaddress', 1, alice.address);
      await waitFor('b to take the gossiped block', async () => (await b.call<number>('getblockcount')) === 41);
      await waitFor('b to count the accepted gossip', async () => {
        mb = await scrape(b);
        return (mb.value('powchain_gossip_messages_total', { topic: 'block', verdict: 'accept' }) ?? 0) >= 1;
      });
      expect(mb.value('powchain_blocks_connected_total')).toBe(41);
      // libp2p pings each connection every 10 s: getpeerinfo (and the explorer's peers page)
      // then carry the round trip, in seconds.
      await waitFor(
        'a measured ping',
        async () => (await b.call<{ pingtime?: unknown }[]>('getpeerinfo'))[0]?.pingtime !== undefined,
        60_000,
      );
      // Seconds with decimals: the exact client keeps them as text.
      const [peer] = await b.call<{ pingtime: unknown }[]>('getpeerinfo');
      const seconds = Number(text(peer!.pingtime));
      expect(seconds).toBeGreaterThanOrEqual(0);
      expect(seconds).toBeLessThan(5);
    } finally {
      await b.kill();
    }
  } finally {
    await a.kill();
  }
}, 120_000);
