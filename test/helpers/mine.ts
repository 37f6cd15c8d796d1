import { blockSubsidy } from '../../src/consensus/amounts.js';
import type { Block } from '../../src/consensus/block.js';
import { headerHash, type BlockHeader } from '../../src/consensus/header.js';
import { merkleRoot } from '../../src/consensus/merkle.js';
import { networks } from '../../src/consensus/params/networks.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { checkProofOfWork } from '../../src/consensus/pow.js';
import { txid, type Transaction } from '../../src/consensus/tx.js';
import { testKey, type TestKey } from './keys.js';
import { coinbaseTx, payTo } from './tx.js';

export const regtest: NetworkParams = networks.regtest;

/**
 * The header with the first nonce (counting up from its own) whose hash meets (`meets` true) or
 * fails (`meets` false) its target. At regtest's 0x207fffff about every second nonce meets it,
 * so either search ends within a few tries; a bound keeps a harder target from hanging a test.
 */
export function grindNonce(header: BlockHeader, powLimit: bigint, meets = true, maxTries = 1 << 16): BlockHeader {
  const h = { ...header };
  for (let i = 0; i < maxTries; i++) {
    if (checkProofOfWork(headerHash(h), h.bits, powLimit) === meets) return h;
    h.nonce = (h.nonce + 1) >>> 0;
  }
  throw new Error(`no nonce in ${maxTries} tries ${meets ? 'meets' : 'fails'} bits 0x${h.bits.toString(16)}`);
}

/** Recompute the merkle root from the block's transactions and grind a fresh nonce. */
export function remine(block: Block, params: NetworkParams = regtest): Block {
  const header = { ...block.header, merkleRoot: merkleRoot(block.txs.map(txid)).root, nonce: 0 };
  return { header: grindNonce(header, params.powLimit), txs: block.txs };
}

/** Grind a fresh nonce for a block whose header was edited, keeping its merkle root as it is. */
export function regrind(block: Block, params: NetworkParams = regtest, meets = true): Block {
  return { header: grindNonce({ ...block.header, nonce: 0 }, params.powLimit, meets), txs: block.txs };
}

export interface BlockSpec {
  prevHash: Uint8Array;
  height: number;
  time: number;
  /** Non-coinbase transactions, in block order. */
  txs?: Transaction[];
  /** Who the coinbase pays (default: the 'miner' test key). */
  minerKey?: TestKey;
  /** Fees the block's transactions pay; the coinbase claims subsidy + fees unless `coinbaseValue` says otherwise. */
  fees?: bigint;
  coinbaseValue?: bigint;
  /** Varies the coinbase txid (and so the block hash) between blocks at the same height. */
  extraNonce?: bigint;
  params?: NetworkParams;
  /** The header's bits (default: the network's genesis bits, which regtest keeps forever). */
  bits?: number;
}

/**
 * A block that passes every consensus check at `height` on top of `prevHash` (given valid,
 * correctly-signed `txs` and an honest `fees`): coinbase at the right height claiming the
 * subsidy plus fees, correct merkle root, the network's fixed bits (or `bits`, which a network
 * whose difficulty moves takes from expectedBits), and a nonce meeting them.
 */
export function mineBlock(spec: BlockSpec): Block {
  const params = spec.params ?? regtest;
  const value = spec.coinbaseValue ?? blockSubsidy(spec.height, params.halvingInterval) + (spec.fees ?? 0n);
  const cb = coinbaseTx(spec.height, [payTo(spec.minerKey ?? testKey('miner'), value)], spec.extraNonce ?? 0n);
  const txs = [cb, ...(spec.txs ?? [])];
  const header: BlockHeader = {
    version: 1,
    prevHash: spec.prevHash,
    merkleRoot: merkleRoot(txs.map(txid)).root,
    time: spec.time,
    bits: spec.bits ?? params.genesis.header.bits,
    nonce: 0,
  };
  return { header: grindNonce(header, params.powLimit), txs };
}
