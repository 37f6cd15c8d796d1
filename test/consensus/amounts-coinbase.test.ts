import { blockSubsidy, COIN, INITIAL_SUBSIDY, MAX_MONEY, moneyRange } from '../../src/consensus/amounts.js';
import {
  COINBASE_MAX_EXTRA,
  coinbaseHeight,
  encodeCoinbaseUnlock,
  makeCoinbase,
} from '../../src/consensus/coinbase.js';
import { COINBASE_PREV_INDEX, isCoinbase, txid } from '../../src/consensus/tx.js';
import { networks } from '../../src/consensus/params/networks.js';
import { bytesToHex } from '../../src/encoding/hex.js';

describe('amounts', () => {
  test('COIN, MAX_MONEY and the initial subsidy as the spec states them', () => {
    expect(COIN).toBe(100_000_000n);
    expect(MAX_MONEY).toBe(2_100_000_000_000_000n);
    expect(INITIAL_SUBSIDY).toBe(5_000_000_000n);
  });

  test('moneyRange is [0, MAX_MONEY]', () => {
    expect([-1n, 0n, MAX_MONEY, MAX_MONEY + 1n].map(moneyRange)).toEqual([false, true, true, false]);
  });

  test.each([
    ['main', 210_000],
    ['testnet', 150_000],
    ['regtest', 150],
  ] as const)(
    '%s subsidy: 50 coins halving every %i blocks, down to zero once the subsidy is shifted out',
    (name, interval) => {
      expect(networks[name].halvingInterval).toBe(interval);
      expect(blockSubsidy(0, interval)).toBe(50n * COIN);
      expect(blockSubsidy(interval - 1, interval)).toBe(50n * COIN);
      expect(blockSubsidy(interval, interval)).toBe(25n * COIN);
      expect(blockSubsidy(2 * interval, interval)).toBe(1_250_000_000n);
      // 50 coins = 5e9 base units < 2^33: the 33rd halving is the first to reach zero.
      expect(blockSubsidy(32 * interval, interval)).toBe(1n);
      expect(blockSubsidy(33 * interval, interval)).toBe(0n);
      expect(blockSubsidy(64 * interval, interval)).toBe(0n);
      expect(blockSubsidy(1000 * interval, interval)).toBe(0n);
    },
  );

  test('the total ever issued stays below MAX_MONEY on every network', () => {
    for (const { halvingInterval } of Object.values(networks)) {
      let total = 0n;
      for (let era = 0; era < 64; era++)
        total += blockSubsidy(era * halvingInterval, halvingInterval) * BigInt(halvingInterval);
      expect(total <= MAX_MONEY).toBe(true);
    }
  });
});

describe('coinbase', () => {
  test('unlock = height u32 LE || extraNonce u64 LE || free bytes', () => {
    const unlock = encodeCoinbaseUnlock(0x0a0b0c0d, 0x0102030405060708n, Uint8Array.of(0xee));
    expect(bytesToHex(unlock)).toBe('0d0c0b0a' + '0807060504030201' + 'ee');
  });

  test('free bytes are limited to 88 (unlock at most 100)', () => {
    expect(COINBASE_MAX_EXTRA).toBe(88);
    expect(encodeCoinbaseUnlock(1, 0n, new Uint8Array(88))).toHaveLength(100);
    expect(() => encodeCoinbaseUnlock(1, 0n, new Uint8Array(89))).toThrow(RangeError);
  });

  test('makeCoinbase has the null prevout and reads back its height', () => {
    const cb = makeCoinbase({ height: 42, extraNonce: 9n, outputs: [] });
    expect(cb.inputs).toHaveLength(1);
    expect(cb.inputs[0]!.prevTxid).toEqual(new Uint8Array(32));
    expect(cb.inputs[0]!.prevIndex).toBe(COINBASE_PREV_INDEX);
    expect(isCoinbase(cb)).toBe(true);
    expect(coinbaseHeight(cb)).toBe(42);
  });

  test('the height makes coinbases with equal outputs differ; so does the extraNonce', () => {
    const outputs = [{ value: 1n, pubKeyHash: new Uint8Array(20) }];
    const a = txid(makeCoinbase({ height: 1, extraNonce: 0n, outputs }));
    expect(txid(makeCoinbase({ height: 2, extraNonce: 0n, outputs }))).not.toEqual(a);
    expect(txid(makeCoinbase({ height: 1, extraNonce: 1n, outputs }))).not.toEqual(a);
  });

  test('coinbaseHeight is null when the unlock cannot hold height and extraNonce', () => {
    const cb = makeCoinbase({ height: 7, extraNonce: 0n, outputs: [] });
    cb.inputs[0]!.unlock = cb.inputs[0]!.unlock.subarray(0, 11);
    expect(coinbaseHeight(cb)).toBeNull();
    expect(coinbaseHeight({ ...cb, inputs: [] })).toBeNull();
  });

  test('isCoinbase needs exactly one input with both halves of the null prevout', () => {
    const cb = makeCoinbase({ height: 1, extraNonce: 0n, outputs: [] });
    const input = cb.inputs[0]!;
    expect(isCoinbase({ ...cb, inputs: [input, input] })).toBe(false);
    expect(isCoinbase({ ...cb, inputs: [{ ...input, prevIndex: 0 }] })).toBe(false);
    const txidOne = new Uint8Array(32);
    txidOne[31] = 1;
    expect(isCoinbase({ ...cb, inputs: [{ ...input, prevTxid: txidOne }] })).toBe(false);
  });
});
