import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Multiaddr } from '@multiformats/multiaddr';
import { writeFileAtomic } from '../../fsutil/index.js';
import { parseTcpAddress } from './announce.js';
import { DiscoveryError } from './errors.js';

export const ADDRESS_BOOK_FILE = 'addresses.json';
const FORMAT_VERSION = 1;

/** Bounds on what the book holds: peer ids and multiaddrs are free to make, so all of it is capped. */
export const BOOK_LIMITS = {
  /** MAX_BOOK_PEERS: peers remembered; past it the least useful is forgotten. */
  maxPeers: 2_000,
  /** MAX_ADDRS_PER_PEER: addresses kept per peer, newest first. */
  maxAddrsPerPeer: 4,
  /** The longest address or peer id kept (a /dns name of 253 characters and a port fit). */
  maxTextLength: 300,
  /** The largest address book file read: more than a full book takes (~1 MB). */
  maxFileBytes: 4 * 1024 * 1024,
} as const;

/** Seconds after a failed dial before the first retry; doubled per failure, at most MAX_RETRY_SECONDS. */
const RETRY_BASE_SECONDS = 30;
const MAX_RETRY_SECONDS = 3600;
/** A peer never reached after this many tries, or failing this many times in a row, is forgotten. */
const MAX_FAILURES_NEVER_REACHED = 3;
const MAX_FAILURES = 10;
/** A peer reached once but not in this long, and failing since, is forgotten with MAX_FAILURES. */
const STALE_SECONDS = 7 * 24 * 3600;
/** A peer counts as known-good (shared with others) while it has failed fewer times than this since its last success. */
const GOOD_MAX_FAILURES = 2;

/** Where the book learned of a peer. */
export type AddressSource = 'bootstrap' | 'identify' | 'exchange' | 'dht' | 'dial';
const SOURCES: ReadonlySet<string> = new Set(['bootstrap', 'identify', 'exchange', 'dht', 'dial']);

/** What the book knows of one peer. Times are seconds since the epoch (0: never). */
export interface BookEntry {
  id: string;
  /** Its TCP addresses without /p2p, newest first. */
  addrs: string[];
  source: AddressSource;
  firstSeen: number;
  lastSeen: number;
  lastTry: number;
  lastSuccess: number;
  successes: number;
  /** Failed dials since the last success. */
  failures: number;
}

/** Whether `id` is a peer id libp2p accepts (its string form, as identify and the DHT give it). */
function validPeerId(id: string): boolean {
  if (id.length === 0 || id.length > BOOK_LIMITS.maxTextLength) return false;
  try {
    return peerIdFromString(id).toString() === id;
  } catch {
    return false;
  }
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : NaN;
}

/** One entry of the file, checked field by field; throws DiscoveryError('bad-format'). */
function entryFromJson(raw: unknown, n: number): BookEntry {
  const bad = (why: string) => new DiscoveryError('bad-format', `entry ${n}: ${why}`);
  if (typeof raw !== 'object' || raw === null) throw bad('not an object');
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || !validPeerId(r.id)) throw bad('no valid peer id');
  if (!Array.isArray(r.addrs) || r.addrs.length === 0 || r.addrs.length > BOOK_LIMITS.maxAddrsPerPeer)
    throw bad(`addrs must hold 1 to ${BOOK_LIMITS.maxAddrsPerPeer} addresses`);
  const addrs = r.addrs.map((a) => {
    if (typeof a !== 'string' || a.length > BOOK_LIMITS.maxTextLength) throw bad('an address is not a short string');
    try {
      return parseTcpAddress(a, 'forbidden').toString();
    } catch (err) {
      throw bad((err as Error).message);
    }
  });
  if (typeof r.source !== 'string' || !SOURCES.has(r.source)) throw bad(`unknown source '${String(r.source)}'`);
  const e = {
    id: r.id,
    addrs,
    source: r.source as AddressSource,
    firstSeen: count(r.firstSeen),
    lastSeen: count(r.lastSeen),
    lastTry: count(r.lastTry),
    lastSuccess: count(r.lastSuccess),
    successes: count(r.successes),
    failures: count(r.failures),
  };
  for (const [k, v] of Object.entries(e))
    if (typeof v === 'number' && Number.isNaN(v)) throw bad(`${k} is not a count`);
  return e;
}

