import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { Block } from '../consensus/block.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { bytesToHex, equalBytes, hashToHex } from '../encoding/hex.js';
import { BoundedMap } from '../collections/bounded-map.js';
import { difficultyForTarget, MIN_DIFFICULTY, type VardiffOptions } from './difficulty.js';
import { errorReply, StratumError } from './protocol.js';
import { Session, type Job, type SessionHost } from './session.js';
import { StratumStats, type WorkerReport } from './stats.js';
import { coinbaseParts, EXTRANONCE1_BYTES, prepareTemplate, type PreparedTemplate, type WorkTemplate } from './work.js';

/** What the node provides: templates on its tip, a door for found blocks, tip news, its clock. */
export interface StratumBackend {
  params: NetworkParams;
  template(): Promise<WorkTemplate>;
  /** Hand a block to the chain; `accepted` when it connected (on the main chain or a side branch). */
  submitBlock(block: Block): Promise<{ accepted: boolean; hash: string; height?: number; reason?: string }>;
  /** Call `listener` when the tip moves; returns the unsubscribe function. */
  onTip(listener: () => void): () => void;
  /** Unix seconds. */
  clock(): number;
}

export interface StratumLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface StratumOptions {
  host: string;
  port: number;
  /** Connections served at once; more are answered with an error and closed. */
  maxConnections?: number;
  /** Bytes of extranonce2 the miner chooses, 4 to 8. */
  extranonce2Size?: number;
  /** The difficulty a connection starts at (default: 1/64 of a block's). */
  initialDifficulty?: number;
  /** Seconds between shares that vardiff aims for. */
  shareSeconds?: number;
  /** Seconds between template refreshes on the same tip (new transactions, a later time). */
  refreshSeconds?: number;
  /** Seconds of silence after which a connection is closed. */
  idleSeconds?: number;
  /** Milliseconds, for rates and vardiff (injected in tests). */
  now?: () => number;
}

export const DEFAULT_STRATUM = {
  maxConnections: 100,
  extranonce2Size: 4,
  shareSeconds: 15,
  refreshSeconds: 30,
  idleSeconds: 600,
} as const;
/** How often vardiff checks silent connections, and how often worker statistics are logged. */
const TICK_MS = 5_000;
const REPORT_MS = 60_000;
/** Jobs kept per connection (the global job table's size is this times the connection limit). */
const JOBS_KEPT_PER_CONNECTION = 16;

export interface StratumInfo {
  listening: string;
  connections: number;
  extranonce2Size: number;
  shareSeconds: number;
  template: { height: number; previousblockhash: string; difficulty: number; transactions: number } | null;
  totals: { accepted: number; rejected: number; blocks: number };
  workers: WorkerReport[];
}

/**
 * A Stratum v1 server for mining software: it hands out work built from the node's block
 * templates, judges shares against a per-connection difficulty, and gives the chain every share
 * that meets the block target. Listens on 127.0.0.1 unless told otherwise.
 */
export class StratumServer {
  private server: Server | undefined;
  private address = '';
  private current: PreparedTemplate | undefined;
  private readonly sessions = new Set<Session>();
  private readonly jobs: BoundedMap<string, Job>;
  private nextJob = 1;
  private nextExtranonce1: number;
  private building: Promise<void> | undefined;
  private rebuild = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private lastReport = new Map<string, number>();
  readonly stats: StratumStats;
  private readonly o: Required<Omit<StratumOptions, 'initialDifficulty'>> & { initialDifficulty?: number };

  constructor(
    private readonly backend: StratumBackend,
    private readonly log: StratumLog,
    options: StratumOptions,
  ) {
    this.o = { ...DEFAULT_STRATUM, now: () => Date.now(), ...options };
    const n = this.o.extranonce2Size;
    if (!Number.isInteger(n) || n < 4 || n > 8) throw new RangeError('extranonce2 size must be 4 to 8 bytes');
    if (this.o.initialDifficulty !== undefined && !(this.o.initialDifficulty > 0))
      throw new RangeError('the initial share difficulty must be positive');
    // Jobs are per connection: room for several per connection, so a busy server keeps the live ones.
    this.jobs = new BoundedMap(Math.max(1_024, this.o.maxConnections * JOBS_KEPT_PER_CONNECTION));
    this.nextExtranonce1 = randomBytes(4).readUInt32BE(0);
    this.stats = new StratumStats(this.o.now);
  }

  /** Build the first template, then listen. */
  async start(): Promise<{ host: string; port: number }> {
    await this.refresh();
    this.unsubscribe = this.backend.onTip(() => void this.refresh());
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    server.listen(this.o.port, this.o.host);
    await once(server, 'listening'); // rejects on 'error' (the port is taken)
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.o.port;
    this.address = `${this.o.host}:${port}`;
    this.timers.push(
      setInterval(() => void this.refresh(), this.o.refreshSeconds * 1000),
      setInterval(() => this.tick(), TICK_MS),
    );
    for (const t of this.timers) t.unref();
    this.log.info({ listen: this.address, extranonce2Size: this.o.extranonce2Size }, 'stratum server listening');
    return { host: this.o.host, port };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.unsubscribe?.();
    for (const s of this.sessions) s.close();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.building?.catch(() => undefined);
  }

