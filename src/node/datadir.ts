import { accessSync, constants, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { acquirePidLock, writeFileAtomic } from '../fsutil/index.js';
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
    throw new DatadirError(
      `data directory ${abs} is not usable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return abs;
}

/**
 * Take the data directory's lock: a file created exclusively, holding our pid. A second node on
 * the same directory is refused; a lock left by a process that no longer runs (kill -9) is taken
 * over. Returns the release function.
 */
export function lockDatadir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  let lock;
  try {
    // A node takes its lock once per process: our own pid in it is a previous process's.
    lock = acquirePidLock(path, { ownPidIsStale: true });
  } catch (err) {
    throw new DatadirError(`cannot create lock ${path}: ${(err as Error).message}`);
  }
  if (lock.ok) return lock.release;
  if (Number.isInteger(lock.heldBy))
    throw new DatadirError(`data directory ${dir} is in use by another powchain node (pid ${lock.heldBy})`);
  throw new DatadirError(`cannot take the lock on ${dir}`);
}

/** Write a fresh random cookie (mode 0600) and return the `user:password` it grants. */
export function writeCookie(dir: string): { credentials: string; remove: () => void } {
  const path = join(dir, COOKIE_FILE);
  const credentials = `${COOKIE_USER}:${randomBytes(32).toString('hex')}`;
  writeFileAtomic(path, credentials);
  return { credentials, remove: () => rmSync(path, { force: true }) };
}
