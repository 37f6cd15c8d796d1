import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BANS_FILE, BanList, MAX_BANS } from '../../src/net/bans.js';

describe('BanList', () => {
  test('bans persist, expire, and stay bounded however many peer ids offend', () => {
    const dir = mkdtempSync(join(tmpdir(), 'powchain-bans-'));
    try {
      let now = 1_000;
      const bans = new BanList(dir, () => now);
      bans.ban('a', 100, 'bad blocks');
      bans.flush();
      expect(new BanList(dir, () => now).isBanned('a')).toBe(true);
      now += 101;
      expect(bans.isBanned('a')).toBe(false);

      for (let i = 0; i < MAX_BANS + 50; i++) bans.ban(`p${i}`, 1_000 + i, 'flood');
      expect(bans.list().length).toBe(MAX_BANS);
      // The ones ending soonest made room; the newest is kept.
      expect(bans.isBanned('p0')).toBe(false);
      expect(bans.isBanned(`p${MAX_BANS + 49}`)).toBe(true);
      bans.flush();
      expect((JSON.parse(readFileSync(join(dir, BANS_FILE), 'utf8')) as unknown[]).length).toBe(MAX_BANS);

      bans.clear();
      bans.flush();
      expect(bans.list()).toEqual([]);
      expect(existsSync(join(dir, BANS_FILE))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
