/**
 * Transaction and coinbase rules checked while connecting, through processBlock, each with the
 * smallest block that breaks it. Every failure is recorded by hash (the merkle root binds the
 * transactions, so the hash names exactly this content) and leaves tip and UTXO set alone.
 */
import { blockSubsidy } from '../../src/consensus/amounts.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { networks } from '../../src/consensus/params/networks.js';
import { txid } from '../../src/consensus/tx.js';
import { testKey } from '../helpers/keys.js';
import { mineBlock, regtest } from '../helpers/mine.js';
import { payTo, signSpend, type OwnedCoin } from '../helpers/tx.js';
import { ChainHarness } from './harness.js';

/** Consensus limits restated, so a change to them is noticed here. */
const COIN = 100_000_000n;
const COINBASE_MATURITY = 100;
const HALVING_INTERVAL = 150;
const SUBSIDY = 50n * COIN;

const alice = testKey('alice');
const bob = testKey('bob');

test('the limits these tests assume', () => {
  expect(regtest.coinbaseMaturity).toBe(COINBASE_MATURITY);
  expect(regtest.halvingInterval).toBe(HALVING_INTERVAL);
  expect(blockSubsidy(1, regtest.halvingInterval)).toBe(SUBSIDY);
});

let h: ChainHarness;

/** The coin `tx` pays to output `index`, confirmed in block `at`, spendable by `key`. */
function outputOf(tx: ReturnType<ChainHarness['spend']>, index: number, at: string, key = alice): OwnedCoin {
  return {
    outpoint: { txid: txid(tx), index },
    coin: { ...tx.outputs[index]!, height: h.get(at).height, coinbase: false },
    key,
  };
}

describe('coinbase rules', () => {
  beforeEach(async () => {
    h = await ChainHarness.create();
    await h.extend('a', 'genesis', 2);
  });
  afterEach(() => h.close());

  test('bad-cb-height: the coinbase commits to another height', async () => {
    const p = h.get('a2');
    h.named(
      'x',
      mineBlock({ prevHash: p.hash, height: p.height + 2, time: p.time + 60, extraNonce: 99n }),
      p.height + 1,
    );
    await h.rejectAndRecord('x', RejectCode.CoinbaseHeight);
  });

  test('bad-cb-amount: one base unit more than the subsidy', async () => {
    h.block('x', 'a2', { coinbaseValue: SUBSIDY + 1n });
    await h.rejectAndRecord('x', RejectCode.CoinbaseAmount);
    h.block('y', 'a2', { coinbaseValue: SUBSIDY });
    await h.accept('y');
  });

  test('bad-cb-amount: the subsidy halves after HALVING_INTERVAL blocks', async () => {
    await h.extend('b', 'a2', HALVING_INTERVAL - 3);
    expect(h.chain.height).toBe(HALVING_INTERVAL - 1);
    h.block('x', `b${HALVING_INTERVAL - 3}`, { coinbaseValue: SUBSIDY / 2n + 1n });
    await h.rejectAndRecord('x', RejectCode.CoinbaseAmount);
    h.block('y', `b${HALVING_INTERVAL - 3}`, { coinbaseValue: SUBSIDY / 2n });
    await h.accept('y');
  });
});

