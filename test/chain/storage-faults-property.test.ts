/**
 * The property behind every storage fault: whatever bytes are damaged, in whichever file of the
 * chain database or the block store, the node never starts silently inconsistent. Each seed
 * flips 1 to 16 random bytes in 1 to 3 random files (LevelDB's own LOG and LOCK aside) of a
 * copy of one chain, then `judge`: consistent, or refused with the way out, then recovered.
 * Bounded: SEEDS copies of a small chain, each judged in well under a second.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { rng } from '../helpers/random.js';
import { tempDir } from './harness.js';
import { buildBlocks, compact, copyTemplate, flipAt, judge, writeChain } from './fault-helpers.js';

const SEEDS = 60;

let pool: VerifyPool;
let tmp: ReturnType<typeof tempDir>;
let template: string;

beforeAll(async () => {
  pool = new VerifyPool();
  tmp = tempDir('powchain-fault-property');
  template = join(tmp.dir, 'template');
  const blocks = buildBlocks(25, 35);
  // Half the chain compacted into tables, the rest in the log: both kinds of file to hit.
  await writeChain(template, blocks.slice(0, 30), pool);
  await compact(template);
  await compact(`${template}-blocks`);
  await writeChain(template, blocks.slice(30), pool);
}, 120_000);

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

/** Every file of both databases that damage could reach. */
function damageable(location: string): string[] {
  return [location, `${location}-blocks`].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f !== 'LOG' && f !== 'LOG.old' && f !== 'LOCK')
      .map((f) => join(dir, f))
      .filter((f) => statSync(f).size > 0),
  );
}

test(`random bytes flipped in random files over ${SEEDS} seeds: never a silently inconsistent start`, async () => {
  const tally = { opened: 0, refused: 0 };
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = rng(seed);
    const location = copyTemplate(template, tmp.dir, `seed-${seed}`);
    const files = damageable(location);
    const hits: string[] = [];
    for (let f = 1 + r.int(3); f > 0; f--) {
      const file = files[r.int(files.length)]!;
      const size = statSync(file).size;
      const count = Math.min(size, 1 + r.int(16));
      flipAt(file, r.int(size - count + 1), count);
      hits.push(file.slice(tmp.dir.length));
    }
    // The seed and the files hit, so a failure can be replayed.
    const outcome = await judge(location, pool, 0).catch((err: Error) => {
      throw new Error(`seed ${seed} (${hits.join(', ')}): ${err.message}`);
    });
    tally[outcome.kind]++;
  }
  expect(tally.opened + tally.refused).toBe(SEEDS);
}, 300_000);
