/**
 * metrics: the Prometheus registry, one per node: prom-client's default process metrics, libp2p's
 * own (through @libp2p/prometheus-metrics) and powchain's (`powchain_*`, docs/metrics.md). The
 * node hands it the parts it wires; powchain's figures come from the events the chain, mempool
 * and network already emit and from their public questions (`chain.stats()` ...) when scraped.
 * Nothing here changes what it observes.
 *
 * May import: chain, mempool, net, mining (their types and events). Never node, rpc, web, wallet,
 * cli, testnet or bench, and nothing below the node imports it (dependency-cruiser:
 * metrics-not-to-...).
 */
export { createNodeMetrics, type NodeMetrics, type MetricSources } from './node-metrics.js';
export { METRIC_HELP } from './catalog.js';
