import { ByteReader } from '../encoding/reader.js';
import { ByteWriter } from '../encoding/writer.js';
import { COINBASE_PREV_INDEX, type Transaction, type TxOutput } from './tx.js';

/** height u32 || extraNonce u64 || up to 88 free bytes. */
export const COINBASE_MIN_UNLOCK = 12;
export const COINBASE_MAX_UNLOCK = 100;
export const COINBASE_MAX_EXTRA = COINBASE_MAX_UNLOCK - COINBASE_MIN_UNLOCK;

export function encodeCoinbaseUnlock(
  height: number,
  extraNonce: bigint,
  extra: Uint8Array = new Uint8Array(0),
): Uint8Array {
  if (extra.length > COINBASE_MAX_EXTRA)
    throw new RangeError(`coinbase free bytes are limited to ${COINBASE_MAX_EXTRA}`);
  return new ByteWriter(COINBASE_MIN_UNLOCK + extra.length).u32(height).u64(extraNonce).bytes(extra).finish();
}

/** The height a coinbase commits to, or null when its unlock is too short to hold one. */
export function coinbaseHeight(coinbase: Transaction): number | null {
  const unlock = coinbase.inputs[0]?.unlock;
  if (!unlock || unlock.length < COINBASE_MIN_UNLOCK) return null;
  return new ByteReader(unlock).u32();
}

export function makeCoinbase(p: {
  height: number;
  extraNonce: bigint;
  outputs: TxOutput[];
  extra?: Uint8Array;
}): Transaction {
  return {
    version: 1,
    inputs: [
      {
        prevTxid: new Uint8Array(32),
        prevIndex: COINBASE_PREV_INDEX,
        unlock: encodeCoinbaseUnlock(p.height, p.extraNonce, p.extra),
      },
    ],
    outputs: p.outputs,
    lockTime: 0,
  };
}
