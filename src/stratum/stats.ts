import { BoundedMap } from '../collections/bounded-map.js';
import { HASHES_PER_DIFF1 } from './difficulty.js';

/** Why a share was refused, as counted per worker. */
export type RejectReason = 'stale' | 'job-not-found' | 'duplicate' | 'low-difficulty' | 'invalid';

/** The hash rate is estimated from the shares of the last 5 minutes. */
export const HASHRATE_WINDOW_MS = 5 * 60 * 1000;
/** MAX_WORKERS: worker names remembered (oldest first out); a name is whatever a miner sends. */
export const MAX_WORKERS = 1_000;
/** Shares kept per worker for the hash-rate window; past this the oldest drop out early. */
const MAX_WINDOW_SHARES = 4_096;

export interface WorkerReport {
  worker: string;
  address: string;
  connections: number;
  difficulty: number;
  accepted: number;
  /** Sum of the accepted shares' difficulties: the work done, in difficulty-1 shares. */
  acceptedWork: number;
  rejected: Record<RejectReason, number>;
  blocks: number;
  /** Estimated hashes per second over the last 5 minutes. */
  hashrate: number;
  /** Unix seconds of the last accepted share, 0 when none. */
  lastShare: number;
}

/** One worker (a user name as sent to mining.authorize): counts, and a window of recent shares. */
class WorkerStats {
  connections = 0;
  difficulty = 0;
  accepted = 0;
  acceptedWork = 0;
  blocks = 0;
  lastShare = 0;
  readonly rejected: Record<RejectReason, number> = {
    stale: 0,
    'job-not-found': 0,
    duplicate: 0,
    'low-difficulty': 0,
    invalid: 0,
  };
  private window: { at: number; difficulty: number }[] = [];

  constructor(
    readonly worker: string,
    readonly address: string,
    readonly since: number,
  ) {}

  accept(difficulty: number, now: number): void {
    this.accepted++;
    this.acceptedWork += difficulty;
    this.lastShare = Math.floor(now / 1000);
    this.window.push({ at: now, difficulty });
    if (this.window.length > MAX_WINDOW_SHARES) this.window = this.window.slice(-MAX_WINDOW_SHARES / 2);
  }

  hashrate(now: number): number {
    const from = now - HASHRATE_WINDOW_MS;
    this.window = this.window.filter((s) => s.at > from);
    if (this.window.length === 0) return 0;
    // A worker seen for less than the window is judged over the time it has been seen.
    const span = Math.max(now - Math.max(from, this.since), 1000) / 1000;
    const work = this.window.reduce((sum, s) => sum + s.difficulty, 0);
    return (work * HASHES_PER_DIFF1) / span;
  }
}

/** Per-worker share statistics for the getstratuminfo RPC and the periodic log line. */
export class StratumStats {
  private readonly workers = new BoundedMap<string, WorkerStats>(MAX_WORKERS);
  totals = { accepted: 0, rejected: 0, blocks: 0 };

  constructor(private readonly now: () => number) {}

  private get(worker: string, address: string): WorkerStats {
    let w = this.workers.get(worker);
    if (!w) this.workers.set(worker, (w = new WorkerStats(worker, address, this.now())));
    return w;
  }

  connected(worker: string, address: string, difficulty: number): void {
    const w = this.get(worker, address);
    w.connections++;
    w.difficulty = difficulty;
  }

  disconnected(worker: string): void {
    const w = this.workers.get(worker);
    if (w) w.connections = Math.max(0, w.connections - 1);
  }

  difficulty(worker: string, difficulty: number): void {
    const w = this.workers.get(worker);
    if (w) w.difficulty = difficulty;
  }

  accepted(worker: string, address: string, difficulty: number): void {
    this.get(worker, address).accept(difficulty, this.now());
    this.totals.accepted++;
  }

  rejected(worker: string, address: string, reason: RejectReason): void {
    this.get(worker, address).rejected[reason]++;
    this.totals.rejected++;
  }

  block(worker: string, address: string): void {
    this.get(worker, address).blocks++;
    this.totals.blocks++;
  }

  report(): WorkerReport[] {
    const now = this.now();
    return [...this.workers.values()].map((w) => ({
      worker: w.worker,
      address: w.address,
      connections: w.connections,
      difficulty: w.difficulty,
      accepted: w.accepted,
      acceptedWork: w.acceptedWork,
      rejected: { ...w.rejected },
      blocks: w.blocks,
      hashrate: w.hashrate(now),
      lastShare: w.lastShare,
    }));
  }
}