describe('spending rules', () => {
  beforeEach(async () => {
    h = await ChainHarness.create();
    // c1's coinbase matures for the block after c101.
    await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
  });
  afterEach(() => h.close());
  const c = (n: number) => h.get(`c${n}`).coinbase[0]!;

  test('bad-cb-amount: the coinbase may claim the fees, not more', async () => {
    const pay = h.spend([c(1)], [payTo(alice, SUBSIDY - COIN)]);
    h.block('x', 'c101', { txs: [pay], coinbaseValue: SUBSIDY + COIN + 1n });
    await h.rejectAndRecord('x', RejectCode.CoinbaseAmount);
    h.block('y', 'c101', { txs: [pay], fees: COIN });
    await h.accept('y');
  });

  test('bad-txns-inputs-missingorspent: an outpoint that never existed', async () => {
    const ghost: OwnedCoin = {
      outpoint: { txid: new Uint8Array(32).fill(7), index: 0 },
      coin: { value: SUBSIDY, pubKeyHash: alice.pkh, height: 1, coinbase: false },
      key: alice,
    };
    h.block('x', 'c101', { txs: [h.spend([ghost], [payTo(bob, SUBSIDY)])] });
    await h.rejectAndRecord('x', RejectCode.InputsMissingOrSpent);
  });

  test('bad-txns-inputs-missingorspent: spent earlier in the same block', async () => {
    const first = h.spend([c(1)], [payTo(alice, SUBSIDY)]);
    const second = h.spend([c(1)], [payTo(bob, SUBSIDY)]);
    h.block('x', 'c101', { txs: [first, second] });
    await h.rejectAndRecord('x', RejectCode.InputsMissingOrSpent);
  });

  test('bad-txns-inputs-missingorspent: an output created later in the same block', async () => {
    const first = h.spend([c(1)], [payTo(alice, SUBSIDY)]);
    h.block('probe', 'c101', { txs: [first] });
    const second = h.spend([outputOf(first, 0, 'probe')], [payTo(bob, SUBSIDY)]);
    h.block('x', 'c101', { txs: [second, first] });
    await h.rejectAndRecord('x', RejectCode.InputsMissingOrSpent);
    // In the other order it is a valid chain of spends within one block.
    h.block('y', 'c101', { txs: [first, second] });
    await h.accept('y');
  });

  test('bad-txns-inputs-missingorspent: against the UTXO set after the coin was spent', async () => {
    h.block('x1', 'c101', { txs: [h.spend([c(1)], [payTo(alice, SUBSIDY)])] });
    await h.accept('x1');
    h.block('x2', 'x1', { txs: [h.spend([c(1)], [payTo(bob, SUBSIDY)])] });
    await h.rejectAndRecord('x2', RejectCode.InputsMissingOrSpent);
  });

  test('bad-txns-in-belowout: one base unit more out than in', async () => {
    h.block('x', 'c101', { txs: [h.spend([c(1)], [payTo(alice, SUBSIDY + 1n)])] });
    await h.rejectAndRecord('x', RejectCode.InBelowOut);
  });

  test("bad-signature: a canonical signature over another network's digest", async () => {
    const tx = signSpend({
      inputs: [c(1)],
      outputs: [payTo(alice, SUBSIDY)],
      genesisHash: networks.testnet.genesisHash,
    });
    h.block('x', 'c101', { txs: [tx] });
    await h.rejectAndRecord('x', RejectCode.BadSignature);
    // The failed signature was not cached as good: a correct spend of the coin still works.
    h.block('y', 'c101', { txs: [h.spend([c(1)], [payTo(alice, SUBSIDY)])] });
    await h.accept('y');
  });

  test('bad-signature: the second input of a two-input transaction', async () => {
    const good = h.spend([c(1), c(2)], [payTo(alice, 2n * SUBSIDY)]);
    const other = signSpend({
      inputs: [c(1), c(2)],
      outputs: [payTo(alice, 2n * SUBSIDY)],
      genesisHash: networks.main.genesisHash,
    });
    const tx = { ...good, inputs: [good.inputs[0]!, other.inputs[1]!] };
    h.block('x', 'c101', { txs: [tx] });
    await h.rejectAndRecord('x', RejectCode.BadSignature);
  });

  test('bad-txns-pubkey-mismatch: a valid signature by a key the output does not name', async () => {
    const stolen: OwnedCoin = { ...c(1), key: bob };
    h.block('x', 'c101', { txs: [h.spend([stolen], [payTo(bob, SUBSIDY)])] });
    await h.rejectAndRecord('x', RejectCode.PubKeyMismatch);
  });
});

describe('coinbase maturity', () => {
  afterEach(() => h.close());
  test(`bad-txns-premature-spend-of-coinbase: ${COINBASE_MATURITY - 1} blocks deep fails, ${COINBASE_MATURITY} is ok`, async () => {
    h = await ChainHarness.create();
    await h.extend('a', 'genesis', COINBASE_MATURITY - 1);
    const coin = h.get('a1').coinbase[0]!;
    const pay = h.spend([coin], [payTo(alice, SUBSIDY)]);
    // At height 100 the coinbase of height 1 is 99 blocks deep.
    h.block('early', `a${COINBASE_MATURITY - 1}`, { txs: [pay] });
    expect(h.get('early').height - coin.coin.height).toBe(COINBASE_MATURITY - 1);
    await h.rejectAndRecord('early', RejectCode.PrematureCoinbaseSpend);
    h.block(`a${COINBASE_MATURITY}`, `a${COINBASE_MATURITY - 1}`);
    await h.accept(`a${COINBASE_MATURITY}`);
    h.block('ontime', `a${COINBASE_MATURITY}`, { txs: [pay] });
    expect(h.get('ontime').height - coin.coin.height).toBe(COINBASE_MATURITY);
    await h.accept('ontime');
  });
});
