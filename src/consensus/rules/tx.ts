import { isCanonicalSignature, hasCompressedKeyShape } from '../../crypto/signature.js';
import { MAX_MONEY } from '../amounts.js';
import { COINBASE_MAX_UNLOCK, COINBASE_MIN_UNLOCK } from '../coinbase.js';
import { OK, reject, RejectCode, type RuleResult } from '../errors.js';
import { isCoinbase, isCoinbaseInput, outpointKey, txSize, type Transaction } from '../tx.js';

/** A spend's unlock: compressed public key (33) || compact signature r||s (64). */
export const SPEND_UNLOCK_BYTES = 33 + 64;

export function splitUnlock(unlock: Uint8Array): { pubkey: Uint8Array; signature: Uint8Array } {
  return { pubkey: unlock.subarray(0, 33), signature: unlock.subarray(33, 97) };
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
  for (const [i, o] of tx.outputs.entries()) {
    if (o.value < 0n || o.value > MAX_MONEY) return reject(RejectCode.VoutTooLarge, `output ${i} value ${o.value} out of range`);
    total += o.value;
    if (total > MAX_MONEY) return reject(RejectCode.TxOutTotalTooLarge, `outputs total ${total} exceeds MAX_MONEY`);
  }

  const seen = new Set<string>();
  for (const input of tx.inputs) {
    const key = outpointKey(input.prevTxid, input.prevIndex);
    if (seen.has(key)) return reject(RejectCode.InputsDuplicate, `input ${key} spent twice`);
    seen.add(key);
  }

  if (isCoinbase(tx)) {
    const n = tx.inputs[0]!.unlock.length;
    if (n < COINBASE_MIN_UNLOCK || n > COINBASE_MAX_UNLOCK) {
      return reject(RejectCode.CoinbaseLength, `coinbase unlock is ${n} bytes, expected ${COINBASE_MIN_UNLOCK}..${COINBASE_MAX_UNLOCK}`);
    }
    return OK;
  }

  for (const [i, input] of tx.inputs.entries()) {
    if (isCoinbaseInput(input)) return reject(RejectCode.PrevoutNull, `input ${i} has the null prevout outside a coinbase`);
    if (input.unlock.length !== SPEND_UNLOCK_BYTES) {
      return reject(RejectCode.UnlockLength, `input ${i} unlock is ${input.unlock.length} bytes, expected ${SPEND_UNLOCK_BYTES}`);
    }
    const { pubkey, signature } = splitUnlock(input.unlock);
    if (!hasCompressedKeyShape(pubkey) || !isCanonicalSignature(signature)) {
      return reject(RejectCode.NonCanonicalSignature, `input ${i} key or signature is not canonical (compressed key, low-S r||s)`);
    }
  }
  return OK;
}
