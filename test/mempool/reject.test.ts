import { RejectCode } from '../../src/consensus/errors.js';
import type { Transaction } from '../../src/consensus/tx.js';
import type { Mempool, MempoolOptions } from '../../src/mempool/index.js';
import { coinbaseTx, payTo, type OwnedCoin } from '../helpers/tx.js';
import {
  alice,
  bob,
  codeOf,
  feeFor,
  idOf,
  mustAccept,
  negateS,
  outs,
  pay,
  poolFixture,
  sizeOf,
  snapshot,
  spend,
  spendSize,
  type PoolFixture,
} from './fixture.js';

/**
 * Every reject code the mempool returns, each with the smallest transaction that triggers it.
 * Each test starts with one unrelated transaction in the pool, so "unchanged" means something.
 */
let f: PoolFixture;
let resident: Transaction;

async function setup(opts: Partial<MempoolOptions> = {}): Promise<void> {
  f = await poolFixture(opts);
  resident = pay(f.coins[15]!, 5_000n);
  await mustAccept(f.pool, resident);
}

afterEach(async () => {
  await f?.close();
});

/** Submit `tx`, expect `code`, and check that neither the pool nor its events moved. */
async function expectReject(pool: Mempool, tx: Transaction, code: RejectCode): Promise<void> {
  const before = snapshot(pool);
  const sigsBefore = pool.chain.stats().signatureCache;
  const events: string[] = [];
  const onAdd = () => events.push('added');
  const onRemove = () => events.push('removed');
  pool.on('added', onAdd);
  pool.on('removed', onRemove);
  try {
    const r = await pool.accept(tx);
    expect(codeOf(r)).toBe(code);
  } finally {
    pool.off('added', onAdd);
    pool.off('removed', onRemove);
  }
  expect(events).toEqual([]);
  expect(snapshot(pool)).toEqual(before);
  expect(pool.has(idOf(tx))).toBe(code === RejectCode.AlreadyInMempool);
  // A rejected transaction's signatures are never cached (the ones already there may stay).
  if (code !== RejectCode.AlreadyInMempool) expect(pool.chain.stats().signatureCache).toBe(sigsBefore);
}

