/**
 * Hashes per second over a sliding window, from (time, running total) samples. Keeps the newest
 * sample at or before the window's start as the baseline, so the rate is the average over a span
 * of at least the window (or since the first sample), and decays to 0 while nothing is hashed.
 */
export class RateMeter {
  private readonly samples: { t: number; total: number }[] = [];

  constructor(private readonly windowMs: number) {}

  record(t: number, total: number): void {
    this.samples.push({ t, total });
    while (this.samples.length > 1 && this.samples[1]!.t <= t - this.windowMs) this.samples.shift();
  }

  rate(t: number, total: number): number {
    this.record(t, total);
    const base = this.samples[0]!;
    return t > base.t ? ((total - base.total) * 1000) / (t - base.t) : 0;
  }
}
