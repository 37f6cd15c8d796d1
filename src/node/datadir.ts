import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, accessSync, constants, chmodSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { COOKIE_FILE, COOKIE_USER } from '../rpc/cookie.js';

export const LOCK_FILE = '.lock';
export { COOKIE_FILE, COOKIE_USER, defaultDatadir, readCookie } from '../rpc/cookie.js';

export class DatadirError extends Error {
  override readonly name = 'DatadirError';
}

/** Create the data directory (0700) if needed and check it is writable. */
export function prepareDatadir(dir: string): string {
  const abs = resolve(dir);
  try {
    mkdirSync(abs, { recursive: true, mode: 0o700 });
    accessSync(abs, constants.W_OK);
  } catch (err) {
    throw new DatadirError(`data directory ${abs} is not usable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return abs;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take the data directory's lock: a file created exclusively, holding our pid. A second node on
 * the same directory is refused; a lock left by a process that no longer runs (kill -9) is taken
 * over. Returns the release function.
 */
export function lockDatadir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DatadirError(`cannot create lock ${path}: ${(err as Error).message}`);
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        throw new DatadirError(`data directory ${dir} is in use by another powchain node (pid ${pid})`);
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new DatadirError(`cannot take the lock on ${dir}`);
}

/** Write a fresh random cookie (mode 0600) and return the `user:password` it grants. */
export function writeCookie(dir: string): { credentials: string; remove: () => void } {
  const path = join(dir, COOKIE_FILE);
  const credentials = `${COOKIE_USER}:${randomBytes(32).toString('hex')}`;
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, credentials, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return { credentials, remove: () => rmSync(path, { force: true }) };
}

/** Write a file atomically: a temp file in the same directory, then rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}
