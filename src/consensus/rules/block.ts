import { bytesKey, equalBytes } from '../../encoding/hex.js';
import { blockSize, type Block } from '../block.js';
import { OK, reject, RejectCode, type RuleResult } from '../errors.js';
import { headerHash } from '../header.js';
import { merkleRoot } from '../merkle.js';
import type { NetworkParams } from '../params/types.js';
import { checkProofOfWork } from '../pow.js';
import { isCoinbase, txid } from '../tx.js';
import { checkTransaction } from './tx.js';

/** The header's own proof of work: target in range and hash at or below it. */
export function checkHeaderPow(hash: Uint8Array, bits: number, params: NetworkParams): RuleResult {
  return checkProofOfWork(hash, bits, params.powLimit) ? OK : reject(RejectCode.HighHash, 'proof of work failed');
}

/**
 * Every rule a block must satisfy on its own, in the order that fails cheapest first:
 * proof of work, size, coinbase placement, each transaction, duplicate txids, merkle root.
 * `txids` may be passed when the caller already computed them while decoding.
 */
export function checkBlock(
  block: Block,
  params: NetworkParams,
  opts: { hash?: Uint8Array; txids?: Uint8Array[]; size?: number } = {},
): RuleResult {
  const pow = checkHeaderPow(opts.hash ?? headerHash(block.header), block.header.bits, params);
  if (!pow.ok) return pow;

  if (block.txs.length === 0) return reject(RejectCode.BadBlockLength, 'block has no transactions');
  const size = opts.size ?? blockSize(block);
  if (size > params.maxBlockBytes)
    return reject(RejectCode.BadBlockLength, `block is ${size} bytes, limit ${params.maxBlockBytes}`);

  if (!isCoinbase(block.txs[0]!)) return reject(RejectCode.CoinbaseMissing, 'first transaction is not a coinbase');
  for (let i = 1; i < block.txs.length; i++) {
    if (isCoinbase(block.txs[i]!)) return reject(RejectCode.CoinbaseMultiple, `transaction ${i} is a second coinbase`);
  }

  for (let i = 0; i < block.txs.length; i++) {
    const r = checkTransaction(block.txs[i]!, params.maxBlockBytes);
    if (!r.ok) return { ...r, reason: `tx ${i}: ${r.reason}` };
  }

  const ids = opts.txids ?? block.txs.map(txid);
  const { root, mutated } = merkleRoot(ids);
  // A mutated tree (CVE-2012-2459) is reported as duplicate transactions, as its cause is.
  if (mutated) return reject(RejectCode.DuplicateTx, 'merkle tree is mutated (duplicated transactions)');
  if (!equalBytes(root, block.header.merkleRoot))
    return reject(RejectCode.BadMerkleRoot, 'merkle root does not match the transactions');

  const unique = new Set<string>();
  for (const id of ids) {
    const k = bytesKey(id);
    if (unique.has(k)) return reject(RejectCode.DuplicateTx, 'duplicate txid in block');
    unique.add(k);
  }
  return OK;
}