/**
 * The peers this node has heard of, with each one's dial history, kept in
 * `<datadir>/addresses.json` so a restarted node reconnects to peers it knew without its bootstrap
 * list (bitcoind's peers.dat, in the spirit of its addrman: remember successes and failures,
 * retry with backoff, forget the hopeless, bound everything). Written atomically; a damaged file
 * is set aside as `addresses.json.bad` and the node starts with an empty book and a warning.
 */
export class AddressBook {
  private readonly entries = new Map<string, BookEntry>();
  private dirty = false;

  private constructor(
    private readonly datadir: string | undefined,
    private readonly clock: () => number,
  ) {}

  /** An empty book kept in memory only (tests, and nodes without a datadir). */
  static inMemory(clock: () => number): AddressBook {
    return new AddressBook(undefined, clock);
  }

  /**
   * Read the book from `datadir`. A file that cannot be used at all gives an empty book and the
   * error (the file is moved aside); entries that are bad one by one are left out, and the first
   * of them is reported. Never throws for what is in the file.
   */
  static load(datadir: string, clock: () => number): { book: AddressBook; error?: DiscoveryError } {
    const book = new AddressBook(datadir, clock);
    const path = book.path!;
    if (!existsSync(path)) return { book };
    let error: DiscoveryError | undefined;
    try {
      if (statSync(path).size > BOOK_LIMITS.maxFileBytes)
        throw new DiscoveryError('too-large', `${path} is over ${BOOK_LIMITS.maxFileBytes} bytes`);
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        if (err instanceof SyntaxError) throw new DiscoveryError('bad-format', `${path} is not JSON: ${err.message}`);
        throw new DiscoveryError('unreadable', `${path}: ${(err as Error).message}`);
      }
      const d = data as { version?: unknown; peers?: unknown };
      if (typeof d !== 'object' || d === null || d.version !== FORMAT_VERSION || !Array.isArray(d.peers))
        throw new DiscoveryError('bad-format', `${path} is not an address book of version ${FORMAT_VERSION}`);
      if (d.peers.length > BOOK_LIMITS.maxPeers)
        throw new DiscoveryError('too-large', `${path} holds more than ${BOOK_LIMITS.maxPeers} peers`);
      let skipped = 0;
      for (const [n, raw] of d.peers.entries()) {
        try {
          const e = entryFromJson(raw, n);
          book.entries.set(e.id, e);
        } catch (err) {
          if (!(err instanceof DiscoveryError)) throw err;
          error ??= err;
          skipped++;
        }
      }
      if (error) error = new DiscoveryError('bad-format', `${path}: ${skipped} entries left out; ${error.message}`);
    } catch (err) {
      if (!(err instanceof DiscoveryError)) throw err;
      book.entries.clear();
      try {
        renameSync(path, `${path}.bad`);
      } catch {
        // it is replaced by the next save anyway
      }
      return { book, error: err };
    }
    return { book, error };
  }

  private get path(): string | undefined {
    return this.datadir ? join(this.datadir, ADDRESS_BOOK_FILE) : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string): Readonly<BookEntry> | undefined {
    return this.entries.get(id);
  }

  all(): Readonly<BookEntry>[] {
    return [...this.entries.values()];
  }

  /**
   * `id` can be reached at `addrs` (what identify, a peer's address list or the DHT said). Only
   * dialable TCP addresses are kept, without /p2p. Returns whether anything was kept.
   */
  heard(id: string, addrs: readonly (Multiaddr | string)[], source: AddressSource): boolean {
    if (!validPeerId(id)) return false;
    const clean: string[] = [];
    for (const a of addrs) {
      const text = (typeof a === 'string' ? a : a.toString()).replace(/\/p2p\/[^/]+$/, '');
      if (text.length > BOOK_LIMITS.maxTextLength) continue;
      try {
        clean.push(parseTcpAddress(text, 'forbidden').toString());
      } catch {
        // not dialable over TCP: nothing to keep
      }
    }
    if (clean.length === 0) return false;
    const now = this.clock();
    let e = this.entries.get(id);
    if (!e) {
      if (this.entries.size >= BOOK_LIMITS.maxPeers) this.forgetWorst();
      e = {
        id,
        addrs: [],
        source,
        firstSeen: now,
        lastSeen: now,
        lastTry: 0,
        lastSuccess: 0,
        successes: 0,
        failures: 0,
      };
      this.entries.set(id, e);
    }
    e.lastSeen = now;
    e.addrs = [...new Set([...clean, ...e.addrs])].slice(0, BOOK_LIMITS.maxAddrsPerPeer);
    this.dirty = true;
    return true;
  }

  /** A dial to `id` is starting. */
  attempted(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.lastTry = this.clock();
    this.dirty = true;
  }

  /** We are connected to `id` (a dial of ours succeeded). */
  succeeded(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.lastSuccess = e.lastSeen = this.clock();
    e.successes++;
    e.failures = 0;
    this.dirty = true;
  }

  /** A dial of ours to `id` failed. A hopeless peer is forgotten. */
  failed(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.failures++;
    e.lastTry = this.clock();
    this.dirty = true;
    if (this.isTerrible(e)) this.entries.delete(id);
  }

  /** Forget a peer (banned, or of another network). */
  forget(id: string): void {
    if (this.entries.delete(id)) this.dirty = true;
  }

  /** bitcoind's IsTerrible, simplified: never reached after a few tries, or failing for long. */
  private isTerrible(e: BookEntry): boolean {
    if (e.successes === 0) return e.failures >= MAX_FAILURES_NEVER_REACHED;
    return e.failures >= MAX_FAILURES && this.clock() - e.lastSuccess > STALE_SECONDS;
  }

  /** When `e` may be dialled again after its failures. */
  private retryAt(e: BookEntry): number {
    if (e.failures === 0) return 0;
    return e.lastTry + Math.min(MAX_RETRY_SECONDS, RETRY_BASE_SECONDS * 2 ** (e.failures - 1));
  }

  /**
   * Peers worth dialling now, best first: those reached before (most recently first), then those
   * only heard of (most recently heard first). Peers waiting out a failure's backoff are left out.
   */
  candidates(): Readonly<BookEntry>[] {
    const now = this.clock();
    return [...this.entries.values()]
      .filter((e) => this.retryAt(e) <= now)
      .sort(
        (a, b) =>
          (b.lastSuccess > 0 ? 1 : 0) - (a.lastSuccess > 0 ? 1 : 0) ||
          b.lastSuccess - a.lastSuccess ||
          b.lastSeen - a.lastSeen,
      );
  }

  /** Up to `n` known-good peers (reached, not failing since), most recently reached first: what we tell others. */
  good(n: number): Readonly<BookEntry>[] {
    return [...this.entries.values()]
      .filter((e) => e.lastSuccess > 0 && e.failures < GOOD_MAX_FAILURES)
      .sort((a, b) => b.lastSuccess - a.lastSuccess)
      .slice(0, n);
  }

  /** Make room: the peer never reached and heard of longest ago, else the one failing most. */
  private forgetWorst(): void {
    let worst: BookEntry | undefined;
    const rank = (e: BookEntry) => [e.lastSuccess > 0 ? 1 : 0, -e.failures, e.lastSeen];
    for (const e of this.entries.values()) {
      if (!worst) {
        worst = e;
        continue;
      }
      const [a, b] = [rank(e), rank(worst)];
      const i = a.findIndex((v, k) => v !== b[k]);
      if (i >= 0 && a[i]! < b[i]!) worst = e;
    }
    if (worst) this.entries.delete(worst.id);
  }

  /** Write the book if it changed (atomically: temp file, fsync, rename). */
  save(): void {
    if (!this.dirty || !this.path) return;
    const peers = [...this.entries.values()];
    writeFileAtomic(this.path, JSON.stringify({ version: FORMAT_VERSION, peers }));
    this.dirty = false;
  }
}
