import fc from 'fast-check';
import type { Block } from '../../src/consensus/block.js';
import type { BlockHeader } from '../../src/consensus/header.js';
import type { Transaction, TxInput, TxOutput } from '../../src/consensus/tx.js';

/**
 * fast-check generators for structurally encodable consensus objects. They cover the whole
 * range of every field (not only rule-valid values) because serialization must round-trip
 * anything it can encode; rule checks are tested separately.
 */

export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
export const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

export const headerArb: fc.Arbitrary<BlockHeader> = fc.record({
  version: u32,
  prevHash: hash32,
  merkleRoot: hash32,
  time: u32,
  bits: u32,
  nonce: u32,
});

export const inputArb: fc.Arbitrary<TxInput> = fc.record({
  prevTxid: hash32,
  prevIndex: u32,
  // Mostly short, sometimes past 0xfc so the unlock length needs a 3-byte varint.
  unlock: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 100 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 250, maxLength: 300 }) },
  ),
});

export const outputArb: fc.Arbitrary<TxOutput> = fc.record({
  value: u64,
  pubKeyHash: fc.uint8Array({ minLength: 20, maxLength: 20 }),
});

export const txArb: fc.Arbitrary<Transaction> = fc.record({
  version: u32,
  inputs: fc.array(inputArb, { maxLength: 4 }),
  outputs: fc.array(outputArb, { maxLength: 4 }),
  lockTime: u32,
});

export const blockArb: fc.Arbitrary<Block> = fc.record({
  header: headerArb,
  txs: fc.array(txArb, { maxLength: 4 }),
});
