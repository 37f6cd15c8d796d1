import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTx, encodeTx } from '../consensus/tx.js';
import { bytesToHex, hexToBytes } from '../encoding/hex.js';
import type { Mempool } from '../mempool/mempool.js';
import { writeFileAtomic } from '../fsutil/index.js';

export const MEMPOOL_FILE = 'mempool.json';
export const MEMPOOL_JOURNAL = 'mempool.journal';
/**
 * How long after a change the snapshot is rewritten. The journal already holds every new
 * transaction, so the snapshot only bounds the journal's growth and the start-up replay: it can
 * be rare, and rewriting a large pool often would cost more than accepting into it.
 */
const SNAPSHOT_DELAY_MS = 30_000;

/**
 * The mempool on disk, in two parts: a snapshot (every transaction, parents first, as hex),
 * rewritten atomically shortly after changes and at shutdown; and a journal to which every
 * accepted transaction is appended the moment it enters the pool, so one accepted just before a
 * kill -9 is not lost. A snapshot empties the journal. Both are loaded at start through normal
 * acceptance (stale or duplicate ones simply fail).
 */
export class MempoolFile {
  private timer: NodeJS.Timeout | undefined;
  /** The journal, open for appending while it is in use (one write per transaction, no open and close). */
  private journal: number | undefined;

  constructor(
    private readonly datadir: string,
    private readonly mempool: Mempool,
    private readonly onError?: (err: Error) => void,
  ) {}

  private get path(): string {
    return join(this.datadir, MEMPOOL_FILE);
  }

  private get journalPath(): string {
    return join(this.datadir, MEMPOOL_JOURNAL);
  }

  private readSnapshot(): unknown[] {
    if (!existsSync(this.path)) return [];
    try {
      const list: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      return Array.isArray(list) ? list : [];
    } catch {
      return []; // unreadable: the journal may still hold the newest transactions
    }
  }

  private readJournal(): string[] {
    if (!existsSync(this.journalPath)) return [];
    // A line cut short by a crash fails to decode and is skipped like any stale entry.
    return readFileSync(this.journalPath, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
  }

  /**
   * Append one newly accepted transaction to the journal, synchronously: when the RPC answers, the
   * line is in the operating system's hands, and a kill -9 of the node does not lose it. The file
   * stays open between transactions: opening and closing it for each took a third of the time.
   */
  record(txHex: string): void {
    this.journal ??= openSync(this.journalPath, 'a', 0o600);
    writeSync(this.journal, `${txHex}\n`);
  }

  private closeJournal(): void {
    if (this.journal === undefined) return;
    closeSync(this.journal);
    this.journal = undefined;
  }

  async load(): Promise<{ accepted: number; rejected: number }> {
    let accepted = 0;
    let rejected = 0;
    for (const hex of [...this.readSnapshot(), ...this.readJournal()]) {
      try {
        const r = await this.mempool.accept(decodeTx(hexToBytes(String(hex))));
        if (r.accepted) accepted++;
        else rejected++;
      } catch {
        rejected++;
      }
    }
    return { accepted, rejected };
  }

  save(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    writeFileAtomic(this.path, JSON.stringify(this.mempool.ordered().map((tx) => bytesToHex(encodeTx(tx)))));
    this.closeJournal();
    rmSync(this.journalPath, { force: true });
  }

  /** Save soon: bursts of changes become one write. */
  scheduleSave(delayMs = SNAPSHOT_DELAY_MS): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      try {
        this.save();
      } catch (err) {
        // A full or failing disk must not stop the node; the journal still holds new transactions.
        this.onError?.(err as Error);
      }
    }, delayMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.closeJournal();
  }
}
