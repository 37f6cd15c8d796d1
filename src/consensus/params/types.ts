import type { Block } from '../block.js';

export type NetworkName = 'main' | 'testnet' | 'regtest';

export type DifficultyParams =
  | { algorithm: 'fixed' }
  | {
      /** aserti3-2d, anchored at the chain's block 1 (see expectedBits). */
      algorithm: 'asert';
      /** Seconds ahead of (behind) schedule that halve (double) the target. */
      halfLife: number;
    }
  | { algorithm: 'retarget'; interval: number };

/** Everything that makes one network differ from another. Peers agree on all of it. */
export interface NetworkParams {
  name: NetworkName;
  /** Four bytes stored as the database's network record: a data directory of another network refuses to open. */
  magic: number;
  genesis: Block;
  genesisHash: Uint8Array;
  /** The easiest target any block may have. */
  powLimit: bigint;
  difficulty: DifficultyParams;
  /** Seconds between blocks the difficulty algorithm aims for. */
  targetSpacing: number;
  coinbaseMaturity: number;
  halvingInterval: number;
  maxBlockBytes: number;
  /** How far ahead of the local clock a block's time may be (seconds). */
  maxFutureBlockTime: number;
  /** Human-readable part of bech32m addresses. */
  addressHrp: string;
  defaultP2pPort: number;
  defaultRpcPort: number;
  /** Blocks on demand (generatetoaddress) are allowed. */
  allowMineOnDemand: boolean;
}
