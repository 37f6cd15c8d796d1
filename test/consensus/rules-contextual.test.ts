import { blockSubsidy, COIN, MAX_MONEY } from '../../src/consensus/amounts.js';
import type { Block } from '../../src/consensus/block.js';
import type { Coin } from '../../src/consensus/coin.js';
import { TEMPORARY_REJECTS, type RuleResult } from '../../src/consensus/errors.js';
import { expectedBits } from '../../src/consensus/next-bits.js';
import {
  checkCoinbaseAmount,
  checkCoinbaseHeight,
  checkHeaderContext,
  checkTxInputs,
  medianTimePast,
  signatureItems,
} from '../../src/consensus/rules/contextual.js';
import type { InputsResult } from '../../src/consensus/rules/contextual.js';
import { networks } from '../../src/consensus/params/networks.js';
import { verifySignature } from '../../src/crypto/verify.js';
import { testKey } from '../helpers/keys.js';
import { mineBlock, regtest } from '../helpers/mine.js';
import { coinbaseTx, payTo, signSpend, spentCoins, type OwnedCoin } from '../helpers/tx.js';

const alice = testKey('alice');
const bob = testKey('bob');
const GENESIS = regtest.genesisHash;
const MATURITY = regtest.coinbaseMaturity;

const codeOf = (r: RuleResult | InputsResult): string => (r.ok ? 'ok' : r.code);

/** A coin of alice's: a plain output by default, or a coinbase output created at `height`. */
function aliceCoin(value: bigint, opts: { n?: number; height?: number; coinbase?: boolean } = {}): OwnedCoin {
  const n = opts.n ?? 0;
  return {
    outpoint: { txid: new Uint8Array(32).fill(0x50 + n), index: n },
    coin: { value, pubKeyHash: alice.pkh, height: opts.height ?? 1, coinbase: opts.coinbase ?? false },
    key: alice,
  };
}
const spendTo = (inputs: OwnedCoin[], out: bigint) =>
  signSpend({ inputs, outputs: [payTo(bob, out)], genesisHash: GENESIS });

describe('checkHeaderContext', () => {
  // Eleven parent times, deliberately out of order (block times need not increase).
  const T = regtest.genesis.header.time;
  const times = [0, 600, 1200, 900, 1800, 2400, 3000, 2700, 3600, 4200, 4800].map((d) => T + d);
  const mtp = medianTimePast(times);
  const now = T + 5000;
  const parent = { height: 10, time: times[10]!, bits: regtest.genesis.header.bits };
  const ctx = {
    expectedBits: expectedBits(regtest, parent, () => {
      throw new Error('fixed bits need no ancestor');
    }),
    medianTimePast: mtp,
    now,
    maxFutureBlockTime: regtest.maxFutureBlockTime,
  };
  // The header context ignores everything but time and bits (proof of work is checkBlock's).
  const header = (time: number, bits = ctx.expectedBits) => ({ ...regtest.genesis.header, time, bits });

  test('median time past is the 6th of the last 11 times, sorted', () => {
    expect(mtp).toBe(T + 2400);
    // More than 11 times: only the last 11 count.
    expect(medianTimePast([T + 999_999, ...times])).toBe(mtp);
    // Fewer (early in a chain): the upper middle, as Core's pbegin[(pend - pbegin) / 2].
    expect(medianTimePast([T, T + 10])).toBe(T + 10);
    expect(medianTimePast([T + 5])).toBe(T + 5);
    expect(medianTimePast([])).toBe(0);
    // The caller's array is not reordered.
    expect(times[3]).toBe(T + 900);
  });

  test('regtest bits never change', () => {
    expect(ctx.expectedBits).toBe(0x207fffff);
    const noAncestor = () => {
      throw new Error('fixed bits need no ancestor');
    };
    expect(expectedBits(regtest, { height: 5000, time: T + 1, bits: 0x1d00ffff }, noAncestor)).toBe(0x207fffff);
  });

  test('valid: time MTP + 1 and time now + 2 h are both accepted', () => {
    expect(codeOf(checkHeaderContext(header(mtp + 1), ctx))).toBe('ok');
    expect(codeOf(checkHeaderContext(header(now + 2 * 3600), ctx))).toBe('ok');
  });

  test('bad-diffbits: bits one below the expected value', () => {
    expect(codeOf(checkHeaderContext(header(mtp + 1, ctx.expectedBits - 1), ctx))).toBe('bad-diffbits');
  });

  test('time-too-old: time equal to the median time past', () => {
    expect(codeOf(checkHeaderContext(header(mtp), ctx))).toBe('time-too-old');
  });

  test('time-too-new: one second beyond now + 2 h, and only that code is temporary', () => {
    const r = checkHeaderContext(header(now + 2 * 3600 + 1), ctx);
    expect(codeOf(r)).toBe('time-too-new');
    expect(!r.ok && TEMPORARY_REJECTS.has(r.code)).toBe(true);
    expect([...TEMPORARY_REJECTS]).toEqual(['time-too-new']);
  });
});

