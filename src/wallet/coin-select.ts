import { signedTxSize } from './builder.js';
import { formatCoins } from './amount.js';
import { WalletError } from './errors.js';

/**
 * Coin selection for one payment plus change. Deterministic: the same coins and amount always
 * give the same choice.
 *
 * 1. Confirmed coins first; unconfirmed ones (only ever the wallet's own change) only when the
 *    confirmed coins cannot pay.
 * 2. Within a tier, the single smallest coin that pays amount + fee, if any (one input, the
 *    smallest transaction, big coins kept whole); otherwise the largest coins first until they pay.
 * 3. The fee is feeRate × the exact signed size (every input is 134 bytes signed), rounded up.
 *    Change below DUST is not worth an output: it goes to the fee instead.
 */

/** Change smaller than this (base units) is added to the fee rather than made an output. */
export const DUST = 546n;

export interface Candidate {
  /** Display hex. */
  txid: string;
  index: number;
  value: bigint;
  /** Height of the block that holds it; -1 for unconfirmed. */
  height: number;
}

export interface Selection<C extends Candidate = Candidate> {
  coins: C[];
  /** Base units. */
  fee: bigint;
  /** 0n when there is no change output. */
  change: bigint;
  /** Signed size of the transaction. */
  size: number;
}

/** Fee for `size` bytes at `ratePerKb` base units per 1,000 bytes, rounded up. */
export function feeFor(size: number, ratePerKb: bigint): bigint {
  return (ratePerKb * BigInt(size) + 999n) / 1000n;
}

function evaluate<C extends Candidate>(coins: C[], amount: bigint, rate: bigint): Selection<C> | undefined {
  const total = coins.reduce((s, c) => s + c.value, 0n);
  const sizeWith = signedTxSize(coins.length, 2);
  const feeWith = feeFor(sizeWith, rate);
  if (total >= amount + feeWith + DUST)
    return { coins, fee: feeWith, change: total - amount - feeWith, size: sizeWith };
  const sizeWithout = signedTxSize(coins.length, 1);
  if (total >= amount + feeFor(sizeWithout, rate)) return { coins, fee: total - amount, change: 0n, size: sizeWithout };
  return undefined;
}

/** Equal values: the older coin first (then txid, index), so ties never depend on input order. */
function tieBreak(a: Candidate, b: Candidate): number {
  if (a.height !== b.height) return a.height - b.height;
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  return a.index - b.index;
}

function selectFrom<C extends Candidate>(pool: C[], amount: bigint, rate: bigint): Selection<C> | undefined {
  const ascending = [...pool].sort((a, b) => (a.value !== b.value ? (a.value < b.value ? -1 : 1) : tieBreak(a, b)));
  for (const c of ascending) {
    const single = evaluate([c], amount, rate);
    if (single) return single;
  }
  const descending = [...pool].sort((a, b) => (a.value !== b.value ? (a.value > b.value ? -1 : 1) : tieBreak(a, b)));
  const picked: C[] = [];
  for (const c of descending) {
    picked.push(c);
    const s = evaluate(picked, amount, rate);
    if (s) return s;
  }
  return undefined;
}

/**
 * Coins from `candidates` paying `amount` at `ratePerKb`, or WalletError('insufficient-funds')
 * saying how much is missing.
 */
export function selectCoins<C extends Candidate>(
  candidates: readonly C[],
  amount: bigint,
  ratePerKb: bigint,
): Selection<C> {
  if (amount <= 0n) throw new WalletError('bad-amount', 'amount must be greater than zero');
  const confirmed = candidates.filter((c) => c.height >= 0);
  const s =
    selectFrom(confirmed, amount, ratePerKb) ??
    (confirmed.length < candidates.length ? selectFrom([...candidates], amount, ratePerKb) : undefined);
  if (s) return s;
  const total = candidates.reduce((t, c) => t + c.value, 0n);
  const fee = feeFor(signedTxSize(Math.max(1, candidates.length), 1), ratePerKb);
  throw new WalletError(
    'insufficient-funds',
    `insufficient funds: sending ${formatCoins(amount)} plus a fee of about ${formatCoins(fee)} needs more than the ${formatCoins(total)} spendable`,
  );
}
