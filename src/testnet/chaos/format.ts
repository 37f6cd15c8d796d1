/** How the chaos checker and report write hashes, times and amounts. */

/** The first 12 hex digits of a hash, and an ellipsis. */
export const short = (h: string): string => `${h.slice(0, 12)}…`;

/** Milliseconds as seconds with one decimal: `12.3 s`. */
export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Base units as coins with 8 decimals. */
export function coins(sats: bigint): string {
  const s = sats.toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`;
}
