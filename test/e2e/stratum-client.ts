/**
 * A Stratum v1 client for the tests, written from the protocol's conventions as mining software
 * implements them (cpuminer's stratum_gen_work, ckpool): coinbase = coinb1 + extranonce1 +
 * extranonce2 + coinb2, its sha256d folded with the merkle branch, the header assembled from the
 * job's big-endian hex fields and its word-swapped prevhash, share target = DIFF1 / difficulty.
 * Only node:net and node:crypto; no powchain code.
 */
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export const DIFF1 = 0xffffn << 208n;

export const sha256d = (b: Buffer): Buffer =>
  createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

/** A hash in internal byte order read as the little-endian number it is compared with. */
export const hashValue = (h: Buffer): bigint => BigInt(`0x${Buffer.from(h).reverse().toString('hex')}`);

export function shareTarget(difficulty: number): bigint {
  return (DIFF1 * 10n ** 18n) / BigInt(Math.round(difficulty * 1e18));
}

export interface Job {
  id: string;
  prevhash: string;
  coinb1: string;
  coinb2: string;
  branch: string[];
  version: string;
  nbits: string;
  ntime: string;
  clean: boolean;
}

export interface Message {
  id: number | string | null;
  method?: string;
  params?: unknown[];
  result?: unknown;
  error?: [number, string, unknown] | null;
}

/** The 80-byte header a job, extranonces, ntime and nonce describe. */
export function shareHeader(job: Job, extranonce1: string, extranonce2: string, ntime: string, nonce: number): Buffer {
  const coinbase = Buffer.from(job.coinb1 + extranonce1 + extranonce2 + job.coinb2, 'hex');
  let root = sha256d(coinbase);
  for (const b of job.branch) root = sha256d(Buffer.concat([root, Buffer.from(b, 'hex')]));
  // prevhash comes with each 4-byte word byte-swapped: swap it back to the header's order.
  const prev = Buffer.from(job.prevhash, 'hex');
  for (let w = 0; w < 32; w += 4) prev.subarray(w, w + 4).reverse();
  const head = Buffer.alloc(80);
  head.writeUInt32LE(Number.parseInt(job.version, 16), 0);
  prev.copy(head, 4);
  root.copy(head, 36);
  head.writeUInt32LE(Number.parseInt(ntime, 16), 68);
  head.writeUInt32LE(Number.parseInt(job.nbits, 16), 72);
  head.writeUInt32LE(nonce >>> 0, 76);
  return head;
}

/** The block target of a job's nbits (Bitcoin's compact form, positive targets only). */
export function nbitsTarget(nbits: string): bigint {
  const bits = Number.parseInt(nbits, 16);
  const size = bits >>> 24;
  const word = BigInt(bits & 0x7fffff);
  return size <= 3 ? word >> BigInt(8 * (3 - size)) : word << BigInt(8 * (size - 3));
}

export class StratumClient {
  private buffer = '';
  private nextId = 1;
  readonly received: Message[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (!line.trim()) continue;
        const m = JSON.parse(line) as Message;
        this.received.push(m);
        for (const w of [...this.waiters])
          if (w.match(m)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(m);
          }
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((r) => socket.on('close', () => r()));
  }

  static open(port: number): Promise<StratumClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new StratumClient(s)));
      s.once('error', reject);
    });
  }

  /** The first message (already received or still to come) that `match` accepts, within `ms`. */
  next(match: (m: Message) => boolean, ms = 30_000, after = 0): Promise<Message> {
    const seen = this.received.slice(after).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching Stratum message within ${ms} ms`)), ms);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** The newest notification of `method` arriving after message number `after`. */
  notification(method: string, after = 0, ms = 30_000): Promise<Message> {
    return this.next((m) => m.method === method, ms, after);
  }

  sendRaw(text: string): void {
    this.socket.write(text);
  }

  async request(method: string, params: unknown[]): Promise<Message> {
    const id = this.nextId++;
    const reply = this.next((m) => m.id === id && m.method === undefined);
    this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The job a mining.notify carries. */
export function jobOf(m: Message): Job {
  const p = m.params as [string, string, string, string, string[], string, string, string, boolean];
  return {
    id: p[0],
    prevhash: p[1],
    coinb1: p[2],
    coinb2: p[3],
    branch: p[4],
    version: p[5],
    nbits: p[6],
    ntime: p[7],
    clean: p[8],
  };
}
