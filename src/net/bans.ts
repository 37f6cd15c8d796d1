import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../fsutil/index.js';
import { join } from 'node:path';

export const BANS_FILE = 'bans.json';
/** Bans are written at most this long after they change. */
const SAVE_DELAY_MS = 1_000;
/** MAX_BANS: bans kept at once; past it the one ending soonest is dropped (peer ids are free to make). */
export const MAX_BANS = 10_000;

export interface BanEntry {
  peerId: string;
  /** Seconds since the epoch. */
  until: number;
  reason: string;
  created: number;
}

/**
 * Banned peers, kept in `<datadir>/bans.json` so a ban survives a restart. Written atomically
 * (temp file + rename). Expired bans are dropped when read.
 */
export class BanList {
  private readonly bans = new Map<string, BanEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly datadir: string | undefined,
    private readonly clock: () => number,
  ) {
    if (datadir && existsSync(this.path)) {
      try {
        const data = JSON.parse(readFileSync(this.path, 'utf8')) as BanEntry[];
        if (Array.isArray(data)) {
          for (const b of data) {
            if (typeof b?.peerId === 'string' && typeof b.until === 'number') {
              this.bans.set(b.peerId, {
                peerId: b.peerId,
                until: b.until,
                reason: String(b.reason ?? ''),
                created: Number(b.created ?? 0),
              });
            }
          }
        }
      } catch {
        // A damaged ban file must not stop the node: start with no bans and rewrite it.
      }
    }
  }

  private get path(): string {
    return join(this.datadir ?? '.', BANS_FILE);
  }

  /** Write soon: a burst of bans (a flood of fresh peer ids) becomes one write. */
  private save(): void {
    if (!this.datadir || this.timer) return;
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
    this.timer.unref();
  }

  /** Write the file now (at shutdown, and after the debounce). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.datadir) return;
    try {
      writeFileAtomic(this.path, JSON.stringify(this.list(), null, 1));
    } catch {
      // A failing disk must not take the node down: the ban still holds in memory.
    }
  }

  isBanned(peerId: string): boolean {
    const b = this.bans.get(peerId);
    if (!b) return false;
    if (b.until <= this.clock()) {
      this.bans.delete(peerId);
      this.save();
      return false;
    }
    return true;
  }

  ban(peerId: string, seconds: number, reason: string): BanEntry {
    const now = this.clock();
    const entry = { peerId, until: now + seconds, reason, created: now };
    for (const [id, b] of this.bans) if (b.until <= now) this.bans.delete(id);
    this.bans.set(peerId, entry);
    if (this.bans.size > MAX_BANS) {
      let soonest: BanEntry | undefined;
      for (const b of this.bans.values()) if (b !== entry && (!soonest || b.until < soonest.until)) soonest = b;
      if (soonest) this.bans.delete(soonest.peerId);
    }
    this.save();
    return entry;
  }

  unban(peerId: string): boolean {
    const had = this.bans.delete(peerId);
    if (had) this.save();
    return had;
  }

  clear(): void {
    this.bans.clear();
    this.save();
  }

  list(): BanEntry[] {
    const now = this.clock();
    return [...this.bans.values()].filter((b) => b.until > now);
  }
}
