import { MAX_MONEY } from '../../src/consensus/amounts.js';
import type { RuleResult } from '../../src/consensus/errors.js';
import { networks } from '../../src/consensus/params/networks.js';
import { checkTransaction, SPEND_UNLOCK_BYTES } from '../../src/consensus/rules/tx.js';
import { COINBASE_PREV_INDEX, txSize, type Transaction } from '../../src/consensus/tx.js';
import { CURVE_ORDER } from '../../src/crypto/signature.js';
import { bytesToHex, hexToBytes } from '../../src/encoding/hex.js';
import { testKey } from '../helpers/keys.js';
import { cloneTx, coinbaseTx, payTo, signSpend, type OwnedCoin } from '../helpers/tx.js';

const MAX = networks.regtest.maxBlockBytes;
const alice = testKey('alice');
const bob = testKey('bob');

/** The reject code of a result, or 'ok'. */
const codeOf = (r: RuleResult): string => (r.ok ? 'ok' : r.code);
const check = (tx: Transaction, max = MAX): string => codeOf(checkTransaction(tx, max));

/** A coin alice owns at a made-up outpoint; checkTransaction never looks coins up. */
function aliceCoin(n: number, value = 10_000n): OwnedCoin {
  return {
    outpoint: { txid: new Uint8Array(32).fill(n + 1), index: n },
    coin: { value, pubKeyHash: alice.pkh, height: 1, coinbase: false },
    key: alice,
  };
}

/** The smallest valid spend: one signed input, one output. */
const spend = signSpend({
  inputs: [aliceCoin(0)],
  outputs: [payTo(bob, 9_000n)],
  genesisHash: networks.regtest.genesisHash,
});
const coinbase = coinbaseTx(1, [payTo(alice, 50n)]);

/** n - s as 32 big-endian bytes: the high-S twin of a low-S signature. */
function negateS(sig: Uint8Array): Uint8Array {
  const n = BigInt(`0x${bytesToHex(CURVE_ORDER)}`);
  const s = BigInt(`0x${bytesToHex(sig.subarray(32))}`);
  const out = sig.slice();
  out.set(hexToBytes((n - s).toString(16).padStart(64, '0')), 32);
  return out;
}

function withUnlock(tx: Transaction, unlock: Uint8Array, i = 0): Transaction {
  const t = cloneTx(tx);
  t.inputs[i]!.unlock = unlock;
  return t;
}

describe('checkTransaction: valid transactions pass', () => {
  test('a signed spend and a coinbase', () => {
    expect(check(spend)).toBe('ok');
    expect(check(coinbase)).toBe('ok');
    expect(spend.inputs[0]!.unlock).toHaveLength(SPEND_UNLOCK_BYTES);
  });

  test('boundaries that are still valid: MAX_MONEY output, size exactly maxBytes, coinbase unlock 12 and 100 bytes, zero-value output', () => {
    expect(check({ ...spend, outputs: [payTo(bob, MAX_MONEY)] })).toBe('ok');
    expect(check({ ...spend, outputs: [payTo(bob, MAX_MONEY - 1n), payTo(bob, 1n)] })).toBe('ok');
    expect(check({ ...spend, outputs: [payTo(bob, 0n)] })).toBe('ok');
    expect(check(spend, txSize(spend))).toBe('ok');
    expect(check(withUnlock(coinbase, new Uint8Array(12)))).toBe('ok');
    expect(check(withUnlock(coinbase, new Uint8Array(100)))).toBe('ok');
  });

  test('two inputs from the same txid at different indexes are not duplicates', () => {
    const a = aliceCoin(0);
    const b = { ...aliceCoin(1), outpoint: { txid: a.outpoint.txid, index: 1 } };
    const tx = signSpend({ inputs: [a, b], outputs: [payTo(bob, 1n)], genesisHash: networks.regtest.genesisHash });
    expect(check(tx)).toBe('ok');
  });
});

