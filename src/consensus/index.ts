/**
 * consensus: the specification as code. Serialization, merkle roots, bits and work, difficulty
 * (difficulty/), network parameters and genesis (params/), the signature digest, and every rule
 * as a pure function that returns a RuleResult with a RejectCode (rules/). What a peer must agree
 * on lives here and only here.
 *
 * May import: crypto, encoding. No I/O and no clock: time, coins and ancestors are parameters
 * (dependency-cruiser: consensus-not-to-..., consensus-no-io).
 */
export * from './errors.js';
export * from './amounts.js';
export { type BlockHeader, HEADER_BYTES, encodeHeader, decodeHeader, readHeader, headerHash } from './header.js';
export {
  type Transaction,
  type TxInput,
  type TxOutput,
  type OutPoint,
  encodeTx,
  decodeTx,
  readTx,
  writeTx,
  txid,
  txSize,
  isCoinbase,
  totalOutput,
  outpointKey,
  COINBASE_PREV_INDEX,
} from './tx.js';
export {
  type Block,
  type DecodedBlock,
  encodeBlock,
  decodeBlock,
  decodeBlockWithTxids,
  blockSize,
  blockTxids,
} from './block.js';
export { merkleRoot } from './merkle.js';
export {
  buildMerkleProof,
  verifyMerkleProof,
  encodeMerkleProof,
  decodeMerkleProof,
  merkleBranch,
  merkleRootFromBranch,
  MAX_PROOF_TRANSACTIONS,
  type MerkleProof,
  type MerkleProofMatch,
  type MerkleProofResult,
  type MerkleProofErrorCode,
} from './merkle-proof.js';
export { bitsToTarget, targetToBits, blockWork, checkProofOfWork, hashToBigInt, type DecodedTarget } from './pow.js';
export { asertNextBits, retargetNextBits, type AsertParams, type RetargetParams } from './difficulty/index.js';
export { ASERT_ANCHOR_HEIGHT, expectedBits, type ParentInfo } from './next-bits.js';
export { SighashContext, signatureDigest } from './sighash.js';
export { makeCoinbase, encodeCoinbaseUnlock, coinbaseHeight, COINBASE_MAX_EXTRA } from './coinbase.js';
export { type Coin } from './coin.js';
export { networks, getNetwork, isNetworkName, GENESIS_HASHES } from './params/networks.js';
export { buildGenesis, type GenesisSpec } from './params/genesis.js';
export type { NetworkName, NetworkParams, DifficultyParams } from './params/types.js';
export * from './rules/index.js';
