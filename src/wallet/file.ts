import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, fchmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WalletError } from './errors.js';

/**
 * Replace `path` with `data` atomically: write a temp file (mode 0600) beside it, fsync, rename
 * over the target, fsync the directory. A crash leaves the old file or the new one, never half.
 */
export function writeFileAtomic(path: string, data: string): void {
  const dir = dirname(path);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      fchmodSync(fd, 0o600);
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new WalletError('io', `cannot write wallet file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Directories cannot be fsynced everywhere; the rename itself is already atomic.
  }
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
 * Hold `<path>.lock` (created exclusively, holding our pid) so two wallet commands never
 * interleave their read-modify-write of one file. A lock left by a dead process is taken over.
 * Returns the release function.
 */
export function lockFile(path: string): () => void {
  const lock = `${path}.lock`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new WalletError('io', `cannot create the wallet directory ${dirname(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new WalletError('io', `cannot lock wallet file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      } catch {
        // vanished or unreadable: treat as stale
      }
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new WalletError('wallet-locked', `wallet ${path} is in use by another powchain process (pid ${pid})`);
      }
      rmSync(lock, { force: true });
    }
  }
  throw new WalletError('wallet-locked', `cannot take the lock ${lock}`);
}
