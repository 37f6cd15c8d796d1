/**
 * Prometheus metrics: one prom-client registry per node holding prom-client's default process
 * metrics, libp2p's own (through @libp2p/prometheus-metrics) and powchain's (`powchain_*`).
 * powchain's are fed by the events the chain, mempool and network already emit and by reading
 * their public state when scraped; nothing here changes what it observes. May import chain,
 * mempool, net, mining and crypto types; never node, rpc, web, cli or wallet.
 */
export { createNodeMetrics, type NodeMetrics, type MetricSources } from './node-metrics.js';
export { METRIC_HELP } from './catalog.js';