describe('checkCoinbaseHeight', () => {
  const at = (committed: number): Block =>
    mineBlock({ prevHash: GENESIS, height: committed, time: regtest.genesis.header.time + 1 });

  test('valid: the coinbase commits to the block height (u32 LE at the start of its unlock)', () => {
    const b = at(0x01020304);
    expect(Array.from(b.txs[0]!.inputs[0]!.unlock.subarray(0, 4))).toEqual([4, 3, 2, 1]);
    expect(codeOf(checkCoinbaseHeight(b, 0x01020304))).toBe('ok');
  });

  test.each([4, 6])('bad-cb-height: a block at height 5 whose coinbase says %i', (h) => {
    expect(codeOf(checkCoinbaseHeight(at(h), 5))).toBe('bad-cb-height');
  });
});

describe('checkCoinbaseAmount', () => {
  const subsidy = blockSubsidy(1, regtest.halvingInterval);
  const cb = (value: bigint) => coinbaseTx(1, [payTo(alice, value - 1n), payTo(bob, 1n)]);

  test('valid: exactly subsidy + fees, or less', () => {
    expect(codeOf(checkCoinbaseAmount(cb(subsidy + 7n), subsidy, 7n))).toBe('ok');
    expect(codeOf(checkCoinbaseAmount(cb(1n), subsidy, 0n))).toBe('ok');
  });

  test('bad-cb-amount: one base unit more than subsidy + fees (summed over outputs)', () => {
    expect(codeOf(checkCoinbaseAmount(cb(subsidy + 8n), subsidy, 7n))).toBe('bad-cb-amount');
  });

  test('after a halving the old subsidy is too much', () => {
    const h = regtest.halvingInterval;
    expect(blockSubsidy(h, h)).toBe(25n * COIN);
    expect(codeOf(checkCoinbaseAmount(cb(50n * COIN), blockSubsidy(h, h), 0n))).toBe('bad-cb-amount');
    expect(codeOf(checkCoinbaseAmount(cb(50n * COIN), blockSubsidy(h - 1, h), 0n))).toBe('ok');
  });
});

