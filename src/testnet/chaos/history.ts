/**
 * The history of a chaos run: one JSON object per line, written as things happen, enough on its
 * own for the checker (`powchain testnet check FILE`) to judge the run without the peers.
 *
 * Every event has `type` and `t`, milliseconds since the run started (the `run` event, first,
 * gives the wall-clock start). Amounts are strings of base units (1 coin = 100000000), so they
 * stay exact. Events are written in the order they are observed; the node-log events (`reorg`,
 * `log`) carry the time the node logged them and can be up to a second behind their line, so
 * readers sort by `t` (`readHistory` does).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { Fault, ScheduledFault } from './schedule.js';

export const HISTORY_VERSION = 1;

export interface RunEvent {
  type: 'run';
  t: number;
  version: number;
  startedAt: string;
  seed: number;
  nodes: number;
  miners: number;
  mode: 'netns' | 'loopback';
  network: 'testnet' | 'regtest';
  /** Seconds of the fault phase. */
  duration: number;
  faults: string[];
  schedule: ScheduledFault[];
  /** The bound convergence after the last heal is judged against, seconds. */
  convergeWithin: number;
  /** Peer i's wallet address (its coinbases pay it). */
  addresses: string[];
}
export interface PhaseEvent {
  type: 'phase';
  t: number;
  phase: 'setup' | 'warmup' | 'faults' | 'heal' | 'converged' | 'settle' | 'final';
  note?: string;
  /** `heal`: how many things the final heal had to mend (faults whose own heal failed). */
  repairs?: number;
}
export interface FaultEvent {
  type: 'fault';
  t: number;
  op: 'apply' | 'heal';
  id: number;
  fault: Fault;
  error?: string;
}
export interface TipsEvent {
  type: 'tips';
  t: number;
  /** Per peer: [height, tip hash], or null when it did not answer (down, restarting). */
  tips: ([number, string] | null)[];
  mempool: (number | null)[];
}
/** Whether every peer answered a sample and all name the same tip. */
export function onOneTip(s: TipsEvent): boolean {
  return s.tips.every((x) => x !== null && x[1] === s.tips[0]![1]);
}

export interface BlockTx {
  txid: string;
  /** Outpoints spent, "txid:n". */
  spends: string[];
}
export interface BlockEvent {
  type: 'block';
  t: number;
  hash: string;
  prev: string;
  height: number;
  time: number;
  bits: string;
  /** The peer whose wallet the coinbase pays; null for none of them. */
  miner: number | null;
  /** Coinbase output total, base units. */
  coinbase: string;
  coinbaseTxid: string;
  /** Every transaction but the coinbase. */
  txs: BlockTx[];
  /** Where it was first seen. */
  peer: number;
}
export interface ReorgEvent {
  type: 'reorg';
  t: number;
  peer: number;
  fork: string;
  forkHeight: number;
  disconnected: number;
  connected: number;
}
export interface LogEvent {
  type: 'log';
  t: number;
  peer: number;
  what: 'invalid-block' | 'ban';
  detail: Record<string, unknown>;
}
export type PaymentEvent =
  | { type: 'payment'; t: number; op: 'submitted'; id: number; from: number; to: number; amount: string }
  | {
      type: 'payment';
      t: number;
      op: 'accepted';
      id: number;
      txid: string;
      fee: string;
      /** Outpoints spent, "txid:n". */
      inputs: string[];
      peer: number;
    }
  | { type: 'payment'; t: number; op: 'failed'; id: number; error: string }
  | { type: 'payment'; t: number; op: 'confirmed'; id: number; txid: string; peer: number; depth: number }
  | { type: 'payment'; t: number; op: 'unconfirmed'; id: number; txid: string; peer: number; depth: number };
export interface MiningEvent {
  type: 'mining';
  t: number;
  /** Hashes per second per peer (null for a peer that did not answer or does not mine). */
  rates: (number | null)[];
}
export interface PeerEvent {
  type: 'peer';
  t: number;
  peer: number;
  op: 'started' | 'killed' | 'stopped';
  pid?: number;
  clockOffset?: number;
}
export interface FinalEvent {
  type: 'final';
  t: number;
  peer: number;
  tip: string | null;
  height: number | null;
  utxo: { hash: string; total: string; txouts: number } | null;
  /** true, false, or why it could not be asked. */
  verifychain: boolean | string;
  mempool: string[];
}
export interface EndEvent {
  type: 'end';
  t: number;
  error?: string;
}

export type HistoryEvent =
  | RunEvent
  | PhaseEvent
  | FaultEvent
  | TipsEvent
  | BlockEvent
  | ReorgEvent
  | LogEvent
  | PaymentEvent
  | MiningEvent
  | PeerEvent
  | FinalEvent
  | EndEvent;

/** An event before it is stamped (each member of a union on its own). */
export type Untimed<E> = E extends unknown ? Omit<E, 't'> & { t?: number } : never;

/** A history file that cannot be read as one: names the line and what is wrong with it. */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';
}

