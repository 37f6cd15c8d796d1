/**
 * The chain lock: one task at a time, in order, and a bound on how many may wait. Past
 * MAX_QUEUED_TASKS a block or a mempool acceptance is refused at once with ChainError('busy'),
 * instead of piling up in memory; a slot that frees takes work again, and a forced follow-up
 * (the mempool's re-admission after a reorg) is never refused.
 */
import { ChainError } from '../../src/chain/index.js';
import { SerialQueue } from '../../src/chain/queue.js';
import { ChainHarness } from './harness.js';

/** A task that runs until `release` is called. */
function held(): { task: () => Promise<void>; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const startedP = new Promise<void>((r) => (started = r));
  return {
    task: async () => {
      started();
      await gate;
    },
    release,
    started: startedP,
  };
}

describe('SerialQueue', () => {
  test('tasks run one at a time, in order; a failure rejects only its own promise', async () => {
    const q = new SerialQueue();
    const order: string[] = [];
    const step = (name: string, fail = false) =>
      q.run(async () => {
        order.push(`${name} start`);
        await new Promise((r) => setImmediate(r));
        order.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([step('a'), step('b', true), step('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(q.size).toBe(0);
  });

  test('past maxLength a task is refused at once with busy; a freed slot takes work again', async () => {
    const q = new SerialQueue(2);
    const first = held();
    const running = q.run(first.task);
    const waiting = q.run(async () => 'second');
    expect(q.size).toBe(2);
    await expect(q.run(async () => 'third')).rejects.toMatchObject({ name: 'ChainError', code: 'busy' });
    // A forced follow-up is queued anyway, and runs in its turn.
    const forced = q.run(async () => 'forced', { force: true });
    expect(q.size).toBe(3);
    first.release();
    await running;
    expect(await waiting).toBe('second');
    expect(await forced).toBe('forced');
    expect(q.size).toBe(0);
    expect(await q.run(async () => 'again')).toBe('again');
  });
});

describe('the chain with a full queue', () => {
  let h: ChainHarness;
  afterEach(() => h.close());

  test('blocks and locked reads past MAX_QUEUED_TASKS are refused as busy; nothing is lost of the rest', async () => {
    h = await ChainHarness.create({ maxQueuedTasks: 3 });
    await h.extend('a', 'genesis', 2, false);
    h.block('a3', 'a2');
    const lock = held();
    const holding = h.chain.withLock(lock.task);
    await lock.started;
    const queued = [h.submit('a1'), h.submit('a2')];
    expect(h.chain.stats().queued).toBe(3);
    const refused = await h.submit('a3').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChainError);
    expect(refused).toMatchObject({ code: 'busy' });
    await expect(h.chain.withLock(async () => undefined)).rejects.toMatchObject({ code: 'busy' });
    lock.release();
    await holding;
    expect((await Promise.all(queued)).map((r) => r.status)).toEqual(['connected', 'connected']);
    // Refused, not half-taken: offered again once there is room, it connects.
    expect(h.entry('a3')).toBeUndefined();
    expect(await h.submit('a3')).toMatchObject({ status: 'connected' });
    h.expectTip('a3');
  });
});
