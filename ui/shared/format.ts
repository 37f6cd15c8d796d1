/** An amount as the RPC prints it: exactly 8 decimals. Amounts arrive as JSON numbers. */
export function coins(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : v.toFixed(8);
}

/** The first and last characters of a hash: enough to tell hashes apart at a glance. */
export function short(hash: string, n = 8): string {
  return hash.length <= 2 * n + 1 ? hash : `${hash.slice(0, n)}…${hash.slice(-4)}`;
}

/** "12 s ago", "3 min ago", "2 h ago" from Unix seconds. */
export function ago(unixSeconds: number, now = Date.now() / 1000): string {
  const s = Math.max(0, Math.round(now - unixSeconds));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export function dateTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** Hashes per second with a unit. */
export function hashRate(h: number | null | undefined): string {
  if (h === null || h === undefined) return '—';
  if (h >= 1e9) return `${(h / 1e9).toFixed(2)} GH/s`;
  if (h >= 1e6) return `${(h / 1e6).toFixed(2)} MH/s`;
  if (h >= 1e3) return `${(h / 1e3).toFixed(1)} kH/s`;
  return `${Math.round(h)} H/s`;
}

export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} B`;
}

export function millis(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
