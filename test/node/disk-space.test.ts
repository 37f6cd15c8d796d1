/**
 * `--min-free-disk` must leave a stopped node able to start again: reopening a LevelDB replays
 * its write-ahead log into a new table before anything else, so the floor is the minimum plus
 * the logs' size. Real databases in a temp directory; only the disk's free space is given.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ClassicLevel } from 'classic-level';
import { DiskSpaceError, DiskSpaceGuard, reopenNeedsMiB } from '../../src/node/disk-space.js';
import { createLogger } from '../../src/node/logger.js';

const MiB = 1024 * 1024;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'powchain-disk-space-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A chain database holding `mib` MiB in its write-ahead log (not yet written out to a table). */
async function chainWithLog(mib: number): Promise<ClassicLevel<string, Uint8Array>> {
  const db = new ClassicLevel<string, Uint8Array>(join(dir, 'chain'), {
    valueEncoding: 'view',
    writeBufferSize: 64 * MiB,
  });
  await db.open();
  // Random bytes: LevelDB's compression cannot shrink them, so the table is as large as the log.
  for (let i = 0; i < mib * 4; i++) await db.put(`k${i}`, randomBytes(MiB / 4));
  return db;
}

function guard(freeMiB: number, minMiB: number) {
  const lines: string[] = [];
  const out = new PassThrough();
  out.on('data', (b: Buffer) => lines.push(b.toString()));
  const stops: string[] = [];
  const g = new DiskSpaceGuard(
    dir,
    minMiB,
    createLogger('info', 'json', out),
    (m) => stops.push(m),
    () => freeMiB,
  );
  return { g, stops, lines };
}

test('what reopening writes is the size of the databases’ logs, and nothing once they are written out', async () => {
  expect(reopenNeedsMiB(dir)).toBe(0); // no databases yet
  const db = await chainWithLog(3);
  const needs = reopenNeedsMiB(dir);
  expect(needs).toBeGreaterThan(2.9);
  expect(needs).toBeLessThan(3.5);
  // Other files, and logs of folders that are not databases, do not count.
  mkdirSync(join(dir, 'wallets'));
  writeFileSync(join(dir, 'wallets', 'x.log'), new Uint8Array(2 * MiB));
  writeFileSync(join(dir, 'node.log'), new Uint8Array(2 * MiB));
  expect(reopenNeedsMiB(dir)).toBeCloseTo(needs, 5);
  // Reopened (with room), LevelDB writes the log out to a table and starts an empty one.
  await db.close();
  const again = new ClassicLevel(join(dir, 'chain'));
  await again.open();
  expect(reopenNeedsMiB(dir)).toBeLessThan(0.01);
  await again.close();
});

test('the node stops while a restart still has room for its logs, and says how much they need', async () => {
  const db = await chainWithLog(3);
  try {
    // 4 MiB free and a 2 MiB minimum: above the minimum, but a restart would need ~3 MiB more.
    const low = guard(4, 2);
    expect(() => low.g.start()).toThrow(DiskSpaceError);
    expect(() => low.g.start()).toThrow(
      /below --min-free-disk 2 plus the 3\.\d MiB its databases write when they reopen; stopping/,
    );
    // Room for both: it starts, and warns below twice the minimum plus the logs.
    const warned = guard(6, 2);
    warned.g.start();
    warned.g.stop();
    expect(warned.lines.join('')).toMatch(/disk space is getting low/);
    const fine = guard(100, 2);
    fine.g.start();
    fine.g.stop();
    expect(fine.lines).toEqual([]);
    expect(fine.stops).toEqual([]);
  } finally {
    await db.close();
  }
});

test('--min-free-disk 0 turns the guard off', async () => {
  const db = await chainWithLog(1);
  try {
    const off = guard(0, 0);
    off.g.start();
    expect(off.stops).toEqual([]);
  } finally {
    await db.close();
  }
});
