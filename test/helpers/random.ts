import { prng } from '../../src/bench/gen/keys.js';

/**
 * Seeded randomness for tests: mulberry32, the benchmark generator's, so every run of a test sees
 * the same cases and a failure names its seed.
 */
export function rng(seed: number): {
  next: () => number;
  int: (n: number) => number;
  bytes: (n: number) => Uint8Array;
} {
  const next = prng(seed);
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, bytes: (n) => Uint8Array.from({ length: n }, () => int(256)) };
}
