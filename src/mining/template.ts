import type { Chain } from '../chain/chain.js';
import type { ChainEntry } from '../chain/block-index.js';
import { blockSubsidy } from '../consensus/amounts.js';
import type { Block } from '../consensus/block.js';
import { makeCoinbase } from '../consensus/coinbase.js';
import { HEADER_BYTES, encodeHeader, type BlockHeader } from '../consensus/header.js';
import { merkleRoot } from '../consensus/merkle.js';
import { bitsToTarget } from '../consensus/pow.js';
import { txid, type Transaction } from '../consensus/tx.js';
import type { Mempool } from '../mempool/mempool.js';

/** Room kept for the header, the transaction count and the largest coinbase. */
const COINBASE_RESERVE = HEADER_BYTES + 9 + 200;

export interface BlockTemplate {
  parent: ChainEntry;
  height: number;
  bits: number;
  target: bigint;
  /** Every transaction after the coinbase, parents before children. */
  txs: Transaction[];
  txids: Uint8Array[];
  /** Each transaction's fee, in the order of `txs`. */
  txFees: bigint[];
  fees: bigint;
  /** Subsidy + fees: what the coinbase pays. */
  reward: bigint;
  time: number;
  payTo: Uint8Array;
}

/**
 * The tip's child: expected bits, time max(median time past + 1, now), mempool transactions by
 * the mempool's selection within the size limit, and a coinbase paying subsidy + fees.
 * Read under the chain lock so tip and mempool agree.
 */
export function buildTemplate(
  chain: Chain,
  mempool: Mempool | undefined,
  payTo: Uint8Array,
  now: number,
): Promise<BlockTemplate> {
  return chain.withLock(async () => {
    const parent = chain.tip;
    const height = parent.height + 1;
    const bits = chain.expectedBitsAfter(parent);
    const entries = mempool ? mempool.selectForBlock(chain.params.maxBlockBytes - COINBASE_RESERVE) : [];
    const fees = entries.reduce((sum, e) => sum + e.fee, 0n);
    return {
      parent,
      height,
      bits,
      target: bitsToTarget(bits).target,
      txs: entries.map((e) => e.tx),
      txids: entries.map((e) => e.txid),
      txFees: entries.map((e) => e.fee),
      fees,
      reward: blockSubsidy(height, chain.params.halvingInterval) + fees,
      time: Math.max(chain.medianTimePast(parent) + 1, now),
      payTo,
    };
  });
}

/** The candidate block of a template for one extraNonce (the nonce is left at 0). */
export function templateBlock(t: BlockTemplate, extraNonce: bigint): Block {
  const coinbase = makeCoinbase({ height: t.height, extraNonce, outputs: [{ value: t.reward, pubKeyHash: t.payTo }] });
  const header: BlockHeader = {
    version: 1,
    prevHash: t.parent.hash,
    merkleRoot: merkleRoot([txid(coinbase), ...t.txids]).root,
    time: t.time,
    bits: t.bits,
    nonce: 0,
  };
  return { header, txs: [coinbase, ...t.txs] };
}

export function headerBytes(block: Block): Uint8Array {
  return encodeHeader(block.header);
}
