import type { SignatureItem } from '../consensus/rules/contextual.js';

/** Payments one task of the chain lock takes at most: a block waits for no more than these. */
export const MAX_RUN = 64;
/**
 * How long the head of the line waits for its signature check before it goes on without it
 * (acceptance then checks every signature itself): a verify worker that stops answering must not
 * hold up every payment behind it.
 */
export const PREPARE_WAIT_MS = 10_000;

export interface IntakeSteps<T, R> {
  /** Outside the lock, started at once: the signatures found valid (preverify.ts). Never rejects. */
  prepare: (item: T) => Promise<SignatureItem[]>;
  /** The chain's lock: tasks run one at a time in the order given (Chain.withLock). */
  withLock: (task: () => Promise<void>) => Promise<void>;
  /** Under the lock: the decision on one item. */
  acceptLocked: (item: T, verified: SignatureItem[]) => Promise<R>;
  /** PREPARE_WAIT_MS unless given (tests). */
  prepareWaitMs?: number;
}

interface Slot<T, R> {
  item: T;
  /** Set once `prepare` has finished. */
  verified: SignatureItem[] | undefined;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Payments into the pool in the order they arrived. Each one's signatures are checked off the
 * main thread first (`prepare`), and those checks finish in any order; the payments then take the
 * chain lock in arrival order, every payment ready at the head of the line (up to MAX_RUN) in one
 * task of the lock.
 * - In order: a payment and its child sent together (in one JSON-RPC batch, or back to back) are
 *   decided parent first, as bitcoind decides a batch.
 * - One task for a run: a batch of hundreds of payments takes one place in the chain's bounded
 *   queue (MAX_QUEUED_TASKS), not hundreds.
 */
export class OrderedIntake<T, R> {
  private readonly line: Slot<T, R>[] = [];
  private running = false;
  /** Set while the head of the line waits for its check (see PREPARE_WAIT_MS). */
  private headTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly steps: IntakeSteps<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const slot: Slot<T, R> = { item, verified: undefined, resolve, reject };
      this.line.push(slot);
      let prepared: Promise<SignatureItem[]>;
      try {
        prepared = this.steps.prepare(item);
      } catch {
        prepared = Promise.resolve([]);
      }
      void prepared.then(
        (verified) => this.ready(slot, verified),
        () => this.ready(slot, []),
      );
    });
  }

  /** Payments waiting for their turn or their check. */
  get size(): number {
    return this.line.length;
  }

  private ready(slot: Slot<T, R>, verified: SignatureItem[]): void {
    // A check that answers after the head stopped waiting for it comes too late: keep the first.
    slot.verified ??= verified;
    this.pump();
  }

  /** Start the head's wait for its check, unless one runs: past it, the head goes on unchecked. */
  private watchHead(): void {
    const head = this.line[0];
    if (!head || this.headTimer) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = undefined;
      if (this.line[0] === head) head.verified ??= [];
      this.pump();
    }, this.steps.prepareWaitMs ?? PREPARE_WAIT_MS);
    // The wait must not keep a process alive that has nothing else to do.
    this.headTimer.unref?.();
  }

  /** Take the ready head of the line under the lock, unless a run is already in it. */
  private pump(): void {
    if (this.running) return;
    let n = 0;
    while (n < this.line.length && n < MAX_RUN && this.line[n]!.verified) n++;
    if (n === 0) {
      this.watchHead();
      return;
    }
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
    const run = this.line.splice(0, n);
    this.running = true;
    let started = 0;
    void this.steps
      .withLock(async () => {
        for (const slot of run) {
          started++;
          // One payment's failure (a database read error) is its own: the rest are still decided.
          try {
            slot.resolve(await this.steps.acceptLocked(slot.item, slot.verified!));
          } catch (err) {
            slot.reject(err);
          }
        }
      })
      // The lock refused the task (a full queue, a closed chain): every payment not started hears why.
      .catch((err: unknown) => {
        for (const slot of run.slice(started)) slot.reject(err);
      })
      .finally(() => {
        this.running = false;
        this.pump();
      });
  }
}
