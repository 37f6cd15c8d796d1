import { readdirSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger.js';

/** How often free space is looked at: a block or two arrive between looks at most on a busy node. */
const CHECK_EVERY_MS = 10_000;

/** Free MiB on the file system holding `dir` (for an unprivileged process: bavail, not bfree). */
export function freeMiB(dir: string): number {
  const s = statfsSync(dir);
  return (s.bavail * s.bsize) / (1024 * 1024);
}

/** The LevelDB databases of a datadir (chain state and index, block store, transaction index). */
const DATABASES = ['chain', 'blocks', 'txindex'];

/**
 * MiB that reopening the datadir's databases writes before anything else: LevelDB replays each
 * write-ahead log (`*.log`, up to the write buffer: 8 to 64 MiB here) into a new table at open,
 * and fails at open with "No space left on device" when the disk cannot take it. A node that
 * stopped for low disk space must still be able to start again once told a lower floor.
 */
export function reopenNeedsMiB(datadir: string): number {
  let bytes = 0;
  for (const name of DATABASES) {
    const dir = join(datadir, name);
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue; // not created (yet), or no transaction index
    }
    for (const f of files) {
      if (!f.endsWith('.log')) continue;
      try {
        bytes += statSync(join(dir, f)).size;
      } catch {
        // rotated away meanwhile
      }
    }
  }
  return bytes / (1024 * 1024);
}

export class DiskSpaceError extends Error {
  override readonly name = 'DiskSpaceError';
}

/**
 * `--min-free-disk`: the node stops cleanly before its disk is full, as bitcoind does on low disk
 * space, rather than find out from a failed write. The floor is the minimum plus what reopening
 * the databases will write (`reopenNeedsMiB`), so the stopped node can start again. Below twice
 * the minimum (plus that) it warns, once until space comes back; below the floor it logs one error
 * and calls `onLow` (the node stops). Refuses to start below the floor.
 */
export class DiskSpaceGuard {
  private timer: NodeJS.Timeout | undefined;
  private warned = false;
  private lastCheck = 0;
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly minMiB: number,
    private readonly log: Logger,
    private readonly onLow: (message: string) => void,
    /** Where the free space is read from: statfs, or a test's stand-in for a disk of a given size. */
    private readonly readFree: (dir: string) => number = freeMiB,
  ) {}

  /** Check once now (throwing DiskSpaceError below the minimum), then every CHECK_EVERY_MS. */
  start(): void {
    if (this.minMiB === 0) return;
    const low = this.check();
    if (low) throw new DiskSpaceError(low);
    this.timer = setInterval(() => this.checkNow(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /**
   * Check again unless it was done in the last second: called on every new tip, so a node syncing
   * or mining fast stops before its writes fill the disk, at the cost of one statfs a second.
   */
  checkSoon(): void {
    if (this.timer && Date.now() - this.lastCheck >= 1_000) this.checkNow();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private checkNow(): void {
    if (this.stopped) return;
    const message = this.check();
    if (message) {
      this.stop();
      this.onLow(message); // the node logs it once and stops
    }
  }

  /** The message to stop with, or undefined while there is room. */
  private check(): string | undefined {
    this.lastCheck = Date.now();
    let free: number;
    try {
      free = this.readFree(this.dir);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot read the free disk space');
      return undefined;
    }
    const reopen = reopenNeedsMiB(this.dir);
    if (free < this.minMiB + reopen) {
      const plus = reopen >= 0.05 ? ` plus the ${reopen.toFixed(1)} MiB its databases write when they reopen` : '';
      return `disk space is too low: ${free.toFixed(1)} MiB free in ${this.dir}, below --min-free-disk ${this.minMiB}${plus}; stopping (free some space, then start the node again)`;
    }
    if (free < 2 * this.minMiB + reopen && !this.warned) {
      this.warned = true;
      this.log.warn(
        { freeMiB: Math.floor(free), minFreeDiskMiB: this.minMiB },
        'disk space is getting low; the node stops at --min-free-disk',
      );
    } else if (free >= 2 * this.minMiB + reopen) this.warned = false;
    return undefined;
  }
}
