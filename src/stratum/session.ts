import type { Socket } from 'node:net';
import type { Block } from '../consensus/block.js';
import { hashToBigInt } from '../consensus/pow.js';
import { AddressError, decodeAddress } from '../crypto/address.js';
import { bytesToHex, equalBytes } from '../encoding/hex.js';
import { BoundedMap } from '../collections/bounded-map.js';
import { targetForDifficulty, Vardiff, type VardiffOptions } from './difficulty.js';
import {
  errorReply,
  notification,
  ParamError,
  paramHex,
  paramString,
  paramU32,
  parseLine,
  reply,
  StratumError,
  type StratumErrorCode,
  type StratumRequest,
} from './protocol.js';
import type { RejectReason, StratumStats } from './stats.js';
import {
  assembleShare,
  shareBlock,
  stratumPrevHash,
  u32Hex,
  type CoinbaseParts,
  type PreparedTemplate,
} from './work.js';

/** MAX_LINE_BYTES: the longest line read; a longer one is answered and the connection closed. */
export const MAX_LINE_BYTES = 8 * 1024;
/** MAX_MESSAGES_PER_SECOND: a connection sending more is closed (a miner sends a few). */
export const MAX_MESSAGES_PER_SECOND = 200;
/** MAX_BAD_MESSAGES: malformed lines tolerated before the connection is closed. */
export const MAX_BAD_MESSAGES = 20;
/** MAX_WORKERS_PER_CONNECTION: user names one connection may authorize (a proxy sends several). */
export const MAX_WORKERS_PER_CONNECTION = 16;
/** MAX_SHARES_PER_JOB: shares remembered per job for duplicate detection. */
export const MAX_SHARES_PER_JOB = 100_000;
/** Jobs a connection remembers; a share on an older one is "job not found". */
const JOBS_PER_SESSION = 32;
/** Unsent output past this means the client does not read: it is dropped. */
const MAX_PENDING_WRITE = 1024 * 1024;

/** A job as sent to one connection: a template, the coinbase of its payout address, its shares. */
export interface Job {
  id: string;
  template: PreparedTemplate;
  parts: CoinbaseParts;
  shares: Set<string>;
}

/** What a connection needs from the server. */
export interface SessionHost {
  addressHrp: string;
  maxFutureBlockTime: number;
  extranonce2Size: number;
  vardiff(): VardiffOptions;
  /** A new job on the current template for this payout address (undefined before the first template). */
  makeJob(payTo: Uint8Array): Job | undefined;
  job(id: string): Job | undefined;
  foundBlock(block: Block, worker: string, address: string): void;
  stats: StratumStats;
  /** Milliseconds (for vardiff and rates). */
  now(): number;
  /** Unix seconds, the node's clock (for ntime). */
  clock(): number;
  log: { info(o: object, m: string): void; debug(o: object, m: string): void };
  closed(session: Session): void;
}

/** One miner connection: subscription, authorized workers, difficulty, jobs sent, shares judged. */
export class Session {
  private pending: Buffer = Buffer.alloc(0);
  private subscribed = false;
  private readonly workers = new Map<string, string>();
  private payTo: Uint8Array | undefined;
  private address = '';
  private readonly vardiff: Vardiff;
  private readonly jobDifficulty = new BoundedMap<string, number>(JOBS_PER_SESSION);
  private sentJob = false;
  private messages = { second: 0, count: 0 };
  private bad = 0;
  private ended = false;
  readonly remote: string;

