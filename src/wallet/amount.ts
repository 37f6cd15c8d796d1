import { COIN, MAX_MONEY } from '../consensus/amounts.js';
import { Coins, parseCoins } from '../rpc/json.js';
import { WalletError } from './errors.js';

/**
 * Amounts a user types: a plain decimal number of coins with at most 8 decimals ("12.5",
 * "0.00000001"), parsed exactly to bigint base units by parseCoins. No exponent ("1e3"), no
 * sign, no zero, nothing above MAX_MONEY: each is a WalletError('bad-amount') naming the reason.
 */
export function parseAmount(text: string, what = 'amount'): bigint {
  const base = parseDecimal(text, what, 'bad-amount');
  if (base === 0n) throw new WalletError('bad-amount', `${what} must be greater than zero`);
  if (base > MAX_MONEY)
    throw new WalletError('bad-amount', `${what} ${text.trim()} is more than the 21,000,000 coins that can exist`);
  return base;
}

/** Fee rates above this (coins per 1,000 bytes) are a typo, not a choice: refuse them. */
export const MAX_FEE_RATE = COIN / 10n;

/**
 * A fee rate in coins per 1,000 bytes (the unit estimatesmartfee reports), to base units per
 * 1,000 bytes. Positive, at most 8 decimals, at most MAX_FEE_RATE.
 */
export function parseFeeRate(text: string): bigint {
  const rate = parseDecimal(text, 'fee rate', 'bad-fee-rate');
  if (rate === 0n) throw new WalletError('bad-fee-rate', 'fee rate must be greater than zero');
  if (rate > MAX_FEE_RATE) {
    throw new WalletError(
      'bad-fee-rate',
      `fee rate ${text.trim()} coins/kB is above the ${formatCoins(MAX_FEE_RATE)} coins/kB safety limit`,
    );
  }
  return rate;
}

function parseDecimal(text: string, what: string, code: 'bad-amount' | 'bad-fee-rate'): bigint {
  if (typeof text !== 'string' || text.trim() === '') throw new WalletError(code, `${what} is missing`);
  try {
    return parseCoins(text);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    const shown = text.trim();
    if (/^-/.test(shown)) throw new WalletError(code, `${what} must be positive, got ${shown}`);
    if (/^\d+\.\d{9,}$/.test(shown))
      throw new WalletError(code, `${what} ${shown} has more than 8 decimals (the smallest unit is 0.00000001)`);
    throw new WalletError(code, `${what} '${shown}' is not a decimal number of coins (like 12.5)`);
  }
}

/** Base units as a coin decimal with exactly 8 decimals: 1250000000n -> "12.50000000". */
export function formatCoins(base: bigint): string {
  return new Coins(base).toString();
}
