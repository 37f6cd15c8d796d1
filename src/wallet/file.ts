import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { WalletError } from './errors.js';
import { acquirePidLock, writeFileAtomic as writeAtomic } from '../fsutil/index.js';

/**
 * Replace `path` with `data` atomically: write a temp file (mode 0600) beside it, fsync, rename
 * over the target, fsync the directory. A crash leaves the old file or the new one, never half.
 */
export function writeFileAtomic(path: string, data: string): void {
  try {
    writeAtomic(path, data);
  } catch (err) {
    throw new WalletError(
      'io',
      `cannot write wallet file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * Hold `<path>.lock` (created exclusively, holding our pid) so two wallet commands never
 * interleave their read-modify-write of one file. A lock left by a dead process is taken over.
 * Returns the release function.
 */
export function lockFile(path: string): () => void {
  const lock = `${path}.lock`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new WalletError(
      'io',
      `cannot create the wallet directory ${dirname(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let held;
  try {
    held = acquirePidLock(lock);
  } catch (err) {
    throw new WalletError(
      'io',
      `cannot lock wallet file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  // The wallet's lock was removed unconditionally on release: keep it so.
  if (held.ok) return () => rmSync(lock, { force: true });
  if (Number.isInteger(held.heldBy))
    throw new WalletError('wallet-locked', `wallet ${path} is in use by another powchain process (pid ${held.heldBy})`);
  throw new WalletError('wallet-locked', `cannot take the lock ${lock}`);
}