describe('checkTransaction: one smallest failing transaction per reject code', () => {
  test('bad-txns-vin-empty: no inputs', () => {
    expect(check({ version: 1, inputs: [], outputs: [payTo(bob, 1n)], lockTime: 0 })).toBe('bad-txns-vin-empty');
  });

  test('bad-txns-vout-empty: no outputs (spend and coinbase alike)', () => {
    expect(check({ ...spend, outputs: [] })).toBe('bad-txns-vout-empty');
    expect(check({ ...coinbase, outputs: [] })).toBe('bad-txns-vout-empty');
  });

  test('bad-txns-oversize: one byte over the size limit', () => {
    expect(check(spend, txSize(spend) - 1)).toBe('bad-txns-oversize');
  });

  test('bad-txns-vout-toolarge: one output of MAX_MONEY + 1 (and of 2^64 - 1)', () => {
    expect(check({ ...spend, outputs: [payTo(bob, MAX_MONEY + 1n)] })).toBe('bad-txns-vout-toolarge');
    expect(check({ ...spend, outputs: [payTo(bob, (1n << 64n) - 1n)] })).toBe('bad-txns-vout-toolarge');
    expect(check({ ...coinbase, outputs: [payTo(bob, MAX_MONEY + 1n)] })).toBe('bad-txns-vout-toolarge');
  });

  test('bad-txns-txouttotal-toolarge: two in-range outputs summing to MAX_MONEY + 1', () => {
    expect(check({ ...spend, outputs: [payTo(bob, MAX_MONEY), payTo(bob, 1n)] })).toBe('bad-txns-txouttotal-toolarge');
  });

  test('bad-txns-inputs-duplicate: the same outpoint twice', () => {
    const c = aliceCoin(0);
    const tx = signSpend({ inputs: [c, c], outputs: [payTo(bob, 1n)], genesisHash: networks.regtest.genesisHash });
    expect(check(tx)).toBe('bad-txns-inputs-duplicate');
  });

  test.each([2, 3, 16, 17, 40])(
    'bad-txns-inputs-duplicate among %i inputs, wherever the pair is; near misses pass',
    (n) => {
      const unlock = spend.inputs[0]!.unlock;
      const txidOf = (i: number) => Uint8Array.from({ length: 32 }, (_v, b) => (b === 31 ? i : 7));
      // Outpoints differing in the txid only, or in the index only, are distinct inputs.
      const distinct = Array.from({ length: n }, (_v, i) => ({ prevTxid: txidOf(i >> 1), prevIndex: i & 1, unlock }));
      expect(check({ ...spend, inputs: distinct })).toBe('ok');
      for (const [first, second] of [
        [0, n - 1],
        [n - 2, n - 1],
        [0, 1],
      ] as const) {
        const inputs = distinct.map((input) => ({ ...input }));
        inputs[second] = { ...inputs[first]!, prevTxid: inputs[first]!.prevTxid.slice() };
        expect(check({ ...spend, inputs })).toBe('bad-txns-inputs-duplicate');
      }
    },
  );

  test('bad-txns-prevout-null: the coinbase prevout as one of two inputs', () => {
    const tx = cloneTx(spend);
    tx.inputs.push({ prevTxid: new Uint8Array(32), prevIndex: COINBASE_PREV_INDEX, unlock: spend.inputs[0]!.unlock });
    expect(check(tx)).toBe('bad-txns-prevout-null');
  });

  test.each([0, 96, 98])('bad-txns-unlock-length: a %i-byte unlock', (n) => {
    const unlock = new Uint8Array(n);
    unlock.set(spend.inputs[0]!.unlock.subarray(0, Math.min(n, 97)));
    expect(check(withUnlock(spend, unlock))).toBe('bad-txns-unlock-length');
  });

  test('non-canonical-signature: the high-S twin of a valid signature', () => {
    const unlock = spend.inputs[0]!.unlock.slice();
    unlock.set(negateS(unlock.subarray(33)), 33);
    expect(check(withUnlock(spend, unlock))).toBe('non-canonical-signature');
  });

  test.each([0x00, 0x04, 0x06, 0x07, 0x05])('non-canonical-signature: key prefix 0x%s', (prefix) => {
    const unlock = spend.inputs[0]!.unlock.slice();
    unlock[0] = prefix;
    expect(check(withUnlock(spend, unlock))).toBe('non-canonical-signature');
  });

  test('non-canonical-signature: r = 0, r = n, s = 0', () => {
    const sig = (r: Uint8Array, s: Uint8Array): Uint8Array => {
      const unlock = spend.inputs[0]!.unlock.slice();
      unlock.set(r, 33);
      unlock.set(s, 65);
      return unlock;
    };
    const good = spend.inputs[0]!.unlock;
    expect(check(withUnlock(spend, sig(new Uint8Array(32), good.subarray(65))))).toBe('non-canonical-signature');
    expect(check(withUnlock(spend, sig(CURVE_ORDER, good.subarray(65))))).toBe('non-canonical-signature');
    expect(check(withUnlock(spend, sig(good.subarray(33, 65), new Uint8Array(32))))).toBe('non-canonical-signature');
  });

  test.each([0, 11, 101])('bad-cb-length: a %i-byte coinbase unlock', (n) => {
    expect(check(withUnlock(coinbase, new Uint8Array(n)))).toBe('bad-cb-length');
  });

  test('the first failing rule wins: no inputs and no outputs is vin-empty', () => {
    expect(check({ version: 1, inputs: [], outputs: [], lockTime: 0 })).toBe('bad-txns-vin-empty');
  });
});
