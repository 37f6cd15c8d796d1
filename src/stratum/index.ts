/**
 * stratum: the Stratum v1 server. Mining software connects over TCP, gets jobs built from the
 * node's block templates, and submits shares; a share that meets the block target becomes a block.
 *
 * May import: consensus, crypto, encoding, collections. It knows nothing of the chain, the
 * mempool or the network: the node wires it to them through `StratumBackend` (templates, block
 * submission, tip news, the clock). docs/mining.md describes the protocol as served.
 */
export {
  StratumServer,
  DEFAULT_STRATUM,
  type StratumBackend,
  type StratumLog,
  type StratumOptions,
  type StratumInfo,
} from './server.js';
export { type WorkTemplate } from './work.js';
export { DIFF1_TARGET, MIN_DIFFICULTY, targetForDifficulty, difficultyForTarget } from './difficulty.js';
export { StratumError } from './protocol.js';