  info(): StratumInfo {
    const t = this.current;
    return {
      listening: this.address,
      connections: this.sessions.size,
      extranonce2Size: this.o.extranonce2Size,
      shareSeconds: this.o.shareSeconds,
      template: t
        ? {
            height: t.height,
            previousblockhash: hashToHex(t.prevHash),
            difficulty: difficultyForTarget(t.target),
            transactions: t.txs.length,
          }
        : null,
      totals: { ...this.stats.totals },
      workers: this.stats.report(),
    };
  }

  private accept(socket: Socket): void {
    if (this.sessions.size >= this.o.maxConnections) {
      this.log.warn({ remote: socket.remoteAddress, max: this.o.maxConnections }, 'stratum: connection refused, full');
      socket.on('error', () => undefined);
      socket.end(errorReply(null, StratumError.Other, `the server has ${this.o.maxConnections} connections already`));
      socket.destroySoon();
      return;
    }
    socket.setNoDelay(true);
    socket.setTimeout(this.o.idleSeconds * 1000, () => socket.destroy());
    const extranonce1 = Buffer.alloc(EXTRANONCE1_BYTES);
    extranonce1.writeUInt32BE(this.nextExtranonce1, 0);
    this.nextExtranonce1 = (this.nextExtranonce1 + 1) >>> 0;
    const session = new Session(this.host(), socket, Uint8Array.from(extranonce1));
    this.sessions.add(session);
    this.log.debug({ remote: session.remote, extranonce1: bytesToHex(extranonce1) }, 'stratum: connection');
  }

  private host(): SessionHost {
    const p = this.backend.params;
    return {
      addressHrp: p.addressHrp,
      maxFutureBlockTime: p.maxFutureBlockTime,
      extranonce2Size: this.o.extranonce2Size,
      vardiff: () => this.vardiffOptions(),
      makeJob: (payTo) => this.makeJob(payTo),
      job: (id) => this.jobs.get(id),
      foundBlock: (block, worker, address) => void this.foundBlock(block, worker, address),
      stats: this.stats,
      now: this.o.now,
      clock: () => this.backend.clock(),
      log: this.log,
      closed: (s) => {
        this.sessions.delete(s);
        this.log.debug({ remote: s.remote }, 'stratum: connection closed');
      },
    };
  }

  private blockDifficulty(): number {
    return this.current ? difficultyForTarget(this.current.target) : MIN_DIFFICULTY;
  }

  private vardiffOptions(): VardiffOptions {
    const max = this.blockDifficulty();
    return {
      initial: this.o.initialDifficulty ?? max / 64,
      min: MIN_DIFFICULTY,
      max,
      shareSeconds: this.o.shareSeconds,
    };
  }

  private makeJob(payTo: Uint8Array): Job | undefined {
    const t = this.current;
    if (!t) return undefined;
    const id = (this.nextJob++ >>> 0).toString(16).padStart(8, '0');
    const job: Job = { id, template: t, parts: coinbaseParts(t, payTo, this.o.extranonce2Size), shares: new Set() };
    this.jobs.set(id, job);
    return job;
  }

  /**
   * Build a template on the tip and send every authorized connection a job for it: clean when
   * the tip moved (the old jobs become stale), not clean on a refresh of the same tip. One build
   * at a time; a request during a build makes one more build afterwards.
   */
  private refresh(): Promise<void> {
    if (this.building) {
      this.rebuild = true;
      return this.building;
    }
    this.building = (async () => {
      do {
        this.rebuild = false;
        const t = prepareTemplate(await this.backend.template());
        const old = this.current;
        const clean = !old || !equalBytes(old.prevHash, t.prevHash);
        if (old && clean) old.stale = true;
        this.current = t;
        const max = difficultyForTarget(t.target);
        for (const s of this.sessions) if (s.authorized) s.newTemplate(clean, max);
      } while (this.rebuild && this.server !== undefined);
    })()
      .catch((err: Error) => this.log.error({ err }, 'stratum: could not build a block template'))
      .finally(() => (this.building = undefined));
    return this.building;
  }

  private async foundBlock(block: Block, worker: string, address: string): Promise<void> {
    try {
      const r = await this.backend.submitBlock(block);
      if (r.accepted) {
        this.stats.block(worker, address);
        this.log.info({ worker, address, hash: r.hash, height: r.height }, 'stratum: a share found a block');
      } else this.log.warn({ worker, hash: r.hash, reason: r.reason }, 'stratum: a block from a share was refused');
    } catch (err) {
      this.log.error({ err, worker }, 'stratum: could not submit a block from a share');
    }
  }

  private tick(): void {
    for (const s of this.sessions) s.tick();
    const now = this.o.now();
    for (const w of this.stats.report()) {
      if (w.connections === 0 && w.lastShare * 1000 < now - REPORT_MS) continue;
      if (now - (this.lastReport.get(w.worker) ?? 0) < REPORT_MS) continue;
      this.lastReport.set(w.worker, now);
      this.log.info(
        {
          worker: w.worker,
          hashrate: Math.round(w.hashrate),
          accepted: w.accepted,
          rejected: Object.values(w.rejected).reduce((a, b) => a + b, 0),
          blocks: w.blocks,
          difficulty: w.difficulty,
        },
        'stratum: worker',
      );
    }
    if (this.lastReport.size > 2_000) this.lastReport.clear();
  }
}
