/**
 * The pipelined extension behind processBlocks, with a verifier that holds its answers back so the
 * tests decide when a block's signatures are done. Block N+1's rules are checked and its
 * signatures sent before N's verdict is known, but nothing is decided on N+1 before N is: a rule
 * failure in N+1 waits for N's signatures, and when those fail, N carries the blame and N+1 is
 * only its descendant — even when N+1's own failure came from N's uncommitted state.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BlockStatus, Chain } from '../../src/chain/index.js';
import { regtest } from '../helpers/mine.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { mineBlock } from '../helpers/mine.js';
import { payTo, type OwnedCoin } from '../helpers/tx.js';
import { ChainHarness, tempDir } from './harness.js';
import {
  COIN,
  COINBASE_MATURITY,
  HeldVerifier,
  alice,
  bob,
  coinbaseNames,
  corruptSignature,
  derivedState,
  paymentRun,
  pause,
  waitFor,
} from './payments.js';

let h: ChainHarness;
let v: HeldVerifier;
const extra: ChainHarness[] = [];
beforeEach(async () => {
  v = new HeldVerifier();
  h = await ChainHarness.create({ verifier: v });
  await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
  h.clearEvents();
});
afterEach(async () => {
  v.releaseAll();
  await h.close();
  await v.close();
  for (const x of extra.splice(0)) await x.close();
});

const items = (names: string[]) => names.map((n) => ({ block: h.get(n).block, opts: { source: 'sync' } }));
const c = (n: number): OwnedCoin => h.get(`c${n}`).coinbase[0]!;

function expectInvalid(name: string, code: RejectCode): void {
  expect(h.entry(name)).toMatchObject({ status: BlockStatus.Invalid, invalidCode: code });
}

/** The UTXO set and derived records equal those of a chain that only received `names` after c1..c101. */
async function expectStateOf(names: string[]): Promise<void> {
  const only = await ChainHarness.replay(h, [...coinbaseNames(), ...names]);
  extra.push(only);
  expect(await h.utxoHash()).toBe(await only.utxoHash());
  expect(await derivedState(h.chain)).toEqual(await derivedState(only.chain));
}

async function reopenWithDepth(depth: number): Promise<void> {
  const fresh = await ChainHarness.create({ verifier: v, pipelineDepth: depth });
  await fresh.extend('c', 'genesis', COINBASE_MATURITY + 1);
  fresh.clearEvents();
  extra.push(h);
  h = fresh;
}

test.each([1, 3])(
  "depth %i: the signatures of blocks N+1..N+depth are sent before N's verdict, and the next block's only once N is decided",
  async (depth) => {
    await reopenWithDepth(depth);
    const run = paymentRun(h, 'p', 'c101', depth + 2);
    v.holding = true;
    const done = h.chain.processBlocks(items(run));

    // p1..p(depth+1) are out; the next waits until p1 is decided.
    expect(await waitFor(() => v.held.length === depth + 1)).toBe(true);
    await pause();
    expect(v.held.length).toBe(depth + 1);
    h.expectTip('c101');
    expect(h.events).toEqual([]);

    v.releaseOne();
    // p1 is decided and commits; one more block's batch goes out while the others' answers are still held.
    expect(await waitFor(() => h.chain.height === h.get('p1').height && v.held.length === depth + 1)).toBe(true);
    h.expectTip('p1');
    expect(h.events).toEqual([
      { type: 'connect', name: 'p1' },
      { type: 'tip', name: 'p1' },
    ]);

    v.releaseAll();
    expect((await done).map((r) => r.status)).toEqual(run.map(() => 'connected'));
    h.expectTip(run.at(-1)!);
    expect(v.calls).toBe(depth + 2);
    await expectStateOf(run);
  },
);

test('with a deep pipeline, a bad signature in the third block in flight ends the run there', async () => {
  await reopenWithDepth(3);
  const run = paymentRun(h, 'p', 'c101', 5, { corrupt: 3 });
  v.holding = true;
  const done = h.chain.processBlocks(items(run));
  expect(await waitFor(() => v.held.length === 4)).toBe(true);
  v.releaseAll();
  expect((await done).map((r) => (r.status === 'invalid' ? r.code : r.status))).toEqual([
    'connected',
    'connected',
    RejectCode.BadSignature,
    RejectCode.PrevBlockInvalid,
    RejectCode.PrevBlockInvalid,
  ]);
  h.expectTip('p2');
  expectInvalid('p3', RejectCode.BadSignature);
  await expectStateOf(['p1', 'p2']);
});