  constructor(
    private readonly host: SessionHost,
    private readonly socket: Socket,
    readonly extranonce1: Uint8Array,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.vardiff = new Vardiff(host.vardiff(), host.now());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose());
  }

  get difficulty(): number {
    return this.vardiff.difficulty;
  }

  get authorized(): boolean {
    return this.payTo !== undefined;
  }

  /** A new template: a job for it, clean when a new block made the old ones worthless. */
  newTemplate(clean: boolean, maxDifficulty: number): void {
    const lowered = this.vardiff.setMax(maxDifficulty);
    if (lowered !== undefined) this.sendDifficulty();
    this.sendJob(clean);
  }

  /** The periodic check: a connection without shares gets an easier target. */
  tick(): void {
    const d = this.vardiff.onTick(this.host.now());
    if (d !== undefined) this.changeDifficulty();
  }

  close(): void {
    this.ended = true;
    this.socket.destroy();
  }

  private write(text: string): void {
    if (this.ended) return;
    if (this.socket.writableLength > MAX_PENDING_WRITE) {
      this.close();
      return;
    }
    this.socket.write(text);
  }

  /** Answer, then hang up (after the answer is flushed). */
  private fatal(text: string): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.end(text);
    this.socket.destroySoon();
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const nl = this.pending.indexOf(10);
      if (nl < 0) break;
      const line = this.pending.subarray(0, nl);
      this.pending = this.pending.subarray(nl + 1);
      if (line.length > MAX_LINE_BYTES) {
        this.fatal(errorReply(null, StratumError.Other, `line longer than ${MAX_LINE_BYTES} bytes`));
        return;
      }
      const text = line.toString('utf8').trim();
      if (text) this.onLine(text);
      if (this.ended) return;
    }
    if (this.pending.length > MAX_LINE_BYTES)
      this.fatal(errorReply(null, StratumError.Other, `line longer than ${MAX_LINE_BYTES} bytes`));
  }

  private onLine(text: string): void {
    const second = Math.floor(this.host.now() / 1000);
    if (second !== this.messages.second) this.messages = { second, count: 0 };
    if (++this.messages.count > MAX_MESSAGES_PER_SECOND) {
      this.fatal(errorReply(null, StratumError.Other, `more than ${MAX_MESSAGES_PER_SECOND} messages a second`));
      return;
    }
    const parsed = parseLine(text);
    if (!parsed) return;
    if (!parsed.ok) {
      this.write(errorReply(parsed.id, StratumError.Other, parsed.message));
      if (++this.bad > MAX_BAD_MESSAGES)
        this.fatal(errorReply(null, StratumError.Other, 'too many malformed messages'));
      return;
    }
    try {
      this.handle(parsed.request);
    } catch (err) {
      if (!(err instanceof ParamError)) throw err;
      this.write(errorReply(parsed.request.id, StratumError.Other, err.message));
      if (++this.bad > MAX_BAD_MESSAGES)
        this.fatal(errorReply(null, StratumError.Other, 'too many malformed messages'));
    }
  }

  private handle(r: StratumRequest): void {
    switch (r.method) {
      case 'mining.subscribe':
        return this.subscribe(r);
      case 'mining.authorize':
        return this.authorize(r);
      case 'mining.submit':
        return this.submit(r);
      case 'mining.extranonce.subscribe':
        // extranonce1 never changes during a connection: there is nothing to announce.
        return this.write(reply(r.id, true));
      case 'mining.suggest_difficulty': {
        const d = r.params[0];
        if (typeof d !== 'number' || !(d > 0) || !Number.isFinite(d))
          throw new ParamError('difficulty must be a positive number');
        this.vardiff.suggest(d, this.host.now());
        this.write(reply(r.id, true));
        if (this.sentJob) this.changeDifficulty();
        return;
      }
      case 'mining.configure': {
        // BIP 310 extensions (version rolling and the rest) are not offered: each is answered false.
        const names = Array.isArray(r.params[0]) ? r.params[0].filter((x) => typeof x === 'string').slice(0, 16) : [];
        return this.write(reply(r.id, Object.fromEntries(names.map((n) => [n, false]))));
      }
      default:
        return this.write(errorReply(r.id, StratumError.Other, `unknown method '${r.method}'`));
    }
  }

  private subscribe(r: StratumRequest): void {
    // The user agent and a session id to resume are optional and only informative here.
    if (typeof r.params[0] === 'string') paramString(r.params, 0, 'user agent', 256);
    this.subscribed = true;
    const id = bytesToHex(this.extranonce1);
    this.write(
      reply(r.id, [
        [
          ['mining.set_difficulty', id],
          ['mining.notify', id],
        ],
        id,
        this.host.extranonce2Size,
      ]),
    );
    if (this.authorized && !this.sentJob) this.firstJob();
  }

  private authorize(r: StratumRequest): void {
    const worker = paramString(r.params, 0, 'user name', 128);
    const refuse = (why: string) =>
      this.write(`${JSON.stringify({ id: r.id, result: false, error: [StratumError.Unauthorized, why, null] })}\n`);
    const address = worker.split('.')[0]!;
    let payTo: Uint8Array;
    try {
      payTo = decodeAddress(address, this.host.addressHrp);
    } catch (err) {
      if (!(err instanceof AddressError)) throw err;
      return refuse(`the user name must be a payout address (optionally .workername): ${err.message}`);
    }
    if (this.payTo && !equalBytes(this.payTo, payTo))
      return refuse(`this connection already mines for ${this.address}; open another connection for another address`);
    if (!this.workers.has(worker)) {
      if (this.workers.size >= MAX_WORKERS_PER_CONNECTION)
        return refuse(`at most ${MAX_WORKERS_PER_CONNECTION} workers per connection`);
      this.workers.set(worker, address);
      this.host.stats.connected(worker, address, this.difficulty);
      this.host.log.info({ worker, address, remote: this.remote }, 'stratum: worker authorized');
    }
    this.payTo = payTo;
    this.address = address;
    this.write(reply(r.id, true));
    if (this.subscribed && !this.sentJob) this.firstJob();
  }

  private firstJob(): void {
    this.sendDifficulty();
    this.sendJob(true);
  }

  private sendDifficulty(): void {
    this.write(notification('mining.set_difficulty', [this.difficulty]));
    for (const w of this.workers.keys()) this.host.stats.difficulty(w, this.difficulty);
  }

  /** A new difficulty applies from the next job (miners switch at mining.notify): send both. */
  private changeDifficulty(): void {
    this.sendDifficulty();
    this.sendJob(false);
  }

  private sendJob(clean: boolean): void {
    if (!this.subscribed || !this.payTo) return;
    const job = this.host.makeJob(this.payTo);
    if (!job) return;
    this.jobDifficulty.set(job.id, this.difficulty);
    this.sentJob = true;
    const t = job.template;
    this.write(
      notification('mining.notify', [
        job.id,
        stratumPrevHash(t.prevHash),
        bytesToHex(job.parts.coinb1),
        bytesToHex(job.parts.coinb2),
        t.branch.map(bytesToHex),
        u32Hex(t.version),
        u32Hex(t.bits),
        u32Hex(t.time),
        clean,
      ]),
    );
  }

  private submit(r: StratumRequest): void {
    if (!this.subscribed) return this.write(errorReply(r.id, StratumError.NotSubscribed, 'Not subscribed'));
    const worker = paramString(r.params, 0, 'worker name', 128);
    const address = this.workers.get(worker);
    if (address === undefined) return this.write(errorReply(r.id, StratumError.Unauthorized, 'Unauthorized worker'));
    const jobId = paramString(r.params, 1, 'job id', 16);
    const extranonce2 = paramHex(r.params, 2, 'extranonce2', this.host.extranonce2Size);
    const ntime = paramU32(r.params, 3, 'ntime');
    const nonce = paramU32(r.params, 4, 'nonce');
    if (r.params.length > 5) throw new ParamError('version rolling is not supported: submit takes 5 parameters');
    const refuse = (reason: RejectReason, code: StratumErrorCode, message: string) => {
      this.host.stats.rejected(worker, address, reason);
      this.write(errorReply(r.id, code, message));
    };

    const job = this.host.job(jobId);
    const difficulty = this.jobDifficulty.get(jobId);
    if (!job || difficulty === undefined) return refuse('job-not-found', StratumError.JobNotFound, 'Job not found');
    if (job.template.stale)
      return refuse('stale', StratumError.JobNotFound, 'Stale share: a new block arrived since this job');
    if (ntime < job.template.minTime || ntime > this.host.clock() + this.host.maxFutureBlockTime)
      return refuse('invalid', StratumError.Other, 'ntime out of range');
    const key = `${bytesToHex(extranonce2)}${u32Hex(ntime)}${u32Hex(nonce)}`;
    if (job.shares.has(key)) return refuse('duplicate', StratumError.Duplicate, 'Duplicate share');
    if (job.shares.size >= MAX_SHARES_PER_JOB)
      return refuse('invalid', StratumError.Other, 'too many shares on this job: take a newer job');

    const share = assembleShare(job.template, job.parts, this.extranonce1, extranonce2, ntime, nonce);
    const value = hashToBigInt(share.hash);
    const isBlock = value <= job.template.target;
    if (!isBlock && value > targetForDifficulty(difficulty))
      return refuse('low-difficulty', StratumError.LowDifficulty, 'Low difficulty share');
    job.shares.add(key);
    this.host.stats.accepted(worker, address, difficulty);
    if (isBlock) this.host.foundBlock(shareBlock(job.template, share), worker, address);
    this.write(reply(r.id, true));
    if (this.vardiff.onShare(this.host.now()) !== undefined) this.changeDifficulty();
  }

  private onClose(): void {
    this.ended = true;
    for (const w of this.workers.keys()) this.host.stats.disconnected(w);
    this.host.closed(this);
  }
}
