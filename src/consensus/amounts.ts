/** Base units per coin. Amounts are bigint base units everywhere on the money path. */
export const COIN = 100_000_000n;

/** No value and no sum of values may exceed this. */
export const MAX_MONEY = 21_000_000n * COIN;

export const INITIAL_SUBSIDY = 50n * COIN;

export function moneyRange(v: bigint): boolean {
  return v >= 0n && v <= MAX_MONEY;
}

/** 50 coins, halving every `halvingInterval` blocks; zero after 64 halvings. */
export function blockSubsidy(height: number, halvingInterval: number): bigint {
  const halvings = Math.floor(height / halvingInterval);
  if (halvings >= 64) return 0n;
  return INITIAL_SUBSIDY >> BigInt(halvings);
}
