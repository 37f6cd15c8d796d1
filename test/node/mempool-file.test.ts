import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mempool } from '../../src/mempool/mempool.js';
import { MempoolFile, MEMPOOL_JOURNAL } from '../../src/node/mempool-file.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { encodeTx } from '../../src/consensus/tx.js';
import { feeFor, idOf, pay, poolFixture } from '../mempool/fixture.js';

describe('mempool persistence', () => {
  test('a transaction is in the journal the moment it is accepted, and a new pool loads it', async () => {
    const f = await poolFixture();
    try {
      const file = new MempoolFile(f.h.dir, f.pool);
      f.pool.on('added', (e) => file.record(bytesToHex(encodeTx(e.tx))));
      const a = pay(f.coins[0]!, feeFor(2_000));
      const b = pay(f.coins[1]!, feeFor(2_000));
      expect((await f.pool.accept(a)).accepted).toBe(true);
      expect((await f.pool.accept(b)).accepted).toBe(true);
      // No snapshot was written: only the journal holds them (what a kill -9 leaves behind).
      expect(readFileSync(join(f.h.dir, MEMPOOL_JOURNAL), 'utf8').trim().split('\n')).toHaveLength(2);
      // A cut-short last line (a crash mid-append) is skipped, not fatal.
      appendFileSync(join(f.h.dir, MEMPOOL_JOURNAL), 'deadbe');

      const fresh = new Mempool(f.h.chain, f.h.clock.read);
      const loaded = await new MempoolFile(f.h.dir, fresh).load();
      expect(loaded).toEqual({ accepted: 2, rejected: 1 });
      expect(fresh.has(idOf(a)) && fresh.has(idOf(b))).toBe(true);

      // A snapshot holds the same and empties the journal.
      const snap = new MempoolFile(f.h.dir, fresh);
      snap.save();
      expect(existsSync(join(f.h.dir, MEMPOOL_JOURNAL))).toBe(false);
      const again = new Mempool(f.h.chain, f.h.clock.read);
      expect(await new MempoolFile(f.h.dir, again).load()).toEqual({ accepted: 2, rejected: 0 });
    } finally {
      await f.close();
    }
  });
});
