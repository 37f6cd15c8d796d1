import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type PidLock = { ok: true; release: () => void } | { ok: false; heldBy: number };

/**
 * Take a lock file created exclusively and holding our pid. A lock whose process no longer runs
 * (left by kill -9) is taken over; one held by a live process is reported with its pid. Other
 * file-system errors are thrown as they are.
 *
 * `ownPidIsStale`: a lock holding this process's own pid is either ours (a second lock in the same
 * process: refused, the default) or left by an earlier process that had the same pid (pids are
 * reused across restarts, in containers especially: a caller that locks once per process says so
 * and takes it over).
 */
export function acquirePidLock(path: string, opts: { ownPidIsStale?: boolean } = {}): PidLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        ok: true,
        release: () => {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // vanished or unreadable: stale
      }
      const live = pid === process.pid ? !opts.ownPidIsStale : pidAlive(pid);
      if (Number.isInteger(pid) && pid > 0 && live) return { ok: false, heldBy: pid };
      rmSync(path, { force: true });
    }
  }
  return { ok: false, heldBy: Number.NaN };
}
