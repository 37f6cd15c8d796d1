/**
 * node: the composition root. Config and data directory (lock file, cookie), logging, the wiring
 * of chain, mempool, net, miner and RPC server, the RPC method implementations (methods/),
 * mempool persistence, and shutdown in reverse order. Nothing here decides consensus.
 *
 * May import: every layer below the cli (chain, mempool, mining, net, rpc, consensus, crypto,
 * encoding, fsutil). Never cli or wallet (dependency-cruiser: node-not-to-...).
 */
export { PowchainNode } from './node.js';
export { resolveConfig, readConfigFile, ConfigError, type NodeConfig } from './config.js';
