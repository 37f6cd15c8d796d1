/** Bounds of the gossip intake (per peer, and in total), and how it shares the thread. */
export const INTAKE = {
  /** MAX_QUEUED_PER_PEER: messages from one peer waiting for validation. */
  maxQueuedPerPeer: 1_000,
  /** MAX_QUEUED_BYTES_PER_PEER: their bytes (a few full blocks). */
  maxQueuedBytesPerPeer: 8 * 1024 * 1024,
  /** MAX_QUEUED_BYTES: all peers' together; past it the peer with the most queued loses its oldest. */
  maxQueuedBytes: 32 * 1024 * 1024,
  /** Validations in flight at once (they wait on the chain's lock; a few keep it busy). */
  concurrency: 4,
  /**
   * Milliseconds of starting validations before the intake lets the event loop run (timers, RPC,
   * other sockets). Each validation's own work continues in microtasks after it starts, so the
   * longest stretch is about this plus `concurrency` validations' synchronous parts.
   */
  sliceMs: 8,
} as const;

export interface IntakeLimits {
  maxQueuedPerPeer: number;
  maxQueuedBytesPerPeer: number;
  maxQueuedBytes: number;
  concurrency: number;
  sliceMs: number;
}

interface PeerQueue<J> {
  jobs: { job: J; bytes: number }[];
  /** Index of the oldest job still queued (a queue that only moves forward, trimmed now and then). */
  head: number;
  bytes: number;
}

/**
 * A fair intake for work that peers hand the node (gossip messages to validate): one bounded
 * queue per peer, served round-robin, a few jobs in flight, and started in slices of
 * `sliceMs` with the event loop let run between slices. So one peer sending thousands of
 * messages gets its turn like everyone else, RPC requests and timers are answered while it
 * floods, and what does not fit in its queue is dropped (and reported through `onDrop`,
 * which charges the sender) rather than held. A peer that is gone for good (banned) has its
 * queue dropped at once.
 */
export class FairIntake<J> {
  private readonly queues = new Map<string, PeerQueue<J>>();
  /** Peers with something queued, in the order they will be served (each at most once). */
  private readonly turn: string[] = [];
  private readonly inTurn = new Set<string>();
  private turnHead = 0;
  private queuedBytes = 0;
  private running = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly run: (peer: string, job: J) => Promise<void>,
    /** A job dropped unrun: `full` when a bound pushed it out (the sender pays), else the peer or intake went away. */
    private readonly onDrop: (peer: string, job: J, full: boolean) => void,
    private readonly limits: IntakeLimits = INTAKE,
  ) {}

  /** Messages waiting, all peers. */
  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.jobs.length - q.head;
    return n;
  }

  /** Queue `job` from `peer`; false (and `onDrop`) when the peer's queue is full. */
  push(peer: string, job: J, bytes: number): boolean {
    if (this.closed) {
      this.onDrop(peer, job, false);
      return false;
    }
    let q = this.queues.get(peer);
    if (!q) {
      q = { jobs: [], head: 0, bytes: 0 };
      this.queues.set(peer, q);
    }
    const length = q.jobs.length - q.head;
    if (length >= this.limits.maxQueuedPerPeer || q.bytes + bytes > this.limits.maxQueuedBytesPerPeer) {
      this.onDrop(peer, job, true);
      return false;
    }
    if (!this.inTurn.has(peer)) {
      this.turn.push(peer);
      this.inTurn.add(peer);
    }
    q.jobs.push({ job, bytes });
    q.bytes += bytes;
    this.queuedBytes += bytes;
    while (this.queuedBytes > this.limits.maxQueuedBytes) this.dropFromLargest();
    this.kick();
    return true;
  }

  /** Drop everything queued from `peer` (a banned peer): each job goes to `onDrop`, as not full. */
  dropPeer(peer: string): number {
    const q = this.queues.get(peer);
    if (!q) return 0;
    this.queues.delete(peer);
    this.queuedBytes -= q.bytes;
    for (let i = q.head; i < q.jobs.length; i++) this.onDrop(peer, q.jobs[i]!.job, false);
    return q.jobs.length - q.head;
  }

  /** Drop everything queued (stopping): each job goes to `onDrop`, as not full. */
  close(): void {
    this.closed = true;
    for (const [peer, q] of this.queues)
      for (let i = q.head; i < q.jobs.length; i++) this.onDrop(peer, q.jobs[i]!.job, false);
    this.queues.clear();
    this.inTurn.clear();
    this.turn.length = 0;
    this.turnHead = 0;
    this.queuedBytes = 0;
  }

  /** Total bytes over the bound: the peer with the most bytes queued loses its oldest job. */
  private dropFromLargest(): void {
    let worst: [string, PeerQueue<J>] | undefined;
    for (const e of this.queues) if (e[1].head < e[1].jobs.length && (!worst || e[1].bytes > worst[1].bytes)) worst = e;
    if (!worst) return;
    const [peer, q] = worst;
    const { job } = this.shift(peer, q);
    this.onDrop(peer, job, true);
  }

  private shift(peer: string, q: PeerQueue<J>): { job: J; bytes: number } {
    const item = q.jobs[q.head]!;
    q.jobs[q.head++] = undefined as never;
    q.bytes -= item.bytes;
    this.queuedBytes -= item.bytes;
    if (q.head === q.jobs.length) this.queues.delete(peer);
    else if (q.head >= 1024 && q.head * 2 >= q.jobs.length) {
      q.jobs.splice(0, q.head);
      q.head = 0;
    }
    return item;
  }

  /** The next job in round-robin order, or undefined. */
  private next(): { peer: string; job: J } | undefined {
    while (this.turnHead < this.turn.length) {
      const peer = this.turn[this.turnHead++]!;
      this.inTurn.delete(peer);
      const q = this.queues.get(peer);
      if (!q) continue; // emptied by a drop since it queued
      const { job } = this.shift(peer, q);
      if (this.queues.has(peer)) {
        this.turn.push(peer);
        this.inTurn.add(peer);
      }
      if (this.turnHead >= 1024 && this.turnHead * 2 >= this.turn.length) {
        this.turn.splice(0, this.turnHead);
        this.turnHead = 0;
      }
      return { peer, job };
    }
    this.turn.length = 0;
    this.turnHead = 0;
    return undefined;
  }

  private kick(): void {
    if (this.scheduled || this.closed || this.running >= this.limits.concurrency || this.queues.size === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the poll phase (sockets, RPC) runs before the next slice.
    setImmediate(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    const start = performance.now();
    while (this.running < this.limits.concurrency && performance.now() - start < this.limits.sliceMs) {
      const item = this.next();
      if (!item) break;
      this.running++;
      this.run(item.peer, item.job)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.kick();
        });
    }
    this.kick();
  }
}
