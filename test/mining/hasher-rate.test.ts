import { RateMeter } from '../../src/mining/hasher/index.js';

describe('RateMeter', () => {
  it('averages over the window, with a steady clock', () => {
    const m = new RateMeter(1000);
    for (let t = 0; t <= 3000; t += 250) m.record(t, t * 10); // 10 hashes per ms
    expect(m.rate(3000, 30_000)).toBe(10_000);
  });

  it('uses the time since the first sample while younger than the window', () => {
    const m = new RateMeter(5000);
    m.record(0, 0);
    expect(m.rate(500, 1000)).toBe(2000);
  });

  it('decays to zero when hashing stops, and reports 0 with no elapsed time', () => {
    const m = new RateMeter(1000);
    m.record(0, 0);
    m.record(1000, 5000);
    expect(m.rate(1000, 5000)).toBe(5000);
    m.record(2500, 5000);
    expect(m.rate(4000, 5000)).toBe(0);
    expect(new RateMeter(1000).rate(7, 0)).toBe(0);
  });
});
