/**
 * Signature checks before the chain lock (src/mempool/preverify.ts): payments that arrive together
 * share one check off the main thread, acceptance under the lock uses what it found valid and
 * checks everything else itself, and nothing it checks reaches the signature cache unless the
 * payment is accepted: the verdicts are those of a pool without it.
 */
import { RejectCode } from '../../src/consensus/errors.js';
import type { SignatureItem } from '../../src/consensus/rules/contextual.js';
import type { Transaction } from '../../src/consensus/tx.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { Mempool } from '../../src/mempool/index.js';
import { Preverifier, type SignatureCheck } from '../../src/mempool/preverify.js';
import { payTo } from '../helpers/tx.js';
import { alice, codeOf, feeFor, mustAccept, pay, poolFixture, type PoolFixture } from './fixture.js';

/** A fake item: only its identity matters to the batching. */
const item = (n: number): SignatureItem => ({
  sig: new Uint8Array(64).fill(n),
  digest: new Uint8Array(32).fill(n),
  pubkey: new Uint8Array(33).fill(n),
});

describe('Preverifier', () => {
  it('checks what arrives in one turn of the event loop at once, and splits the answer back', async () => {
    const calls: number[] = [];
    // The batch's item 3 is invalid: items 0-2 are vouched for, none after.
    const check: SignatureCheck = (items) => (calls.push(items.length), Promise.resolve(3));
    const p = new Preverifier(check);
    const a = [item(1), item(2)];
    const b = [item(3), item(4), item(5)];
    const c = [item(6)];
    const [ra, rb, rc] = await Promise.all([p.verify(a), p.verify(b), p.verify(c)]);
    expect(calls).toEqual([6]);
    expect(ra).toEqual(a);
    expect(rb).toEqual([b[0]]);
    expect(rc).toEqual([]);
    // The next turn is a batch of its own; all valid.
    const ok = new Preverifier((items) => (calls.push(items.length), Promise.resolve(-1)));
    expect(await ok.verify(b)).toEqual(b);
    expect(calls).toEqual([6, 3]);
  });

  it('vouches for nothing when the check fails, and never asks about nothing', async () => {
    let asked = 0;
    const p = new Preverifier(() => (asked++, Promise.reject(new Error('a verify worker died'))));
    expect(await p.verify([item(1)])).toEqual([]);
    expect(await p.verify([])).toEqual([]);
    expect(asked).toBe(1);
  });
});

describe('a mempool that preverifies', () => {
  let f: PoolFixture;
  let workers: VerifyPool;
  let checked: number[];

  beforeEach(async () => {
    f = await poolFixture();
    workers = new VerifyPool({ size: 1 });
    checked = [];
    const preverify: SignatureCheck = (items) => (checked.push(items.length), workers.verifyOffThread(items));
    f.pool = new Mempool(f.h.chain, f.h.clock.read, { preverify });
  });

  afterEach(async () => {
    await workers.close();
    await f.close();
  });

  it('accepts with the head start: the check under the lock is not asked again', async () => {
    const before = f.h.verifier.calls;
    await mustAccept(f.pool, pay(f.coins[0]!, 1_000n));
    expect(checked).toEqual([1]);
    expect(f.h.verifier.calls).toBe(before);
    expect(f.pool.chain.stats().signatureCache).toBe(1);
  });

  it('batches payments that arrive together into one check', async () => {
    const txs = f.coins.slice(0, 5).map((c) => pay(c, 1_000n));
    await Promise.all(txs.map((tx) => mustAccept(f.pool, tx)));
    expect(checked).toEqual([5]);
    expect(f.pool.size).toBe(5);
  });

  it('rejects a bad signature as before, and caches none of it', async () => {
    const signed = pay(f.coins[0]!, 1_000n);
    const forged: Transaction = { ...signed, outputs: [payTo(alice, signed.outputs[0]!.value - 1n)] };
    const before = f.h.verifier.calls;
    expect(codeOf(await f.pool.accept(forged))).toBe(RejectCode.BadSignature);
    // The preverifier vouched for nothing, so the lock's check ran and found it.
    expect(f.h.verifier.calls).toBe(before + 1);
    expect(f.pool.chain.stats().signatureCache).toBe(0);
    await mustAccept(f.pool, signed);
  });

  it('caches nothing for a payment refused for another reason, though its signature was valid', async () => {
    const cheap = pay(f.coins[0]!, feeFor(1_000) - 1n);
    expect(codeOf(await f.pool.accept(cheap))).toBe(RejectCode.MinRelayFeeNotMet);
    expect(checked).toEqual([1]);
    expect(f.pool.chain.stats().signatureCache).toBe(0);
  });

  it('leaves a payment it cannot read to acceptance', async () => {
    const honest = pay(f.coins[0]!, 1_000n);
    const child = pay(
      { outpoint: { txid: new Uint8Array(32).fill(9), index: 0 }, coin: f.coins[1]!.coin, key: alice },
      1_000n,
    );
    expect(codeOf(await f.pool.accept(child))).toBe(RejectCode.InputsMissingOrSpent);
    expect(checked).toEqual([]);
    await mustAccept(f.pool, honest);
  });

  it('accepts when the check fails, checking under the lock instead', async () => {
    const failing = new Mempool(f.h.chain, f.h.clock.read, {
      preverify: () => Promise.reject(new Error('a verify worker died')),
    });
    const before = f.h.verifier.calls;
    await mustAccept(failing, pay(f.coins[2]!, 1_000n));
    expect(f.h.verifier.calls).toBe(before + 1);
  });
});
