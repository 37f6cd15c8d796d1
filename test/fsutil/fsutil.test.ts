import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquirePidLock, writeFileAtomic } from '../../src/fsutil/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'powchain-fsutil-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('writeFileAtomic replaces a file whole, with mode 0600 and no temp file left', () => {
  const path = join(dir, 'sub', 'state.json');
  writeFileAtomic(path, 'first');
  writeFileAtomic(path, Uint8Array.of(1, 2, 3));
  expect([...readFileSync(path)]).toEqual([1, 2, 3]);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(readdirSync(join(dir, 'sub'))).toEqual(['state.json']);
});

test('a pid lock refuses a live holder, takes over a dead one, and releases only its own', () => {
  const path = join(dir, '.lock');
  const first = acquirePidLock(path);
  expect(first.ok).toBe(true);
  // A second lock in the same process is refused, unless the caller says its own pid can only be
  // a previous process's (pid reuse); a live foreign holder is always refused.
  expect(acquirePidLock(path)).toEqual({ ok: false, heldBy: process.pid });
  expect(acquirePidLock(path, { ownPidIsStale: true }).ok).toBe(true);
  writeFileSync(path, `${process.ppid}\n`);
  expect(acquirePidLock(path)).toEqual({ ok: false, heldBy: process.ppid });
  // A process that has exited leaves a stale lock: taken over.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(path, `${gone.stdout}\n`);
  const second = acquirePidLock(path);
  expect(second.ok).toBe(true);
  expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
  // Releasing a lock someone else now holds leaves it alone.
  writeFileSync(path, `${process.ppid}\n`);
  if (first.ok) first.release();
  expect(existsSync(path)).toBe(true);
  writeFileSync(path, `${process.pid}\n`);
  if (second.ok) second.release();
  expect(existsSync(path)).toBe(false);
});
