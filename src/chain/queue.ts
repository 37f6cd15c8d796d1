/**
 * Runs async tasks one at a time, in submission order: the chain's one lock. A task that throws
 * rejects its own promise and does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
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