/** Block 2 of a run, each breaking a rule other than signatures, built on `p1`. */
const secondBlockFailures: [string, RejectCode, () => void][] = [
  [
    "double-spends the coin block 1 spent (seen only in block 1's uncommitted view)",
    RejectCode.InputsMissingOrSpent,
    () => void h.block('p2', 'p1', { txs: [h.spend([c(1)], [payTo(bob, 50n * COIN)])] }),
  ],
  [
    'spends a coin that never existed',
    RejectCode.InputsMissingOrSpent,
    () => {
      const ghost: OwnedCoin = {
        outpoint: { txid: new Uint8Array(32).fill(9), index: 0 },
        coin: { value: COIN, pubKeyHash: bob.pkh, height: 1, coinbase: false },
        key: bob,
      };
      h.block('p2', 'p1', { txs: [h.spend([ghost], [payTo(bob, COIN)])] });
    },
  ],
  [
    'claims one base unit too much in its coinbase',
    RejectCode.CoinbaseAmount,
    () => void h.block('p2', 'p1', { coinbaseValue: 50n * COIN + 1n }),
  ],
  [
    'commits its coinbase to the wrong height',
    RejectCode.CoinbaseHeight,
    () => {
      const p = h.get('p1');
      h.named(
        'p2',
        mineBlock({ prevHash: p.hash, height: p.height + 5, time: p.time + 60, extraNonce: 77n }),
        p.height + 1,
      );
    },
  ],
];

describe.each(secondBlockFailures)("block 2 %s while block 1's signatures are in flight", (_what, code, build) => {
  test('block 1 connects once its signatures pass, block 2 is invalid with its own code', async () => {
    paymentRun(h, 'p', 'c101', 1);
    build();
    h.block('p3', 'p2');
    v.holding = true;
    const done = h.chain.processBlocks(items(['p1', 'p2', 'p3']));
    expect(await waitFor(() => v.held.length === 1)).toBe(true);
    // p2's failure is known by now, but acted on only after p1's verdict.
    await pause();
    h.expectTip('c101');
    expect(h.events).toEqual([]);

    v.releaseAll();
    const results = await done;
    expect(results[0]).toEqual({
      status: 'connected',
      hash: h.get('p1').hash,
      height: h.get('p1').height,
    });
    expect(results[1]).toMatchObject({ status: 'invalid', hash: h.get('p2').hash, code });
    expect(results[2]).toMatchObject({
      status: 'invalid',
      hash: h.get('p3').hash,
      code: RejectCode.PrevBlockInvalid,
    });
    h.expectTip('p1');
    expectInvalid('p2', code);
    expect(h.events).toEqual([
      { type: 'connect', name: 'p1' },
      { type: 'tip', name: 'p1' },
      { type: 'block-invalid', name: 'p2', code },
    ]);
    await expectStateOf(['p1']);
  });

  test("when block 1's signature is bad too, block 1 is bad-signature and block 2 only its descendant", async () => {
    // p1 as paymentRun builds it, but with the payment's signature damaged.
    const pay = corruptSignature(h.spend([c(1)], [payTo(alice, 30n * COIN), payTo(bob, 19n * COIN)]));
    h.block('p1', 'c101', { txs: [pay], fees: COIN });
    build();
    v.holding = true;
    const done = h.chain.processBlocks(items(['p1', 'p2']));
    expect(await waitFor(() => v.held.length === 1)).toBe(true);
    v.releaseAll();
    const results = await done;
    expect(results[0]).toMatchObject({ status: 'invalid', hash: h.get('p1').hash, code: RejectCode.BadSignature });
    expect(results[1]).toMatchObject({
      status: 'invalid',
      hash: h.get('p2').hash,
      code: RejectCode.PrevBlockInvalid,
    });
    h.expectTip('c101');
    expectInvalid('p1', RejectCode.BadSignature);
    expectInvalid('p2', RejectCode.PrevBlockInvalid);
    expect(h.events).toEqual([{ type: 'block-invalid', name: 'p1', code: RejectCode.BadSignature }]);
    await expectStateOf([]);

    // Nothing of the failed pair stuck (coin cache, signature cache): an honest spend of c1 connects.
    expect(h.chain.getCoin(c(1).outpoint.txid, 0)).toBeDefined();
    h.block('q1', 'c101', { txs: [h.spend([c(1)], [payTo(bob, 50n * COIN)])] });
    await h.accept('q1');
  });
});

test('two bad signatures in a row: the first is bad-signature, the second its descendant', async () => {
  const run = paymentRun(h, 'p', 'c101', 1, { corrupt: 1 });
  h.block('p2', run[0]!, { txs: [corruptSignature(h.spend([c(2)], [payTo(bob, 50n * COIN)]))] });
  const results = await h.chain.processBlocks(items(['p1', 'p2']));
  expect(results.map((r) => (r.status === 'invalid' ? r.code : r.status))).toEqual([
    RejectCode.BadSignature,
    RejectCode.PrevBlockInvalid,
  ]);
  h.expectTip('c101');
});

