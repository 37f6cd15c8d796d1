import type { Block } from '../block.js';
import { makeCoinbase } from '../coinbase.js';
import { merkleRoot } from '../merkle.js';
import { txid } from '../tx.js';
import { INITIAL_SUBSIDY } from '../amounts.js';

export interface GenesisSpec {
  time: number;
  bits: number;
  nonce: number;
  /** Free text committed in the coinbase (at most 88 bytes). */
  message: string;
}

/**
 * The genesis block of a network: one coinbase at height 0 paying the initial subsidy to a
 * pubKeyHash of twenty zero bytes, which no key hashes to. Like every genesis coinbase, its
 * output never enters the UTXO set.
 */
export function buildGenesis(spec: GenesisSpec): Block {
  const coinbase = makeCoinbase({
    height: 0,
    extraNonce: 0n,
    extra: new TextEncoder().encode(spec.message),
    outputs: [{ value: INITIAL_SUBSIDY, pubKeyHash: new Uint8Array(20) }],
  });
  return {
    header: {
      version: 1,
      prevHash: new Uint8Array(32),
      merkleRoot: merkleRoot([txid(coinbase)]).root,
      time: spec.time,
      bits: spec.bits,
      nonce: spec.nonce,
    },
    txs: [coinbase],
  };
}
