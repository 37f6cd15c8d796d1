import { BoundedMap } from '../collections/bounded-map.js';

/** MAX_TRACKED_BUCKETS: (peer, protocol) pairs remembered at once; the oldest is forgotten first. */
const MAX_TRACKED_BUCKETS = 10_000;

/** A token bucket per key: `rate` tokens a second, holding at most `burst`. */
export class RateLimiter {
  private readonly buckets = new BoundedMap<string, { tokens: number; at: number }>(MAX_TRACKED_BUCKETS);

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Take one token for `key`; false when the bucket is empty. */
  take(key: string): boolean {
    const now = this.nowMs();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
