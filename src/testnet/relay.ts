/**
 * A user-space TCP relay that makes a link slow, lossy-looking or silent. This machine's kernel has
 * no netem (no `tc qdisc ... delay`), so link faults live here, in both of the chaos testnet's
 * modes: each link between two peers is one listening port of a relay, forwarding to the peer's
 * real port, and every byte crossing it waits in a queue per direction.
 *
 * What a link can do (`LinkShape`, changed at any time with `Relay.shape`):
 * - latency and jitter: each chunk is held `latencyMs` plus a seeded random 0..`jitterMs` before it
 *   is written on; a stream never reorders (a chunk leaves no earlier than the one before it);
 * - bandwidth: bytes per second each way (a chunk of n bytes occupies the link n/bandwidth s);
 * - stall: nothing moves either way until it is lifted; connections stay open, bytes wait;
 * - cut (per direction): a black hole, as a partition looks to TCP: bytes, the end of a stream,
 *   and a new connection's first packet all wait until the cut is lifted, so the peers see
 *   silence, not a closed connection, and find out only through their own timeouts. (The kernel
 *   would drop the packets and the sender retransmit them; a relay holds them instead. To the
 *   peers both are the same: nothing arrives until the link is back.)
 *
 * Memory is bounded: a direction that has `MAX_QUEUED_BYTES` waiting stops reading its source
 * (TCP flow control then pushes back on the sender), and reads again once it has drained.
 *
 * Used in-process (loopback mode) and, inside a network namespace, by `relay-server.ts`.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { prng } from '../collections/prng.js';

export interface LinkShape {
  /** One-way delay of every chunk, ms. */
  latencyMs: number;
  /** Extra random delay per chunk, 0..jitterMs ms. */
  jitterMs: number;
  /** Bytes per second each way; 0 is unlimited. */
  bandwidth: number;
  /** Nothing moves either way while stalled. */
  stalled: boolean;
  /** A black hole from the dialling side to the listening side. */
  cutForward: boolean;
  /** A black hole from the listening side back to the dialling side. */
  cutBackward: boolean;
}

export const CLEAR_LINK: Readonly<LinkShape> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  bandwidth: 0,
  stalled: false,
  cutForward: false,
  cutBackward: false,
});

export interface Endpoint {
  host: string;
  port: number;
}

export interface LinkStats {
  connections: number;
  forwardBytes: number;
  backwardBytes: number;
}

/** A relay's bad request (unknown link, bad shape): the caller's mistake, said in one line. */
export class RelayError extends Error {
  override readonly name = 'RelayError';
}

/** Bytes one direction may hold before it stops reading its source. */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** How long a connection waits for its target to accept (ms); a target that is down refuses at once. */
const UPSTREAM_CONNECT_MS = 10_000;

type Marker = 'end' | 'destroy';

interface Link {
  id: string;
  server: Server;
  target: Endpoint;
  shape: LinkShape;
  stats: LinkStats;
  /** Every live direction of every connection, to wake them when the shape changes. */
  pipes: Set<Pipe>;
  /** Connections accepted while the forward direction is cut: they dial on once it is lifted. */
  waiting: Set<() => void>;
  sockets: Set<Socket>;
}

/** One direction of one relayed connection: a queue of chunks, each with the time it may leave. */
class Pipe {
  private readonly queue: { data: Buffer | Marker; at: number }[] = [];
  private queued = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly link: Link,
    private readonly forward: boolean,
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly random: () => number,
  ) {
    src.on('data', (d: Buffer) => this.push(d));
    src.on('end', () => this.push('end'));
    src.on('close', (hadError) => {
      if (hadError) this.push('destroy');
    });
    src.on('error', () => undefined);
  }

  private held(): boolean {
    const s = this.link.shape;
    return s.stalled || (this.forward ? s.cutForward : s.cutBackward);
  }

  private push(data: Buffer | Marker): void {
    if (this.done) return;
    const s = this.link.shape;
    let at = Math.max(this.lastAt, Date.now() + s.latencyMs + this.random() * s.jitterMs);
    if (typeof data !== 'string') {
      if (s.bandwidth > 0) at += (data.length * 1000) / s.bandwidth;
      this.queued += data.length;
      if (this.queued > MAX_QUEUED_BYTES) this.src.pause();
    }
    this.lastAt = at;
    this.queue.push({ data, at });
    this.pump();
  }

  /** Write every chunk whose time has come, unless the link holds this direction. */
  pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.done || this.held()) return;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const { data } = this.queue.shift()!;
      if (data === 'end') {
        this.dst.end();
        this.finish();
        return;
      }
      if (data === 'destroy') {
        this.dst.destroy();
        this.finish();
        return;
      }
      this.queued -= data.length;
      if (this.forward) this.link.stats.forwardBytes += data.length;
      else this.link.stats.backwardBytes += data.length;
      if (!this.dst.destroyed) this.dst.write(data);
      if (this.queued <= MAX_QUEUED_BYTES / 2 && this.src.isPaused()) this.src.resume();
    }
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, this.queue[0]!.at - now));
      this.timer.unref();
    }
  }

  finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.link.pipes.delete(this);
  }
}

