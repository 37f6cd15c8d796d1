/**
 * The gossip intake: one bounded queue per peer, served in turn, a few jobs in flight, started in
 * slices with the event loop let run between them.
 */
import { FairIntake, type IntakeLimits } from '../../src/net/intake.js';

const limits = (o: Partial<IntakeLimits> = {}): IntakeLimits => ({
  maxQueuedPerPeer: 100,
  maxQueuedBytesPerPeer: 1_000_000,
  maxQueuedBytes: 10_000_000,
  concurrency: 1,
  sliceMs: 1_000,
  ...o,
});

/** Resolves once every job pushed so far has run (or been dropped). */
function drained(intake: { queued: number }, ran: () => number, expected: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + 10_000;
    const poll = () => {
      if (ran() >= expected && intake.queued === 0) resolve();
      else if (Date.now() > end) reject(new Error(`ran ${ran()} of ${expected}`));
      else setTimeout(poll, 2);
    };
    poll();
  });
}

test('peers are served in turn: a peer with a thousand queued jobs delays another peer by one job, not a thousand', async () => {
  const order: string[] = [];
  const intake = new FairIntake<number>(
    async (peer) => {
      order.push(peer);
    },
    () => undefined,
    limits({ maxQueuedPerPeer: 2_000 }),
  );
  for (let i = 0; i < 1_000; i++) intake.push('flooder', i, 10);
  intake.push('honest', 0, 10);
  intake.push('honest', 1, 10);
  await drained(intake, () => order.length, 1_002);
  // The honest peer's two jobs are among the first four served.
  expect(order.slice(0, 4).filter((p) => p === 'honest')).toHaveLength(2);
  expect(order.filter((p) => p === 'flooder')).toHaveLength(1_000);
});

test("a peer's queue is bounded by count and by bytes; what does not fit is dropped and reported", async () => {
  const dropped: [string, number][] = [];
  const ran: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const intake = new FairIntake<number>(
    async (_peer, job) => {
      await gate;
      ran.push(job);
    },
    (peer, job) => dropped.push([peer, job]),
    limits({ maxQueuedPerPeer: 3, maxQueuedBytesPerPeer: 250 }),
  );
  // One job runs (and waits on the gate) once the intake's first slice starts it.
  expect(intake.push('p', 0, 100)).toBe(true);
  await new Promise((r) => setImmediate(r));
  expect(intake.push('p', 1, 100)).toBe(true);
  expect(intake.push('p', 2, 100)).toBe(true);
  expect(intake.push('p', 3, 100)).toBe(false); // 300 bytes queued would pass 250
  expect(intake.push('p', 4, 10)).toBe(true);
  expect(intake.push('p', 5, 10)).toBe(false); // three queued already
  expect(intake.push('q', 0, 100)).toBe(true); // another peer has its own queue
  expect(dropped).toEqual([
    ['p', 3],
    ['p', 5],
  ]);
  release();
  await drained(intake, () => ran.length, 5);
  expect(ran.sort()).toEqual([0, 0, 1, 2, 4]);
});

test('past the total byte bound, the peer with the most bytes queued loses its oldest job', () => {
  const dropped: [string, number][] = [];
  const intake = new FairIntake<number>(
    () => new Promise<void>(() => undefined),
    (peer, job) => dropped.push([peer, job]),
    limits({ maxQueuedBytes: 1_000, concurrency: 0 }),
  );
  intake.push('big', 0, 400);
  intake.push('big', 1, 400);
  intake.push('small', 0, 100);
  expect(dropped).toEqual([]);
  intake.push('small', 1, 150); // 1,050 bytes: 'big' holds the most
  expect(dropped).toEqual([['big', 0]]);
  expect(intake.queued).toBe(3);
  intake.close();
  expect(dropped.map(([p]) => p).sort()).toEqual(['big', 'big', 'small', 'small']);
  // Closed: anything pushed now is dropped at once.
  expect(intake.push('late', 0, 1)).toBe(false);
});

test('no more than `concurrency` jobs run at once', async () => {
  let running = 0;
  let most = 0;
  let done = 0;
  const intake = new FairIntake<number>(
    async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 1));
      running--;
      done++;
    },
    () => undefined,
    limits({ concurrency: 3 }),
  );
  for (let i = 0; i < 30; i++) intake.push(`p${i % 4}`, i, 1);
  await drained(intake, () => done, 30);
  expect(most).toBe(3);
});

test('between slices the event loop runs: a timer set during a long run of jobs fires before the run ends', async () => {
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  let ran = 0;
  let ranWhenTimerFired = -1;
  const intake = new FairIntake<number>(
    async () => {
      busy(2);
      ran++;
    },
    () => undefined,
    limits({ concurrency: 1, sliceMs: 5, maxQueuedPerPeer: 1_000 }),
  );
  for (let i = 0; i < 200; i++) intake.push('flooder', i, 1);
  setTimeout(() => (ranWhenTimerFired = ran), 0);
  await drained(intake, () => ran, 200);
  // 200 jobs of 2 ms: 400 ms of work, and the timer did not wait for all of it.
  expect(ranWhenTimerFired).toBeGreaterThanOrEqual(0);
  expect(ranWhenTimerFired).toBeLessThan(200);
});

test('a job that throws does not stop the intake', async () => {
  let ran = 0;
  const intake = new FairIntake<number>(
    async (_p, job) => {
      ran++;
      if (job % 2) throw new Error('validator bug');
    },
    () => undefined,
    limits({ concurrency: 2 }),
  );
  for (let i = 0; i < 10; i++) intake.push('p', i, 1);
  await drained(intake, () => ran, 10);
  expect(ran).toBe(10);
});
