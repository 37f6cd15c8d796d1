import { hash160Equals } from '../../crypto/hash.js';
import { MAX_MONEY, moneyRange } from '../amounts.js';
import type { Block } from '../block.js';
import type { Coin } from '../coin.js';
import { coinbaseHeight } from '../coinbase.js';
import { OK, reject, RejectCode, type RuleResult } from '../errors.js';
import type { BlockHeader } from '../header.js';
import { expectedBits } from '../next-bits.js';
import type { NetworkParams } from '../params/types.js';
import { SighashContext } from '../sighash.js';
import { outpointKey, totalOutput, type Transaction } from '../tx.js';
import { splitUnlock, unlockPubkey } from './tx.js';

/** How many previous blocks' times form the median a new block must exceed. */
export const MEDIAN_TIME_SPAN = 11;

/** Median of the given block times (the last MEDIAN_TIME_SPAN of a chain, oldest first or not). */
export function medianTimePast(times: readonly number[]): number {
  if (times.length === 0) return 0;
  const sorted = times.slice(-MEDIAN_TIME_SPAN).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface HeaderContext {
  expectedBits: number;
  medianTimePast: number;
  /** The local clock, injected: consensus code never reads one. */
  now: number;
  maxFutureBlockTime: number;
}

/** A block of the chain a new header builds on, as the header rules need to see it. */
export interface ChainBlock {
  height: number;
  header: BlockHeader;
}

/**
 * The context a child of `parent` is judged in: expected bits from the network's difficulty
 * rule, the median of the last 11 times, the local clock. `ancestorAt(h)` returns the block at
 * height h of the parent's own chain (h <= parent.height): the 10 below the parent, block 1 (the
 * ASERT anchor, asked for by every block: callers answer it without a walk down the chain) and
 * a retarget period's first block. One definition for the chain and for header sync, so the two
 * can never disagree.
 */
export function headerContextAfter(
  params: NetworkParams,
  parent: ChainBlock,
  ancestorAt: (height: number) => ChainBlock | undefined,
  now: number,
): HeaderContext {
  const times: number[] = [];
  for (let h = parent.height; h >= 0 && times.length < MEDIAN_TIME_SPAN; h--) {
    const b = h === parent.height ? parent : ancestorAt(h);
    if (!b) break;
    times.push(b.header.time);
  }
  const info = (b: ChainBlock) => ({ height: b.height, time: b.header.time, bits: b.header.bits });
  return {
    expectedBits: expectedBits(params, info(parent), (h) => {
      const b = h === parent.height ? parent : ancestorAt(h);
      // The chain answers for every height of its own; a gap is a caller's bug, not a bad block.
      if (!b) throw new RangeError(`no block at height ${h} below the parent at ${parent.height}`);
      return info(b);
    }),
    medianTimePast: medianTimePast(times),
    now,
    maxFutureBlockTime: params.maxFutureBlockTime,
  };
}

/**
 * A header against its parent chain: the bits the difficulty rule demands, a time after the
 * median of the last 11 blocks, and no more than maxFutureBlockTime ahead of the local clock
 * (that one is temporary: the same block is valid later).
 */
export function checkHeaderContext(header: BlockHeader, ctx: HeaderContext): RuleResult {
  if (header.bits !== ctx.expectedBits) {
    return reject(
      RejectCode.BadDiffBits,
      `bits 0x${header.bits.toString(16)}, expected 0x${ctx.expectedBits.toString(16)}`,
    );
  }
  if (header.time <= ctx.medianTimePast) {
    return reject(RejectCode.TimeTooOld, `time ${header.time} is not after median time past ${ctx.medianTimePast}`);
  }
  if (header.time > ctx.now + ctx.maxFutureBlockTime) {
    return reject(
      RejectCode.TimeTooNew,
      `time ${header.time} is more than ${ctx.maxFutureBlockTime} s ahead of ${ctx.now}`,
    );
  }
  return OK;
}

export function checkCoinbaseHeight(block: Block, height: number): RuleResult {
  const committed = coinbaseHeight(block.txs[0]!);
  if (committed !== height)
    return reject(RejectCode.CoinbaseHeight, `coinbase commits to height ${committed}, block is at ${height}`);
  return OK;
}

export type InputsResult = { ok: true; fee: bigint } | { ok: false; code: RejectCode; reason: string };

/**
 * A non-coinbase transaction against the coins it spends (`coins[i]` for input i, undefined when
 * missing or already spent): existence, coinbase maturity, value ranges, inputs covering outputs,
 * and each spending key hashing to the spent output's pubKeyHash. Signatures are checked apart
 * (`signatureItems`) so they can be cached and spread over threads.
 */
export function checkTxInputs(
  tx: Transaction,
  coins: readonly (Coin | undefined)[],
  spendHeight: number,
  coinbaseMaturity: number,
): InputsResult {
  let inSum = 0n;
  for (let i = 0; i < tx.inputs.length; i++) {
    const coin = coins[i];
    const input = tx.inputs[i]!;
    if (!coin) {
      return {
        ok: false,
        code: RejectCode.InputsMissingOrSpent,
        reason: `input ${i} spends ${outpointKey(input.prevTxid, input.prevIndex)}, which is missing or spent`,
      };
    }
    if (coin.coinbase && spendHeight - coin.height < coinbaseMaturity) {
      return {
        ok: false,
        code: RejectCode.PrematureCoinbaseSpend,
        reason: `input ${i} spends a coinbase of height ${coin.height} at height ${spendHeight} (maturity ${coinbaseMaturity})`,
      };
    }
    if (!moneyRange(coin.value))
      return { ok: false, code: RejectCode.InputValuesOutOfRange, reason: `input ${i} value out of range` };
    inSum += coin.value;
    if (inSum > MAX_MONEY)
      return { ok: false, code: RejectCode.InputValuesOutOfRange, reason: 'input total exceeds MAX_MONEY' };
    if (!hash160Equals(unlockPubkey(input.unlock), coin.pubKeyHash)) {
      return {
        ok: false,
        code: RejectCode.PubKeyMismatch,
        reason: `input ${i} key does not hash to the spent output's pubKeyHash`,
      };
    }
  }
  const outSum = totalOutput(tx);
  if (inSum < outSum) return { ok: false, code: RejectCode.InBelowOut, reason: `inputs ${inSum} < outputs ${outSum}` };
  return { ok: true, fee: inSum - outSum };
}

export interface SignatureItem {
  sig: Uint8Array;
  digest: Uint8Array;
  pubkey: Uint8Array;
}

/** The (signature, digest, key) triple each input of `tx` must satisfy. */
export function signatureItems(tx: Transaction, coins: readonly Coin[], genesisHash: Uint8Array): SignatureItem[] {
  const ctx = new SighashContext(tx, genesisHash);
  return tx.inputs.map((input, i) => {
    const { pubkey, signature } = splitUnlock(input.unlock);
    return { sig: signature, pubkey, digest: ctx.digest(i, coins[i]!) };
  });
}

/** The coinbase may claim at most the subsidy plus the block's fees. */
export function checkCoinbaseAmount(coinbase: Transaction, subsidy: bigint, fees: bigint): RuleResult {
  const claimed = totalOutput(coinbase);
  if (claimed > subsidy + fees)
    return reject(RejectCode.CoinbaseAmount, `coinbase pays ${claimed}, limit ${subsidy + fees}`);
  return OK;
}
