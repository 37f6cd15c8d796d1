import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTx, encodeTx } from '../consensus/tx.js';
import { bytesToHex, hexToBytes } from '../encoding/hex.js';
import type { Mempool } from '../mempool/mempool.js';
import { writeFileAtomic } from './datadir.js';

export const MEMPOOL_FILE = 'mempool.json';

/**
 * The mempool on disk: every transaction, parents first, as hex. Written atomically on every
 * change (debounced) and at shutdown, so a transaction a user sent survives a restart and even
 * kill -9; loaded at start through normal acceptance (stale ones simply fail).
 */
export class MempoolFile {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly datadir: string,
    private readonly mempool: Mempool,
  ) {}

  private get path(): string {
    return join(this.datadir, MEMPOOL_FILE);
  }

  async load(): Promise<{ accepted: number; rejected: number }> {
    if (!existsSync(this.path)) return { accepted: 0, rejected: 0 };
    let list: unknown;
    try {
      list = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      return { accepted: 0, rejected: 0 }; // unreadable: start with an empty pool
    }
    let accepted = 0;
    let rejected = 0;
    for (const hex of Array.isArray(list) ? list : []) {
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
  }

  /** Save soon: bursts of changes become one write. */
  scheduleSave(delayMs = 500): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.save(), delayMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
