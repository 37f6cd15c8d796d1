/**
 * testnet: a local network of real `powchain node` processes on 127.0.0.1, each with its own data
 * directory and ports, driven the way a person would: over their RPC and the wallet CLI.
 *
 * May import: rpc (the client), web (the dashboard's server), consensus (the chaos checker reads
 * blocks), collections, fsutil. Never chain, mempool, mining, net, node, metrics, wallet or cli
 * (dependency-cruiser: testnet-not-to-...).
 */
export {
  up,
  down,
  kill,
  restart,
  mine,
  send,
  partition,
  heal,
  logs,
  TestnetError,
  type UpOptions,
} from './commands.js';
