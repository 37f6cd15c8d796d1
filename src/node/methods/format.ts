import type { ChainEntry } from '../../chain/block-index.js';
import type { Chain } from '../../chain/chain.js';
import type { Block } from '../../consensus/block.js';
import { blockSize } from '../../consensus/block.js';
import { bitsToTarget } from '../../consensus/pow.js';
import type { NetworkParams } from '../../consensus/params/types.js';
import { encodeTx, isCoinbase, txid, type Transaction } from '../../consensus/tx.js';
import { encodeAddress } from '../../crypto/address.js';
import { bytesToHex, hashToHex } from '../../encoding/hex.js';
import { Coins } from '../../rpc/json.js';

/** Difficulty as bitcoind reports it: how many times harder than the network's easiest target. */
export function difficulty(bits: number, params: NetworkParams): number {
  const target = bitsToTarget(bits).target;
  if (target === 0n) return 0;
  // Scale to keep precision in a double: both numbers fit after shifting out the low bits.
  return Number((params.powLimit << 32n) / target) / 2 ** 32;
}

export function txJson(
  tx: Transaction,
  params: NetworkParams,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const bytes = encodeTx(tx);
  const id = hashToHex(txid(tx));
  const coinbase = isCoinbase(tx);
  return {
    txid: id,
    hash: id,
    version: tx.version,
    size: bytes.length,
    locktime: tx.lockTime,
    vin: tx.inputs.map((i) =>
      coinbase
        ? { coinbase: bytesToHex(i.unlock), sequence: 0xffffffff }
        : {
            txid: hashToHex(i.prevTxid),
            vout: i.prevIndex,
            pubkey: bytesToHex(i.unlock.subarray(0, 33)),
            signature: bytesToHex(i.unlock.subarray(33)),
          },
    ),
    vout: tx.outputs.map((o, n) => ({
      value: new Coins(o.value),
      n,
      address: encodeAddress(params.addressHrp, o.pubKeyHash),
      pubkeyhash: bytesToHex(o.pubKeyHash),
    })),
    hex: bytesToHex(bytes),
    ...extra,
  };
}

export function headerJson(chain: Chain, e: ChainEntry): Record<string, unknown> {
  const onMain = chain.isOnMainChain(e);
  const next = onMain ? chain.atHeight(e.height + 1) : undefined;
  return {
    hash: hashToHex(e.hash),
    confirmations: onMain ? chain.height - e.height + 1 : -1,
    height: e.height,
    version: e.header.version,
    versionHex: e.header.version.toString(16).padStart(8, '0'),
    merkleroot: hashToHex(e.header.merkleRoot),
    time: e.header.time,
    mediantime: chain.medianTimePast(e),
    nonce: e.header.nonce,
    bits: e.header.bits.toString(16).padStart(8, '0'),
    difficulty: difficulty(e.header.bits, chain.params),
    chainwork: e.chainWork.toString(16).padStart(64, '0'),
    nTx: e.txCount,
    previousblockhash: e.height > 0 ? hashToHex(e.header.prevHash) : undefined,
    nextblockhash: next ? hashToHex(next.hash) : undefined,
  };
}

export function blockJson(chain: Chain, e: ChainEntry, block: Block, verbosity: 1 | 2): Record<string, unknown> {
  return {
    ...headerJson(chain, e),
    size: blockSize(block),
    tx: verbosity === 1 ? block.txs.map((t) => hashToHex(txid(t))) : block.txs.map((t) => txJson(t, chain.params)),
  };
}