/** Appends events to a file as JSON lines, each written (and so on disk to a reader) at once. */
export class HistoryWriter {
  private fd: number | undefined;
  private readonly t0 = performance.now();
  count = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w', 0o644);
  }

  /** Milliseconds since the writer was opened (the run's start). */
  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  /** Write an event (stamped now unless it carries its own t) and return it as written. */
  write<E extends HistoryEvent>(e: Untimed<E>): E {
    const event = { t: this.now(), ...e } as unknown as E;
    if (this.fd !== undefined) {
      writeSync(this.fd, `${JSON.stringify(event)}\n`);
      this.count++;
    }
    return event;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The largest history read: a long run writes a few MB; anything near this is not a history. */
export const MAX_HISTORY_BYTES = 512 * 1024 * 1024;

type Check = (v: unknown) => boolean;
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const int: Check = (v) => Number.isSafeInteger(v);
const str: Check = (v) => typeof v === 'string';
const hash: Check = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const sats: Check = (v) => typeof v === 'string' && /^\d{1,20}$/.test(v);
const arr =
  (each: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(each);
const obj: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const nullable =
  (c: Check): Check =>
  (v) =>
    v === null || c(v);
const oneOf =
  (...xs: unknown[]): Check =>
  (v) =>
    xs.includes(v);
const outpoint: Check = (v) => typeof v === 'string' && /^[0-9a-f]{64}:\d+$/.test(v);

const SHAPES: Record<string, Record<string, Check>> = {
  run: {
    version: int,
    seed: int,
    nodes: int,
    miners: int,
    mode: oneOf('netns', 'loopback'),
    duration: num,
    schedule: arr(obj),
    convergeWithin: num,
    addresses: arr(str),
  },
  phase: { phase: str },
  fault: { op: oneOf('apply', 'heal'), id: int, fault: obj },
  tips: { tips: arr(nullable((v) => Array.isArray(v) && int(v[0]) && hash(v[1]))), mempool: arr(nullable(int)) },
  block: {
    hash,
    prev: hash,
    height: int,
    time: int,
    miner: nullable(int),
    coinbase: sats,
    coinbaseTxid: hash,
    txs: arr((x) => obj(x) && hash((x as BlockTx).txid) && arr(outpoint)((x as BlockTx).spends)),
    peer: int,
  },
  reorg: { peer: int, fork: hash, forkHeight: int, disconnected: int, connected: int },
  log: { peer: int, what: str, detail: obj },
  payment: { op: oneOf('submitted', 'accepted', 'failed', 'confirmed', 'unconfirmed'), id: int },
  mining: { rates: arr(nullable(num)) },
  peer: { peer: int, op: oneOf('started', 'killed', 'stopped') },
  final: {
    peer: int,
    tip: nullable(hash),
    height: nullable(int),
    utxo: nullable((u) => obj(u) && str((u as { hash: unknown }).hash) && sats((u as { total: unknown }).total)),
    mempool: arr(hash),
  },
  end: {},
};

const PAYMENT_SHAPES: Record<string, Record<string, Check>> = {
  submitted: { from: int, to: int, amount: sats },
  accepted: { txid: hash, fee: sats, inputs: arr(outpoint), peer: int },
  failed: { error: str },
  confirmed: { txid: hash, peer: int, depth: int },
  unconfirmed: { txid: hash, peer: int, depth: int },
};

function checkEvent(v: unknown, line: number): HistoryEvent {
  if (!obj(v)) throw new HistoryError(`line ${line}: not a JSON object`);
  const e = v as Record<string, unknown>;
  const shape = typeof e.type === 'string' ? SHAPES[e.type] : undefined;
  if (!shape) throw new HistoryError(`line ${line}: unknown event type ${JSON.stringify(e.type)}`);
  if (!num(e.t) || (e.t as number) < 0) throw new HistoryError(`line ${line}: ${e.type} event without a time t`);
  const fields = { ...shape, ...(e.type === 'payment' ? PAYMENT_SHAPES[e.op as string] : {}) };
  for (const [k, check] of Object.entries(fields))
    if (!check(e[k])) throw new HistoryError(`line ${line}: ${e.type} event has a bad ${k}: ${JSON.stringify(e[k])}`);
  return e as unknown as HistoryEvent;
}

export interface History {
  run: RunEvent;
  /** Every event, the run event first, in time order (stable for equal times). */
  events: HistoryEvent[];
}

/** Parse history text: every line checked, the first must be the run event. */
export function parseHistory(text: string): History {
  const events: HistoryEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // A run killed mid-write leaves a cut last line: the rest is still its history.
      if (i >= lines.length - 2 && !text.endsWith('\n')) break;
      throw new HistoryError(`line ${i + 1}: not JSON`);
    }
    events.push(checkEvent(v, i + 1));
  }
  const run = events[0];
  if (!run || run.type !== 'run') throw new HistoryError('a history starts with its run event');
  if (run.version !== HISTORY_VERSION)
    throw new HistoryError(`history version ${run.version}; this powchain reads version ${HISTORY_VERSION}`);
  if (events.some((e, i) => i > 0 && e.type === 'run')) throw new HistoryError('a history has one run event');
  const sorted = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i);
  return { run, events: sorted.map((x) => x.e) };
}

/** Read and parse a history file (at most MAX_HISTORY_BYTES). */
export function readHistory(path: string): History {
  if (!existsSync(path)) throw new HistoryError(`no history file ${path}`);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_HISTORY_BYTES)
      throw new HistoryError(`${path} is ${size} bytes: larger than any history (${MAX_HISTORY_BYTES})`);
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return parseHistory(buf.subarray(0, off).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}
