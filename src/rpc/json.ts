import { COIN } from '../consensus/amounts.js';

/**
 * An amount of coins in base units, printed in JSON as a number with exactly 8 decimals
 * (`12.50000000`), as bitcoind prints amounts, without ever passing through a float.
 */
export class Coins {
  constructor(readonly base: bigint) {}

  toString(): string {
    const neg = this.base < 0n;
    const abs = neg ? -this.base : this.base;
    const whole = abs / COIN;
    const frac = (abs % COIN).toString().padStart(8, '0');
    return `${neg ? '-' : ''}${whole}.${frac}`;
  }
}

/** A JSON number kept as its source text, so `12.50000000` prints back exactly as received. */
export class RawNumber {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

/**
 * Parse JSON keeping every non-integer number as a RawNumber (its exact source text), so amounts
 * pass through a client without becoming floats.
 */
export function parseJsonExact(text: string): unknown {
  type Ctx = { source?: string };
  return JSON.parse(text, function (this: unknown, _k: string, v: unknown, ctx?: Ctx) {
    if (typeof v === 'number' && ctx?.source && !/^-?\d+$/.test(ctx.source)) return new RawNumber(ctx.source);
    return v;
  } as never);
}

/** JSON text of a value, with Coins as exact decimals and bigints as plain integers. */
export function toJson(value: unknown, indent?: number): string {
  const marks = new Map<string, string>();
  let n = 0;
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (v instanceof Coins || v instanceof RawNumber || typeof v === 'bigint') {
        const mark = `\u0000num${n++}\u0000`;
        marks.set(mark, v.toString());
        return mark;
      }
      return v;
    },
    indent,
  );
  if (text === undefined) return 'null';
  return marks.size === 0 ? text : text.replace(/"\\u0000num\d+\\u0000"/g, (m) => marks.get(JSON.parse(m) as string)!);
}

/**
 * Parse a decimal coin amount ("12.5", "0.00000001") to base units exactly: at most 8 decimals,
 * no exponent, no sign unless `allowNegative`. Throws RangeError with a readable reason.
 */
export function parseCoins(input: string | number | RawNumber, allowNegative = false): bigint {
  const s = input instanceof RawNumber ? input.text : typeof input === 'number' ? input.toFixed(8) : input.trim();
  const m = /^(-)?(\d+)(?:\.(\d{1,8}))?$/.exec(s);
  if (!m) {
    if (/^-?\d+\.\d{9,}$/.test(s)) throw new RangeError(`amount ${s} has more than 8 decimals`);
    throw new RangeError(`amount '${s}' is not a decimal number of coins`);
  }
  if (m[1] && !allowNegative) throw new RangeError('amount must not be negative');
  const base = BigInt(m[2]!) * COIN + BigInt((m[3] ?? '').padEnd(8, '0'));
  return m[1] ? -base : base;
}