describe('checkTxInputs', () => {
  const coin = aliceCoin(1_000n);
  const tx = spendTo([coin], 900n);

  test('valid: returns the fee (inputs minus outputs)', () => {
    expect(checkTxInputs(tx, spentCoins([coin]), 10, MATURITY)).toEqual({ ok: true, fee: 100n });
    expect(checkTxInputs(spendTo([coin], 1_000n), spentCoins([coin]), 10, MATURITY)).toEqual({ ok: true, fee: 0n });
  });

  test('bad-txns-inputs-missingorspent: the coin is not there', () => {
    expect(codeOf(checkTxInputs(tx, [undefined], 10, MATURITY))).toBe('bad-txns-inputs-missingorspent');
    // Missing second input of two, the first present.
    const two = spendTo([coin, aliceCoin(5n, { n: 1 })], 1n);
    expect(codeOf(checkTxInputs(two, [coin.coin, undefined], 10, MATURITY))).toBe('bad-txns-inputs-missingorspent');
  });

  test('bad-txns-premature-spend-of-coinbase: one block short of maturity; at maturity it is fine', () => {
    const cbCoin = aliceCoin(1_000n, { height: 7, coinbase: true });
    const spend = spendTo([cbCoin], 900n);
    expect(codeOf(checkTxInputs(spend, spentCoins([cbCoin]), 7 + MATURITY - 1, MATURITY))).toBe(
      'bad-txns-premature-spend-of-coinbase',
    );
    expect(codeOf(checkTxInputs(spend, spentCoins([cbCoin]), 7 + MATURITY, MATURITY))).toBe('ok');
    // A non-coinbase output is spendable in the very next block.
    const plain = aliceCoin(1_000n, { height: 7 });
    expect(codeOf(checkTxInputs(spendTo([plain], 900n), spentCoins([plain]), 8, MATURITY))).toBe('ok');
  });

  test('bad-txns-inputvalues-outofrange: a coin worth MAX_MONEY + 1', () => {
    const big = aliceCoin(MAX_MONEY + 1n);
    expect(codeOf(checkTxInputs(spendTo([big], 1n), spentCoins([big]), 10, MATURITY))).toBe(
      'bad-txns-inputvalues-outofrange',
    );
  });

  test('bad-txns-inputvalues-outofrange: two in-range coins summing over MAX_MONEY', () => {
    const coins = [aliceCoin(MAX_MONEY), aliceCoin(1n, { n: 1 })];
    expect(codeOf(checkTxInputs(spendTo(coins, 1n), spentCoins(coins), 10, MATURITY))).toBe(
      'bad-txns-inputvalues-outofrange',
    );
  });

  test('bad-txns-in-belowout: outputs one base unit above inputs', () => {
    expect(codeOf(checkTxInputs(spendTo([coin], 1_001n), spentCoins([coin]), 10, MATURITY))).toBe(
      'bad-txns-in-belowout',
    );
  });

  test('bad-txns-pubkey-mismatch: the coin pays bob, alice signs', () => {
    const bobs: Coin = { ...coin.coin, pubKeyHash: bob.pkh };
    expect(codeOf(checkTxInputs(tx, [bobs], 10, MATURITY))).toBe('bad-txns-pubkey-mismatch');
  });
});

describe('signatureItems', () => {
  const coins = [aliceCoin(1_000n), aliceCoin(2_000n, { n: 1 })];
  const tx = spendTo(coins, 2_500n);
  const verifyAll = (items: ReturnType<typeof signatureItems>): boolean[] =>
    items.map((i) => verifySignature(i.sig, i.digest, i.pubkey));

  test('every input of a signed spend verifies', () => {
    const items = signatureItems(tx, spentCoins(coins), GENESIS);
    expect(items).toHaveLength(2);
    expect(verifyAll(items)).toEqual([true, true]);
    expect(items[0]!.pubkey).toEqual(alice.pub);
  });

  test('the same transaction fails against another network, other spent values or swapped signatures', () => {
    expect(verifyAll(signatureItems(tx, spentCoins(coins), networks.main.genesisHash))).toEqual([false, false]);
    const lied = [{ ...coins[0]!.coin, value: 1_001n }, coins[1]!.coin];
    expect(verifyAll(signatureItems(tx, lied, GENESIS))).toEqual([false, true]);
    const swapped = {
      ...tx,
      inputs: [
        { ...tx.inputs[0]!, unlock: tx.inputs[1]!.unlock },
        { ...tx.inputs[1]!, unlock: tx.inputs[0]!.unlock },
      ],
    };
    expect(verifyAll(signatureItems(swapped, spentCoins(coins), GENESIS))).toEqual([false, false]);
  });
});
