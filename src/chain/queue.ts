import { ChainError } from './errors.js';

/**
 * Runs async tasks one at a time, in submission order: the chain's one lock. A task that throws
 * rejects its own promise and does not stop the queue.
 *
 * Bounded, as Lodestar bounds its block-processing JobItemQueue: every gossiped block and
 * transaction waits here, and peers could hand them in faster than they are decided. Past
 * `maxLength` tasks (queued or running) a new one is refused at once with ChainError('busy')
 * instead of memory that grows; `force` queues a follow-up of work already done regardless.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(readonly maxLength = Infinity) {}

  run<T>(task: () => Promise<T>, opts: { force?: boolean } = {}): Promise<T> {
    if (this.pending >= this.maxLength && !opts.force) {
      return Promise.reject(
        new ChainError('busy', `the chain has ${this.pending} tasks waiting (at most ${this.maxLength}); try again`),
      );
    }
    this.pending++;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Resolves when every task queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