/**
 * A set of shaped links, each a listening socket forwarding to one target. Jitter comes from a
 * generator seeded per relay, so a chaos run's seed fixes it too.
 */
export class Relay {
  private readonly links = new Map<string, Link>();
  private readonly random: () => number;
  private closed = false;

  constructor(seed = 1) {
    this.random = prng(seed);
  }

  /** Start forwarding `listen` (port 0 picks one) to `target`; resolves with the port listened on. */
  async addLink(id: string, listen: Endpoint, target: Endpoint): Promise<number> {
    if (this.closed) throw new RelayError('the relay is closed');
    if (this.links.has(id)) throw new RelayError(`link ${id} exists already`);
    const link: Link = {
      id,
      server: createServer({ pauseOnConnect: true, allowHalfOpen: true }, (s) => this.accept(link, s)),
      target,
      shape: { ...CLEAR_LINK },
      stats: { connections: 0, forwardBytes: 0, backwardBytes: 0 },
      pipes: new Set(),
      waiting: new Set(),
      sockets: new Set(),
    };
    this.links.set(id, link);
    await new Promise<void>((resolve, reject) => {
      link.server.once('error', (err) => {
        this.links.delete(id);
        reject(err);
      });
      link.server.listen(listen.port, listen.host, () => resolve());
    });
    return (link.server.address() as { port: number }).port;
  }

  /** Change some of a link's properties; the rest stay. Held bytes move as soon as nothing holds them. */
  shape(id: string, change: Partial<LinkShape>): LinkShape {
    const link = this.link(id);
    const next = { ...link.shape, ...change };
    checkShape(next);
    link.shape = next;
    for (const p of [...link.pipes]) p.pump();
    if (!next.cutForward) for (const go of [...link.waiting]) go();
    return { ...next };
  }

  stats(id: string): LinkStats & { shape: LinkShape } {
    const link = this.link(id);
    return { ...link.stats, shape: { ...link.shape } };
  }

  ids(): string[] {
    return [...this.links.keys()];
  }

  /** Stop listening and drop every connection at once. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.links.values()];
    this.links.clear();
    for (const l of all) {
      for (const p of [...l.pipes]) p.finish();
      for (const s of l.sockets) s.destroy();
      l.waiting.clear();
    }
    await Promise.all(all.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
  }

  private link(id: string): Link {
    const link = this.links.get(id);
    if (!link) throw new RelayError(`no link ${id}`);
    return link;
  }

  private accept(link: Link, down: Socket): void {
    if (this.closed) return void down.destroy();
    link.stats.connections++;
    link.sockets.add(down);
    down.on('close', () => link.sockets.delete(down));
    down.on('error', () => undefined);
    // A cut link loses the connection's first packet too: it is dialled on once the cut is lifted
    // (or never, if the dialler gives up first).
    const go = () => {
      link.waiting.delete(go);
      if (!down.destroyed) this.dialOn(link, down);
    };
    if (link.shape.cutForward) {
      link.waiting.add(go);
      down.once('close', () => link.waiting.delete(go));
    } else go();
  }

  private dialOn(link: Link, down: Socket): void {
    const up = connect({ host: link.target.host, port: link.target.port, allowHalfOpen: true });
    link.sockets.add(up);
    up.on('close', () => link.sockets.delete(up));
    const timer = setTimeout(() => up.destroy(new Error('connect timeout')), UPSTREAM_CONNECT_MS);
    timer.unref();
    // The target refusing (its peer is down) resets the dialler, as the target's kernel would.
    up.once('error', () => down.destroy());
    up.once('connect', () => {
      clearTimeout(timer);
      up.removeAllListeners('error');
      if (down.destroyed || this.closed) return void up.destroy();
      up.setNoDelay(true);
      down.setNoDelay(true);
      link.pipes.add(new Pipe(link, true, down, up, this.random));
      link.pipes.add(new Pipe(link, false, up, down, this.random));
      down.resume();
    });
  }
}

/** A shape's numbers must be finite and not negative: a bad one is refused before it is used. */
export function checkShape(s: LinkShape): void {
  for (const k of ['latencyMs', 'jitterMs', 'bandwidth'] as const) {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new RelayError(`${k} must be a number of 0 or more, got ${String(v)}`);
  }
  for (const k of ['stalled', 'cutForward', 'cutBackward'] as const)
    if (typeof s[k] !== 'boolean') throw new RelayError(`${k} must be true or false, got ${String(s[k])}`);
}
