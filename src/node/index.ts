/**
 * node: the composition root. Config and data directory (lock file, cookie), logging, the wiring
 * of chain, mempool, net, miner, RPC server, Stratum server and metrics, the RPC method
 * implementations (methods/), the public pages (http/), the transaction index, mempool
 * persistence, and shutdown in reverse order. Nothing here decides consensus.
 *
 * May import: every layer below the cli (chain, mempool, mining, net, rpc, stratum, metrics, web,
 * consensus, crypto, encoding, collections, fsutil). Never cli, wallet, testnet or bench
 * (dependency-cruiser: node-not-to-..., only-cli-imports-bench).
 */
export { PowchainNode } from './node.js';
export { resolveConfig, readConfigFile, ConfigError, type NodeConfig } from './config.js';
