/**
 * The chain's cache budget (ChainOptions.dbCacheMiB, the node's --dbcache): how it is split, that
 * a bad one is refused before the database is touched, and that LevelDB gets its share.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Chain } from '../../src/chain/index.js';
import { chainTuning, COIN_CACHE_BYTES_PER_COIN, DEFAULT_DB_CACHE_MIB, dbCacheSplit } from '../../src/chain/options.js';
import { ChainStore, DEFAULT_LEVEL_CACHE } from '../../src/chain/store.js';
import type { BatchVerifier } from '../../src/chain/index.js';
import { regtest } from '../helpers/mine.js';
import { tempDir } from './harness.js';

const MiB = 1024 * 1024;
const v: BatchVerifier = { verifyBatch: () => Promise.resolve(-1) };
const base = { params: regtest, verifier: v, clock: () => 0 };

test('a budget is half write buffer, a quarter block cache, a quarter coins', () => {
  expect(dbCacheSplit(128)).toEqual({
    writeBufferSize: 64 * MiB,
    cacheSize: 32 * MiB,
    coins: Math.floor((32 * MiB) / COIN_CACHE_BYTES_PER_COIN),
  });
  expect(dbCacheSplit(4)).toEqual({ writeBufferSize: 2 * MiB, cacheSize: MiB, coins: 8738 });
  // The default is 128 MiB, LevelDB's sizes connect was measured with; an explicit coin count wins.
  expect(DEFAULT_DB_CACHE_MIB).toBe(128);
  const byDefault = chainTuning({ ...base, location: 'unused' });
  expect(byDefault.level).toEqual({ writeBufferSize: 64 * MiB, cacheSize: 32 * MiB });
  // A store opened on its own (reindex clears derived state that way) uses the same sizes.
  expect(DEFAULT_LEVEL_CACHE).toEqual(byDefault.level);
  expect(byDefault.coinCacheSize).toBe(dbCacheSplit(128).coins);
  expect(chainTuning({ ...base, location: 'unused', dbCacheMiB: 16, coinCacheSize: 5 }).coinCacheSize).toBe(5);
});

test.each([3, 2.5, Number.NaN, 65_537, -128])(
  'a dbCacheMiB of %p is refused before the database is touched',
  async (mib) => {
    const { dir, cleanup } = tempDir('powchain-dbcache');
    try {
      const location = join(dir, 'chain');
      await expect(Chain.open({ ...base, location, dbCacheMiB: mib })).rejects.toMatchObject({
        name: 'ChainError',
        code: 'bad-option',
        message: expect.stringContaining('dbCacheMiB'),
      });
      expect(existsSync(location)).toBe(false);
    } finally {
      cleanup();
    }
  },
);

test('a chain opened on a small budget sizes its coin cache from it', async () => {
  const { dir, cleanup } = tempDir('powchain-dbcache');
  try {
    const chain = await Chain.open({ ...base, location: join(dir, 'chain'), dbCacheMiB: 4 });
    expect(chain.stats().coinCacheCapacity).toBe(dbCacheSplit(4).coins);
    expect(chain.height).toBe(0);
    await chain.close();
  } finally {
    cleanup();
  }
});

test("LevelDB gets the budget's write buffer: a small one spills written records to table files", async () => {
  const { dir, cleanup } = tempDir('powchain-dbcache');
  // 6 MiB of records: more than a 4 MiB budget's 2 MiB write buffer, far less than the default's 64.
  const write = async (location: string, mib: number) => {
    const { store } = await ChainStore.open(location, regtest, { cache: dbCacheSplit(mib) });
    for (let b = 0; b < 6; b++) {
      const ops = Array.from({ length: 64 }, (_, i) => ({
        type: 'put' as const,
        key: Uint8Array.of(0x7a, b, i),
        value: new Uint8Array(16 * 1024).fill(b ^ i),
      }));
      await store.batch(ops);
    }
    // LevelDB writes a full memtable out in the background, and closing waits for that write.
    await store.close();
    return readdirSync(location).filter((f) => f.endsWith('.ldb')).length;
  };
  try {
    expect(await write(join(dir, 'small'), 4)).toBeGreaterThan(0);
    expect(await write(join(dir, 'default'), DEFAULT_DB_CACHE_MIB)).toBe(0);
  } finally {
    cleanup();
  }
});
