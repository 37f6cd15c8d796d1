/**
 * Payments are decided in the order they arrived (src/mempool/intake.ts), however their
 * off-thread signature checks finish, and the ready head of the line takes the chain lock as one
 * task: a child sent right behind its parent (one JSON-RPC batch) is accepted, and a batch of
 * hundreds takes one place in the chain's bounded queue.
 */
import { ChainError } from '../../src/chain/errors.js';
import { RejectCode } from '../../src/consensus/errors.js';
import type { SignatureItem } from '../../src/consensus/rules/contextual.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { MAX_RUN, OrderedIntake, type IntakeSteps } from '../../src/mempool/intake.js';
import { Mempool } from '../../src/mempool/index.js';
import { alice, assertConsistent, codeOf, outs, pay, poolFixture, spend, type PoolFixture } from './fixture.js';
import { payTo } from '../helpers/tx.js';

/** A deferred promise: the test decides when each step finishes. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Steps that record what happens: prepare waits for the test, the lock runs tasks one at a time. */
function recording(opts: { refuseLock?: Error; failOn?: number } = {}) {
  const prepared = new Map<number, ReturnType<typeof deferred<SignatureItem[]>>>();
  const decided: number[] = [];
  const runs: number[] = [];
  let tail: Promise<unknown> = Promise.resolve();
  const steps: IntakeSteps<number, string> = {
    prepare: (n) => {
      const d = deferred<SignatureItem[]>();
      prepared.set(n, d);
      return d.promise;
    },
    withLock: (task) => {
      if (opts.refuseLock) return Promise.reject(opts.refuseLock);
      runs.push(0);
      const r = tail.then(task);
      tail = r.catch(() => undefined);
      return r;
    },
    acceptLocked: (n) => {
      runs[runs.length - 1]!++;
      decided.push(n);
      if (n === opts.failOn) return Promise.reject(new Error(`database read failed for ${n}`));
      return Promise.resolve(`ok ${n}`);
    },
  };
  return { steps, prepared, decided, runs };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('OrderedIntake', () => {
  it('decides in arrival order when the checks finish in reverse', async () => {
    const r = recording();
    const intake = new OrderedIntake(r.steps);
    const results = [1, 2, 3].map((n) => intake.submit(n));
    r.prepared.get(3)!.resolve([]);
    r.prepared.get(2)!.resolve([]);
    await settle();
    // The head of the line (1) is not ready: nobody goes first.
    expect(r.decided).toEqual([]);
    expect(intake.size).toBe(3);
    r.prepared.get(1)!.resolve([]);
    expect(await Promise.all(results)).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(r.decided).toEqual([1, 2, 3]);
    // All three were ready at once: one task of the lock.
    expect(r.runs).toEqual([3]);
    expect(intake.size).toBe(0);
  });

  it(`takes at most ${MAX_RUN} in one task of the lock`, async () => {
    const r = recording();
    const intake = new OrderedIntake(r.steps);
    const n = MAX_RUN * 2 + 5;
    const results = Array.from({ length: n }, (_, i) => intake.submit(i));
    // The head last, so the whole line is ready when it is.
    for (const d of [...r.prepared.values()].reverse()) d.resolve([]);
    await Promise.all(results);
    expect(r.decided).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(r.runs).toEqual([MAX_RUN, MAX_RUN, 5]);
  });

  it("keeps one payment's failure its own", async () => {
    const r = recording({ failOn: 2 });
    const intake = new OrderedIntake(r.steps);
    const results = [1, 2, 3].map((n) => intake.submit(n).catch((err: Error) => err.message));
    for (const d of r.prepared.values()) d.resolve([]);
    expect(await Promise.all(results)).toEqual(['ok 1', 'database read failed for 2', 'ok 3']);
  });

  it('tells every payment of a run why the lock refused it, and takes later ones', async () => {
    const busy = new ChainError('busy', 'the chain has 1024 tasks waiting');
    const r = recording({ refuseLock: busy });
    const intake = new OrderedIntake(r.steps);
    const results = [1, 2].map((n) => intake.submit(n).catch((err: unknown) => err));
    for (const d of r.prepared.values()) d.resolve([]);
    expect(await Promise.all(results)).toEqual([busy, busy]);
    expect(r.decided).toEqual([]);
    expect(intake.size).toBe(0);
  });

  it('goes on without a check that does not answer, and keeps the line moving', async () => {
    const r = recording();
    const intake = new OrderedIntake({ ...r.steps, prepareWaitMs: 50 });
    const results = [1, 2].map((n) => intake.submit(n));
    // 2's check answers; 1's never does (a stuck worker): past the wait, 1 goes on unchecked.
    r.prepared.get(2)!.resolve([]);
    expect(await Promise.all(results)).toEqual(['ok 1', 'ok 2']);
    expect(r.decided).toEqual([1, 2]);
    // A late answer changes nothing.
    r.prepared.get(1)!.resolve([]);
    await settle();
    expect(r.decided).toEqual([1, 2]);
  });

  it('treats a failed check as no head start', async () => {
    const r = recording();
    const intake = new OrderedIntake({ ...r.steps, prepare: () => Promise.reject(new Error('worker died')) });
    expect(await intake.submit(7)).toBe('ok 7');
    const throwing = new OrderedIntake({
      ...r.steps,
      prepare: () => {
        throw new Error('a coin read failed');
      },
    });
    expect(await throwing.submit(8)).toBe('ok 8');
  });
});

describe('a mempool taking payments in arrival order', () => {
  let f: PoolFixture;
  let workers: VerifyPool;

  beforeEach(async () => {
    f = await poolFixture();
    workers = new VerifyPool({ size: 1 });
    f.pool = new Mempool(f.h.chain, f.h.clock.read, { preverify: (items) => workers.verifyOffThread(items) });
  });

  afterEach(async () => {
    await workers.close();
    await f.close();
  });

  it('accepts a parent and its child sent together, parent first', async () => {
    // The parent's check goes to a worker; the child's cannot start (its coin is not known yet)
    // and is ready at once. Taken by readiness, the child would come first and be refused.
    const parent = pay(f.coins[0]!, 1_000n);
    const child = spend(outs(parent), [payTo(alice, parent.outputs[0]!.value - 1_000n)]);
    const other = pay(f.coins[1]!, 1_000n);
    const [rp, rc, ro] = await Promise.all([f.pool.accept(parent), f.pool.accept(child), f.pool.accept(other)]);
    expect([codeOf(rp), codeOf(rc), codeOf(ro)]).toEqual(['accepted', 'accepted', 'accepted']);
    expect(f.pool.size).toBe(3);
    assertConsistent(f.pool);
  });

  it('still refuses a child sent before its parent', async () => {
    const parent = pay(f.coins[0]!, 1_000n);
    const child = spend(outs(parent), [payTo(alice, parent.outputs[0]!.value - 1_000n)]);
    const [rc, rp] = await Promise.all([f.pool.accept(child), f.pool.accept(parent)]);
    expect([codeOf(rc), codeOf(rp)]).toEqual([RejectCode.InputsMissingOrSpent, 'accepted']);
  });
});