test('a batch cut by a bad signature, then continued: the remaining blocks are refused from the index', async () => {
  const run = paymentRun(h, 'p', 'c101', 4, { corrupt: 3 });
  v.holding = true;
  const done = h.chain.processBlocks(items(run));
  // Released one at a time, in order: p1, p2 commit; p3's answer is the bad one.
  for (let i = 0; i < 3; i++) {
    expect(await waitFor(() => v.held.length > 0)).toBe(true);
    v.releaseOne();
  }
  v.releaseAll();
  expect((await done).map((r) => (r.status === 'invalid' ? r.code : r.status))).toEqual([
    'connected',
    'connected',
    RejectCode.BadSignature,
    RejectCode.PrevBlockInvalid,
  ]);
  h.expectTip('p2');
  await expectStateOf(['p1', 'p2']);
  const calls = v.calls;
  expect((await h.chain.processBlocks(items(run.slice(2)))).map((r) => r.status)).toEqual(['invalid', 'invalid']);
  expect(v.calls).toBe(calls);
});

test('a verifier error that is no verdict (a worker died) ends the run after the decided blocks are written, and nothing writes later', async () => {
  // The sixth batch of signatures fails as a crashed worker's would: an Error, not an answer.
  let calls = 0;
  const failing = new HeldVerifier();
  const verifier = {
    verifyBatch(batch: Parameters<HeldVerifier['verifyBatch']>[0]) {
      return ++calls === 6 ? Promise.reject(new Error('verify worker exited with code 1')) : failing.verifyBatch(batch);
    },
  };
  const x = await ChainHarness.create({ verifier, pipelineDepth: 3 });
  extra.push(x);
  await x.extend('c', 'genesis', COINBASE_MATURITY + 1);
  calls = -100; // the funding blocks' coinbases need no signatures; count from the run
  const run = paymentRun(x, 'p', 'c101', 8);
  calls = 0;
  const connects: string[] = [];
  x.chain.on('connect', (e) => connects.push(x.nameOf(e.entry.hash)));

  await expect(x.chain.processBlocks(run.map((n) => ({ block: x.get(n).block })))).rejects.toThrow(/worker exited/);
  // Everything decided before the failure is on disk by the time the call fails, and no more.
  x.expectTip('p5');
  expect(connects).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  await pause();
  await new Promise((r) => setTimeout(r, 50));
  expect(connects).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  x.expectTip('p5');

  // Not a verdict: p6..p8 stay stored and valid candidates, and connect once the verifier works again.
  for (const n of ['p6', 'p7', 'p8']) expect(x.entry(n)?.status).toBe(BlockStatus.DataStored);
  await x.chain.activate();
  x.expectTip('p8');
  expect(connects).toEqual(run);
  await failing.close();
});

test.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 65])(
  'a pipeline depth of %p is refused before the database is touched',
  async (depth) => {
    const { dir, cleanup } = tempDir('powchain-depth');
    try {
      const location = join(dir, 'chain');
      await expect(
        Chain.open({ params: regtest, location, verifier: v, clock: () => 0, pipelineDepth: depth }),
      ).rejects.toMatchObject({ name: 'ChainError', code: 'bad-option' });
      expect(existsSync(location)).toBe(false);
    } finally {
      cleanup();
    }
  },
);

test.each([
  ['coinCacheSize', -1],
  ['coinCacheSize', 2.5],
  ['coinCacheSize', Number.NaN],
  ['sigCacheSize', -5],
  ['sigCacheSize', Number.NaN],
  ['maxQueuedTasks', 0],
  ['maxQueuedTasks', 1.5],
  ['maxQueuedTasks', Number.NaN],
] as const)('a %s of %p is refused before the database is touched', async (name, size) => {
  const { dir, cleanup } = tempDir('powchain-cachesize');
  try {
    const location = join(dir, 'chain');
    await expect(
      Chain.open({ params: regtest, location, verifier: v, clock: () => 0, [name]: size }),
    ).rejects.toMatchObject({ name: 'ChainError', code: 'bad-option', message: expect.stringContaining(name) });
    expect(existsSync(location)).toBe(false);
  } finally {
    cleanup();
  }
});

test('cache sizes of 0 and Infinity are allowed', async () => {
  const { dir, cleanup } = tempDir('powchain-cachesize');
  try {
    for (const [i, size] of [0, Number.POSITIVE_INFINITY].entries()) {
      const chain = await Chain.open({
        params: regtest,
        location: join(dir, `chain${i}`),
        verifier: v,
        clock: () => 0,
        coinCacheSize: size,
        sigCacheSize: size,
      });
      expect(chain.height).toBe(0);
      await chain.close();
    }
  } finally {
    cleanup();
  }
});
