import { BAN_THRESHOLD, PENALTY, PENALTY_HALF_LIFE_MS, PeerScorer } from '../../src/net/scorer.js';

describe('PeerScorer', () => {
  test('penalties add up to a ban within the hour, once', () => {
    let now = 0;
    const s = new PeerScorer(() => now);
    const bans: string[] = [];
    s.on('ban', (b) => bans.push(b.peerId));
    for (let i = 0; i < BAN_THRESHOLD / PENALTY.invalidGossip; i++) {
      now += 1_000;
      s.penalise('p', PENALTY.invalidGossip, 'bad block');
    }
    expect(s.penalty('p')).toBe(BAN_THRESHOLD);
    expect(bans).toEqual(['p']);
    s.penalise('p', PENALTY.invalidGossip, 'again');
    expect(bans).toEqual(['p']);
  });

  test('a clean hour halves the penalty, so rare slips never reach a ban', () => {
    let now = 0;
    const s = new PeerScorer(() => now);
    const bans: string[] = [];
    s.on('ban', (b) => bans.push(b.peerId));
    for (let i = 0; i < 100; i++) {
      s.penalise('honest', PENALTY.rateLimited * 8, 'burst');
      now += PENALTY_HALF_LIFE_MS;
    }
    expect(bans).toEqual([]);
    expect(s.penalty('honest')).toBeLessThan(BAN_THRESHOLD);
    expect(s.appScore('honest')).toBe(-s.penalty('honest'));
    expect(s.penalty('stranger')).toBe(0);
  });
});
