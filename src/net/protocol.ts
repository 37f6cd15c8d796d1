import type { NetworkParams } from '../consensus/params/types.js';
import { hashToHex } from '../encoding/hex.js';

/**
 * Names on the wire. Each carries the network name and a prefix of its genesis hash, so peers of
 * different networks never share a topic or a protocol, even if they connect.
 */
export function networkTag(params: NetworkParams): string {
  return `${params.name}-${hashToHex(params.genesisHash).slice(0, 16)}`;
}

export interface WireNames {
  blockTopic: string;
  /** Blocks as compact blocks: header, salt, short ids, prefilled coinbase (compact.ts). */
  compactBlockTopic: string;
  txTopic: string;
  status: string;
  headers: string;
  blocks: string;
  mempool: string;
  /** Transactions of a block by position, for a peer rebuilding a compact block. */
  blockTxn: string;
}

export function wireNames(params: NetworkParams): WireNames {
  const tag = networkTag(params);
  return {
    blockTopic: `/powchain/${tag}/block`,
    compactBlockTopic: `/powchain/${tag}/cmpctblock`,
    txTopic: `/powchain/${tag}/tx`,
    status: `/powchain/${tag}/status/1`,
    headers: `/powchain/${tag}/headers/1`,
    blocks: `/powchain/${tag}/blocks/1`,
    mempool: `/powchain/${tag}/mempool/1`,
    blockTxn: `/powchain/${tag}/blocktxn/1`,
  };
}

/** Protocol bounds: every request and response is checked against these before it is decoded. */
export const LIMITS = {
  /** MAX_LOCATOR: hashes in a block locator. */
  maxLocator: 101,
  /** MAX_HEADERS: headers in one response. */
  maxHeaders: 2_000,
  /** MAX_BLOCKS_PER_REQUEST */
  maxBlocksPerRequest: 16,
  /** MAX_MEMPOOL_IDS: txids in one mempool listing. */
  maxMempoolIds: 50_000,
  /** MAX_TXS_PER_REQUEST */
  maxTxsPerRequest: 500,
  /** A status response: network name (at most 32 bytes), genesis, tip, height, chain work. */
  maxStatusBytes: 256,
  /** Seconds a request may take before it is abandoned. */
  requestTimeoutMs: 10_000,
  /** Requests a peer may make per second on each protocol, with a burst allowance. */
  requestsPerSecond: 50,
  requestBurst: 200,
} as const;
