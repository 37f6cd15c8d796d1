/** One measured figure. The JSON output is exactly these five fields per result. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The in-process figure this one is compared with, measured in the same run. */
  baseline: { name: string; value: number } | null;
  /** value / baseline.value, or null without a baseline. */
  ratio: number | null;
}

/** A goal from the benchmarks issue, checked against a result (shown in the table, never asserted). */
export interface Goal {
  text: string;
  met: boolean;
}

/** A result with the goals it is judged by (goals stay out of the JSON: they are not measurements). */
export interface Measured extends BenchResult {
  goals: Goal[];
}

export const BENCH_NAMES = [
  'hash',
  'verify',
  'connect',
  'sync',
  'propagate',
  'scale',
  'mempool',
  'memory',
  'startup',
  'flood',
] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

export function isBenchName(s: string): s is BenchName {
  return (BENCH_NAMES as readonly string[]).includes(s);
}

/** Build a result; `baseline` gives the ratio. */
export function result(
  name: string,
  value: number,
  unit: string,
  baseline?: { name: string; value: number } | null,
  goals: Goal[] = [],
): Measured {
  const b = baseline ?? null;
  return { name, value, unit, baseline: b, ratio: b && b.value > 0 ? value / b.value : null, goals };
}

/** `value >= min` (or, for a ratio goal, `ratio >= min`). */
export function atLeast(value: number | null, min: number, text: string): Goal {
  return { text, met: value !== null && value >= min };
}

export function atMost(value: number | null, max: number, text: string, strict = false): Goal {
  return { text, met: value !== null && (strict ? value < max : value <= max) };
}
