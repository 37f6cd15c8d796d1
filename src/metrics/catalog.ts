/**
 * Every powchain metric with its type, labels and help text, in one table: the registry is
 * built from it and docs/metrics.md lists the same names (a test checks the two agree).
 */
export const METRIC_HELP = {
  powchain_chain_height: { type: 'gauge', labels: [], help: 'Height of the main chain tip.' },
  powchain_chain_work: {
    type: 'gauge',
    labels: [],
    help: 'Cumulative proof of work of the main chain tip (expected hashes, as a float).',
  },
  powchain_chain_tip_timestamp_seconds: {
    type: 'gauge',
    labels: [],
    help: 'Header time of the main chain tip (Unix seconds).',
  },
  powchain_blocks_connected_total: { type: 'counter', labels: [], help: 'Blocks that joined the main chain.' },
  powchain_blocks_disconnected_total: {
    type: 'counter',
    labels: [],
    help: 'Blocks that left the main chain (reorganisations, invalidateblock).',
  },
  powchain_blocks_orphaned_total: {
    type: 'counter',
    labels: [],
    help: 'Blocks put in the orphan pool because their parent was unknown.',
  },
  powchain_blocks_invalid_total: {
    type: 'counter',
    labels: ['code'],
    help: 'Blocks found invalid, by reject code.',
  },
  powchain_reorg_depth_blocks: {
    type: 'histogram',
    labels: [],
    help: 'Reorganisations by depth (blocks disconnected); _count is the number of reorganisations.',
  },
  powchain_mempool_transactions: { type: 'gauge', labels: [], help: 'Transactions in the mempool.' },
  powchain_mempool_bytes: { type: 'gauge', labels: [], help: 'Serialized bytes of the transactions in the mempool.' },
  powchain_mempool_accepted_total: { type: 'counter', labels: [], help: 'Transactions accepted into the mempool.' },
  powchain_mempool_rejected_total: {
    type: 'counter',
    labels: ['code'],
    help: 'Transactions turned down by the mempool, by reject code.',
  },
  powchain_mempool_removed_total: {
    type: 'counter',
    labels: ['reason'],
    help: 'Transactions that left the mempool, by reason (block, conflict, expiry, eviction, reorg).',
  },
  powchain_verify_queue_signatures: {
    type: 'gauge',
    labels: [],
    help: 'Signatures handed to the verify worker threads and not yet answered.',
  },
  powchain_peers: { type: 'gauge', labels: ['direction'], help: 'Connected peers, by direction (inbound, outbound).' },
  powchain_gossip_messages_total: {
    type: 'counter',
    labels: ['topic', 'verdict'],
    help: 'Gossip messages validated, by topic (block, tx) and verdict (accept, ignore, reject).',
  },
  powchain_peer_penalties_total: { type: 'counter', labels: [], help: 'Penalties charged to peers.' },
  powchain_peer_penalty_points_total: {
    type: 'counter',
    labels: [],
    help: 'Penalty points charged to peers (a peer reaching 100 is banned).',
  },
  powchain_peer_bans_total: { type: 'counter', labels: [], help: 'Peers banned for misbehaviour.' },
  powchain_peers_banned: { type: 'gauge', labels: [], help: 'Peers on the ban list now.' },
  powchain_sync_active: { type: 'gauge', labels: [], help: '1 while a headers-first sync is running, else 0.' },
  powchain_sync_target_height: {
    type: 'gauge',
    labels: [],
    help: 'Height the running (or last) sync is heading for.',
  },
  powchain_sync_blocks_total: { type: 'counter', labels: [], help: 'Blocks fetched and connected by sync sessions.' },
  powchain_miner_active: { type: 'gauge', labels: [], help: '1 while the miner runs, else 0.' },
  powchain_miner_threads: { type: 'gauge', labels: [], help: 'Hashing threads of the miner.' },
  powchain_miner_hash_rate: {
    type: 'gauge',
    labels: [],
    help: 'Hashes per second of the miner, as it measures them (rate(powchain_miner_hashes_total) agrees).',
  },
  powchain_miner_hashes_total: { type: 'counter', labels: [], help: 'Header hashes the miner has tried.' },
  powchain_miner_blocks_found_total: { type: 'counter', labels: [], help: 'Blocks the miner found.' },
  powchain_rpc_calls_total: {
    type: 'counter',
    labels: ['method', 'result'],
    help: 'JSON-RPC calls, by method and result (ok, error).',
  },
  powchain_rpc_call_duration_seconds: {
    type: 'histogram',
    labels: ['method'],
    help: 'Time to answer a JSON-RPC call, by method.',
  },
} as const satisfies Record<
  string,
  { type: 'gauge' | 'counter' | 'histogram'; labels: readonly string[]; help: string }
>;

export type MetricName = keyof typeof METRIC_HELP;
