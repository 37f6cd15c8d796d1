/**
 * Share difficulty in Stratum's units, and the per-connection difficulty controller (vardiff).
 *
 * Stratum v1 expresses a share target as a difficulty relative to Bitcoin's "difficulty 1"
 * target, 0x00000000ffff0000...0000 (compact 0x1d00ffff): target = DIFF1 / difficulty. Mining
 * software (cpuminer's diff_to_target, cgminer, ckpool) computes it that way, so powchain uses
 * the same unit on the wire even though its own networks' easiest targets are far easier than
 * Bitcoin's. A testnet block (target 2^233) is then difficulty 2^-9 or so, and shares below it are
 * fractions: Stratum's set_difficulty carries a JSON number, and miners accept fractions.
 */

/** Bitcoin's difficulty-1 target. */
export const DIFF1_TARGET = 0xffffn << 208n;
const MAX_TARGET = (1n << 256n) - 1n;
function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** The share target for a difficulty (clamped to the 256-bit range, never 0), computed exactly. */
export function targetForDifficulty(difficulty: number): bigint {
  if (!(difficulty > 0) || !Number.isFinite(difficulty)) throw new RangeError(`bad share difficulty ${difficulty}`);
  // difficulty = m * 2^e with m a 53-bit integer (scaling a double by a power of two is exact).
  let e = Math.floor(Math.log2(difficulty)) - 52;
  let m = difficulty / 2 ** e;
  while (!Number.isInteger(m)) m = difficulty / 2 ** --e;
  const t = e < 0 ? (DIFF1_TARGET << BigInt(-e)) / BigInt(m) : DIFF1_TARGET / (BigInt(m) << BigInt(e));
  return t > MAX_TARGET ? MAX_TARGET : t < 1n ? 1n : t;
}

/** The difficulty of a target (the inverse of targetForDifficulty), to a double's precision. */
export function difficultyForTarget(target: bigint): number {
  if (target <= 0n) throw new RangeError('a target is positive');
  // Shift so the quotient keeps 64 significant bits whatever the target's size.
  const shift = Math.max(0, bitLength(target) - bitLength(DIFF1_TARGET) + 64);
  return Number((DIFF1_TARGET << BigInt(shift)) / target) / 2 ** shift;
}

/** The easiest share difficulty there is: every hash meets its target. */
export const MIN_DIFFICULTY = difficultyForTarget(MAX_TARGET);

/** Expected hashes per share of difficulty 1: 2^256 / (DIFF1 + 1), about 2^32. */
export const HASHES_PER_DIFF1 = Number((1n << 256n) / (DIFF1_TARGET + 1n));

export interface VardiffOptions {
  /** The difficulty a connection starts at. */
  initial: number;
  min: number;
  max: number;
  /** Seconds between shares the controller aims for. */
  shareSeconds: number;
}

/** Shares counted before the rate is judged: enough that a few lucky shares do not move it. */
const RETARGET_SHARES = 16;
/** With fewer shares, the rate is judged after this many target intervals. */
const RETARGET_INTERVALS = 4;
/** One retarget moves the difficulty by at most this factor either way. */
const MAX_STEP = 4;

/**
 * One connection's share difficulty, moved towards `shareSeconds` per share: after 16 shares, or
 * after 4 target intervals (with or without shares), the observed time per share is compared
 * with the target; outside a factor of 2 the difficulty is scaled by the ratio, at most 4x per
 * step, within [min, max]. Time is in milliseconds, passed in.
 */
export class Vardiff {
  difficulty: number;
  private windowStart: number;
  private shares = 0;

  constructor(
    private o: VardiffOptions,
    now: number,
  ) {
    this.difficulty = clamp(o.initial, o.min, o.max);
    this.windowStart = now;
  }

  /** A new ceiling (the block difficulty moved): returns the new difficulty when it had to drop. */
  setMax(max: number): number | undefined {
    this.o = { ...this.o, max: Math.max(max, this.o.min) };
    if (this.difficulty <= this.o.max) return undefined;
    this.difficulty = this.o.max;
    return this.difficulty;
  }

  /** The miner asked for a difficulty (mining.suggest_difficulty): taken within the bounds. */
  suggest(difficulty: number, now: number): number {
    this.difficulty = clamp(difficulty, this.o.min, this.o.max);
    this.windowStart = now;
    this.shares = 0;
    return this.difficulty;
  }

  /** An accepted share: returns the new difficulty when it changes. */
  onShare(now: number): number | undefined {
    this.shares++;
    if (this.shares < RETARGET_SHARES && now - this.windowStart < RETARGET_INTERVALS * this.o.shareSeconds * 1000)
      return undefined;
    return this.retarget(now);
  }

  /** A periodic check, so a connection that finds no shares at all gets an easier target. */
  onTick(now: number): number | undefined {
    if (now - this.windowStart < RETARGET_INTERVALS * this.o.shareSeconds * 1000) return undefined;
    return this.retarget(now);
  }

  private retarget(now: number): number | undefined {
    const elapsed = Math.max(now - this.windowStart, 1) / 1000;
    // With no shares, the time per share is at least the whole window.
    const perShare = elapsed / Math.max(this.shares, 1);
    this.windowStart = now;
    this.shares = 0;
    const ratio = this.o.shareSeconds / perShare;
    if (ratio >= 0.5 && ratio <= 2) return undefined;
    const next = clamp(this.difficulty * clamp(ratio, 1 / MAX_STEP, MAX_STEP), this.o.min, this.o.max);
    if (next === this.difficulty) return undefined;
    this.difficulty = next;
    return next;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
