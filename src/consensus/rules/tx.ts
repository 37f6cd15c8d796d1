import { isCanonicalSignature, hasCompressedKeyShape } from '../../crypto/signature.js';
import { equalBytes } from '../../encoding/hex.js';
import { MAX_MONEY } from '../amounts.js';
import { COINBASE_MAX_UNLOCK, COINBASE_MIN_UNLOCK } from '../coinbase.js';
import { OK, reject, RejectCode, type RuleResult } from '../errors.js';
import { isCoinbase, isCoinbaseInput, outpointKey, outpointMapKey, txSize, type Transaction } from '../tx.js';

/** A spend's unlock: compressed public key (33) || compact signature r||s (64). */
export const SPEND_UNLOCK_BYTES = 33 + 64;

export function splitUnlock(unlock: Uint8Array): { pubkey: Uint8Array; signature: Uint8Array } {
  return { pubkey: unlockPubkey(unlock), signature: unlock.subarray(33, 97) };
}

/** The public key half of a spend's unlock. */
export function unlockPubkey(unlock: Uint8Array): Uint8Array {
  return unlock.subarray(0, 33);
}

/**
 * Every rule a transaction must satisfy on its own, without the coins it spends or the chain:
 * non-empty inputs and outputs, size, value ranges, no duplicate inputs, coinbase shape, and the
 * canonical form of each spend's key and signature (which is what rules out malleability).
 */
export function checkTransaction(tx: Transaction, maxBytes: number): RuleResult {
  if (tx.inputs.length === 0) return reject(RejectCode.VinEmpty, 'transaction has no inputs');
  if (tx.outputs.length === 0) return reject(RejectCode.VoutEmpty, 'transaction has no outputs');
  const size = txSize(tx);
  if (size > maxBytes) return reject(RejectCode.TxOversize, `transaction is ${size} bytes, limit ${maxBytes}`);

  let total = 0n;
  for (let i = 0; i < tx.outputs.length; i++) {
    const o = tx.outputs[i]!;
    if (o.value < 0n || o.value > MAX_MONEY)
      return reject(RejectCode.VoutTooLarge, `output ${i} value ${o.value} out of range`);
    total += o.value;
    if (total > MAX_MONEY) return reject(RejectCode.TxOutTotalTooLarge, `outputs total ${total} exceeds MAX_MONEY`);
  }

  const dup = duplicateInput(tx);
  if (dup >= 0) {
    const key = outpointKey(tx.inputs[dup]!.prevTxid, tx.inputs[dup]!.prevIndex);
    return reject(RejectCode.InputsDuplicate, `input ${key} spent twice`);
  }

  if (isCoinbase(tx)) {
    const n = tx.inputs[0]!.unlock.length;
    if (n < COINBASE_MIN_UNLOCK || n > COINBASE_MAX_UNLOCK) {
      return reject(
        RejectCode.CoinbaseLength,
        `coinbase unlock is ${n} bytes, expected ${COINBASE_MIN_UNLOCK}..${COINBASE_MAX_UNLOCK}`,
      );
    }
    return OK;
  }

  for (let i = 0; i < tx.inputs.length; i++) {
    const input = tx.inputs[i]!;
    if (isCoinbaseInput(input))
      return reject(RejectCode.PrevoutNull, `input ${i} has the null prevout outside a coinbase`);
    if (input.unlock.length !== SPEND_UNLOCK_BYTES) {
      return reject(
        RejectCode.UnlockLength,
        `input ${i} unlock is ${input.unlock.length} bytes, expected ${SPEND_UNLOCK_BYTES}`,
      );
    }
    const { pubkey, signature } = splitUnlock(input.unlock);
    if (!hasCompressedKeyShape(pubkey) || !isCanonicalSignature(signature)) {
      return reject(
        RejectCode.NonCanonicalSignature,
        `input ${i} key or signature is not canonical (compressed key, low-S r||s)`,
      );
    }
  }
  return OK;
}

/** Past this many inputs duplicates are found with a set of keys instead of by comparing pairs. */
const PAIRWISE_LIMIT = 16;

/** Index of the first input spending an outpoint an earlier input spends, or -1. */
function duplicateInput(tx: Transaction): number {
  const inputs = tx.inputs;
  if (inputs.length <= PAIRWISE_LIMIT) {
    // A payment has one to three inputs: comparing them pairwise needs no key at all.
    for (let i = 1; i < inputs.length; i++) {
      const a = inputs[i]!;
      for (let j = 0; j < i; j++) {
        const b = inputs[j]!;
        if (a.prevIndex === b.prevIndex && equalBytes(a.prevTxid, b.prevTxid)) return i;
      }
    }
    return -1;
  }
  const seen = new Set<string>();
  for (let i = 0; i < inputs.length; i++) {
    const key = outpointMapKey(inputs[i]!.prevTxid, inputs[i]!.prevIndex);
    if (seen.has(key)) return i;
    seen.add(key);
  }
  return -1;
}
