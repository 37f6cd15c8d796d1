/**
 * What a testnet run has set up that must not outlive it: its node processes and, in namespace
 * mode, its network slot (a subnet, a bridge, namespaces). A run writes a record of them to a
 * registry directory as it goes; a run that ends tidies up and removes its record, and a run that
 * ended any other way (SIGKILL, a crash, a power cut) leaves a record whose owner is gone, which the
 * next run's start-up sweep (or `powchain testnet chaos --cleanup`) reads to remove what is left.
 *
 * The registry is `/run/powchain-testnet` for root (a tmpfs: it empties at reboot, when
 * namespaces and processes are gone anyway) and `<tmpdir>/powchain-testnet-<uid>` otherwise.
 * A record is `slot-<n>.json` for a run holding network slot n (claimed by creating the file
 * exclusively, so two runs never share a subnet) or `run-<pid>-<random>.json`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../fsutil/index.js';

export interface RunRecord {
  owner: { pid: number; start: string };
  /** The network slot (namespace mode). */
  slot?: number;
  /** Processes started by the run; a sweep kills those whose command line still contains `match`. */
  processes: { pid: number; match: string }[];
}

export function defaultRegistryDir(): string {
  const uid = process.getuid?.() ?? -1;
  return uid === 0 ? '/run/powchain-testnet' : join(tmpdir(), `powchain-testnet-${uid}`);
}

/** A process's start time (clock ticks since boot, from /proc): with the pid, it names one process. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** Whether the record's owner is still the process that wrote it. */
export function ownerAlive(r: RunRecord): boolean {
  if (process.platform !== 'linux') {
    try {
      process.kill(r.owner.pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return processStart(r.owner.pid) === r.owner.start;
}

/** SIGKILL the process if it is alive and its command line contains `match`; true if it was. */
export function killIfOurs(pid: number, match: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!cmdline.some((a) => a.includes(match)) || processStart(pid) === undefined) return false;
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** This process's claim in the registry: add and drop processes as they start and stop. */
export class RunClaim {
  private released = false;

  constructor(
    readonly file: string,
    readonly record: RunRecord,
  ) {}

  get slot(): number | undefined {
    return this.record.slot;
  }

  addProcess(pid: number, match: string): void {
    this.record.processes.push({ pid, match });
    this.save();
  }

  dropProcess(pid: number): void {
    this.record.processes = this.record.processes.filter((p) => p.pid !== pid);
    this.save();
  }

  private save(): void {
    if (!this.released) writeFileAtomic(this.file, JSON.stringify(this.record));
  }

  /** Remove the record: call once everything it lists is gone. */
  release(): void {
    this.released = true;
    rmSync(this.file, { force: true });
  }
}

function newRecord(slot?: number): RunRecord {
  return {
    owner: { pid: process.pid, start: processStart(process.pid) ?? '' },
    ...(slot !== undefined ? { slot } : {}),
    processes: [],
  };
}

export class RunRegistry {
  constructor(readonly dir = defaultRegistryDir()) {}

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** A claim without a network slot (loopback mode). */
  claimRun(): RunClaim {
    this.ensureDir();
    const file = join(this.dir, `run-${process.pid}-${randomBytes(3).toString('hex')}.json`);
    const claim = new RunClaim(file, newRecord());
    writeFileAtomic(file, JSON.stringify(claim.record));
    return claim;
  }

  /**
   * Claim network slot `slot` by creating its record exclusively; undefined when another run holds
   * it. (A stale holder is the sweep's business: sweep first.)
   */
  claimSlot(slot: number): RunClaim | undefined {
    this.ensureDir();
    const file = join(this.dir, `slot-${slot}.json`);
    const record = newRecord(slot);
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    try {
      writeSync(fd, JSON.stringify(record));
    } finally {
      closeSync(fd);
    }
    return new RunClaim(file, record);
  }

  /** Every record with its file; unreadable ones (a write cut short) count as stale, slot from the name. */
  records(): { file: string; record: RunRecord | undefined; slot?: number }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => /^(slot-\d+|run-\d+-[0-9a-f]+)\.json$/.test(n))
      .map((n) => {
        const file = join(this.dir, n);
        const slot = /^slot-(\d+)\.json$/.exec(n)?.[1];
        let record: RunRecord | undefined;
        try {
          record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
        } catch {
          record = undefined;
        }
        return { file, record, ...(slot !== undefined ? { slot: Number(slot) } : {}) };
      });
  }

  /** Records whose owner is gone. */
  stale(): { file: string; record: RunRecord | undefined; slot?: number }[] {
    return this.records().filter((r) => !r.record || !ownerAlive(r.record));
  }

  /** Remove a record (after the sweep has removed what it lists). */
  forget(file: string): void {
    rmSync(file, { force: true });
  }

  /** Slots whose records exist (held, or stale and not swept yet). */
  heldSlots(): Set<number> {
    return new Set(this.records().flatMap((r) => (r.slot !== undefined ? [r.slot] : [])));
  }
}