describe('mempool reject codes', () => {
  test('the resident transaction and a plain spend are accepted (baseline for every case below)', async () => {
    await setup();
    expect(f.pool.size).toBe(1);
    expect(f.pool.totalBytes).toBe(spendSize(1, 1));
    const r = await f.pool.accept(pay(f.coins[0]!, 1_000n));
    expect(r).toMatchObject({ accepted: true, fee: 1_000n });
  });

  test('txn-mempool-conflict: a second spend of a coin an in-pool tx spends', async () => {
    await setup();
    await mustAccept(f.pool, pay(f.coins[0]!, 1_000n));
    // Different outputs, higher fee: still a conflict (no replacement).
    await expectReject(f.pool, pay(f.coins[0]!, 50_000n, bob), RejectCode.MempoolConflict);
  });

  test('txn-already-in-mempool: the same transaction twice', async () => {
    await setup();
    await expectReject(f.pool, resident, RejectCode.AlreadyInMempool);
  });

  test('txn-already-known: a transaction confirmed on the chain', async () => {
    await setup();
    await expectReject(f.pool, f.fund, RejectCode.AlreadyKnown);
  });

  test('bad-txns-inputs-missingorspent: unknown outpoint, coin spent on chain, missing output of an in-pool parent', async () => {
    await setup();
    const ghost: OwnedCoin = {
      outpoint: { txid: new Uint8Array(32).fill(7), index: 0 },
      coin: { value: 1_000_000n, pubKeyHash: alice.pkh, height: 1, coinbase: false },
      key: alice,
    };
    await expectReject(f.pool, pay(ghost, 1_000n), RejectCode.InputsMissingOrSpent);
    // a1's coinbase was spent by the 'fund' block.
    await expectReject(f.pool, pay(f.h.get('a1').coinbase[0]!, 1_000n), RejectCode.InputsMissingOrSpent);
    // output 1 of an in-pool transaction that has a single output
    const [out0] = outs(resident);
    const missing: OwnedCoin = { ...out0!, outpoint: { txid: out0!.outpoint.txid, index: 1 } };
    await expectReject(f.pool, pay(missing, 1_000n), RejectCode.InputsMissingOrSpent);
  });

  test('min-relay-fee-not-met: one base unit under the minimum rate; exactly the minimum is accepted', async () => {
    await setup({ minRelayFeeRate: 1_000 });
    expect(feeFor(1_000)).toBe(BigInt(spendSize(1, 1)));
    await expectReject(f.pool, pay(f.coins[0]!, 0n), RejectCode.MinRelayFeeNotMet);
    await expectReject(f.pool, pay(f.coins[0]!, feeFor(1_000) - 1n), RejectCode.MinRelayFeeNotMet);
    await mustAccept(f.pool, pay(f.coins[0]!, feeFor(1_000)));
  });

  test('mempool-full: a full pool and a fee rate that evicts nothing; a tx larger than the whole pool', async () => {
    await setup({ maxBytes: spendSize(1, 1) });
    const resRate = (5_000 * 1000) / spendSize(1, 1);
    await expectReject(f.pool, pay(f.coins[0]!, 4_000n), RejectCode.MempoolFull);
    expect((4_000 * 1000) / spendSize(1, 1)).toBeLessThan(resRate);
    // Equal rate does not evict either.
    await expectReject(f.pool, pay(f.coins[0]!, 5_000n), RejectCode.MempoolFull);
    // Two outputs (200 bytes) cannot fit in a 172-byte pool whatever it pays; nothing is evicted for it.
    await expectReject(f.pool, pay(f.coins[0]!, 900_000n, alice, 2), RejectCode.MempoolFull);
  });

  test('non-canonical-signature: the high-S twin of a valid signature', async () => {
    await setup();
    const tx = pay(f.coins[0]!, 1_000n);
    const unlock = tx.inputs[0]!.unlock.slice();
    unlock.set(negateS(unlock.subarray(33)), 33);
    tx.inputs[0]!.unlock = unlock;
    await expectReject(f.pool, tx, RejectCode.NonCanonicalSignature);
  });

  test('bad-signature: a canonical signature over different outputs', async () => {
    await setup();
    const signed = pay(f.coins[0]!, 1_000n);
    const tx: Transaction = { ...signed, outputs: [payTo(alice, signed.outputs[0]!.value - 1n)] };
    await expectReject(f.pool, tx, RejectCode.BadSignature);
    // The honest one still gets in afterwards (the failure cached nothing bad).
    await mustAccept(f.pool, signed);
  });

  test('bad-txns-pubkey-mismatch: signed by a key that does not own the coin', async () => {
    await setup();
    await expectReject(f.pool, pay({ ...f.coins[0]!, key: bob }, 1_000n), RejectCode.PubKeyMismatch);
  });

  test('coinbase: a coinbase outside a block', async () => {
    await setup();
    await expectReject(f.pool, coinbaseTx(f.h.chain.height + 1, [payTo(alice, 1n)]), RejectCode.TxCoinbase);
  });

  test('bad-txns-premature-spend-of-coinbase: one block short of maturity; at maturity it is accepted', async () => {
    await setup();
    // tip 'fund' is at 102, so a spend lands at 103: a coinbase of height h is mature iff 103 - h >= 100.
    expect(f.h.chain.height).toBe(102);
    await expectReject(f.pool, pay(f.h.get('a4').coinbase[0]!, 1_000n), RejectCode.PrematureCoinbaseSpend);
    await mustAccept(f.pool, pay(f.h.get('a3').coinbase[0]!, 1_000n));
  });

  test('bad-txns-in-belowout: outputs worth one base unit more than the input', async () => {
    await setup();
    const c = f.coins[0]!;
    await expectReject(f.pool, spend([c], [payTo(bob, c.coin.value + 1n)]), RejectCode.InBelowOut);
    // ...also when the input is an in-pool parent's output
    const [p] = outs(resident);
    await expectReject(f.pool, spend([p!], [payTo(bob, p!.coin.value + 1n)]), RejectCode.InBelowOut);
  });

  test('too-long-mempool-chain: maxAncestors counts the transaction itself', async () => {
    await setup({ maxAncestors: 3 });
    const t1 = pay(f.coins[0]!, 1_000n);
    const t2 = pay(outs(t1)[0]!, 1_000n);
    const t3 = pay(outs(t2)[0]!, 1_000n);
    for (const t of [t1, t2, t3]) await mustAccept(f.pool, t);
    await expectReject(f.pool, pay(outs(t3)[0]!, 1_000n), RejectCode.TooLongMempoolChain);
    // A sibling at the same depth as t3 is still fine.
    const fork = pay(f.coins[1]!, 1_000n, alice, 2);
    await mustAccept(f.pool, fork);
    await mustAccept(f.pool, pay(outs(fork)[0]!, 1_000n));
  });

  test('too-long-mempool-chain with the default limit of 25 (diamond ancestors counted once)', async () => {
    await setup();
    // a diamond: root -> (l, r) -> join; join has 3 ancestors, not 4
    const root = pay(f.coins[0]!, 1_000n, alice, 2);
    const [o0, o1] = outs(root);
    const l = pay(o0!, 1_000n);
    const r = pay(o1!, 1_000n);
    const join = spend([outs(l)[0]!, outs(r)[0]!], [payTo(alice, o0!.coin.value + o1!.coin.value - 5_000n)]);
    for (const t of [root, l, r, join]) await mustAccept(f.pool, t);
    // extend the chain below join until it has 24 ancestors (25 with itself): accepted
    let tip = join;
    for (let depth = 4; depth < 25; depth++) {
      tip = pay(outs(tip)[0]!, 1_000n);
      await mustAccept(f.pool, tip);
    }
    expect(f.pool.size).toBe(1 + 25);
    await expectReject(f.pool, pay(outs(tip)[0]!, 1_000n), RejectCode.TooLongMempoolChain);
  });

  test('context-free: bad-txns-vout-empty, bad-txns-inputs-duplicate', async () => {
    await setup();
    await expectReject(f.pool, spend([f.coins[0]!], []), RejectCode.VoutEmpty);
    await expectReject(f.pool, spend([f.coins[0]!, f.coins[0]!], [payTo(bob, 1_000n)]), RejectCode.InputsDuplicate);
  });

  test('a rejected transaction leaves no trace: its coin can be spent right after', async () => {
    await setup();
    const c = f.coins[0]!;
    await expectReject(f.pool, spend([c], [payTo(bob, c.coin.value + 1n)]), RejectCode.InBelowOut);
    await mustAccept(f.pool, pay(c, 1_000n));
    expect(sizeOf(resident)).toBe(spendSize(1, 1));
  });
});
