import { networks } from '../../src/consensus/params/networks.js';
import { SighashContext, signatureDigest } from '../../src/consensus/sighash.js';
import type { Transaction, TxOutput } from '../../src/consensus/tx.js';
import { sha256d } from '../../src/crypto/hash.js';
import { concatBytes } from '../../src/encoding/hex.js';
import { rng } from '../helpers/random.js';
import { cloneTx } from '../helpers/tx.js';

const GENESIS = networks.regtest.genesisHash;

const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);

const baseTx: Transaction = {
  version: 1,
  inputs: [
    { prevTxid: fill(32, 0x01), prevIndex: 0, unlock: fill(97, 0x0a) },
    { prevTxid: fill(32, 0x02), prevIndex: 5, unlock: fill(97, 0x0b) },
  ],
  outputs: [
    { value: 1000n, pubKeyHash: fill(20, 0x31) },
    { value: 2000n, pubKeyHash: fill(20, 0x32) },
  ],
  lockTime: 0,
};
const spent: TxOutput = { value: 5000n, pubKeyHash: fill(20, 0x77) };

const le32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
};
const le64 = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

/** The spec's formula written out with plain concatenation, independent of SighashContext. */
function specDigest(tx: Transaction, i: number, prev: TxOutput, genesisHash: Uint8Array): Uint8Array {
  const prevouts = concatBytes(...tx.inputs.flatMap((x) => [x.prevTxid, le32(x.prevIndex)]));
  const outputs = concatBytes(...tx.outputs.flatMap((o) => [le64(o.value), o.pubKeyHash]));
  return sha256d(
    concatBytes(
      genesisHash,
      le32(tx.version),
      sha256d(prevouts),
      sha256d(outputs),
      le32(tx.lockTime),
      le32(i),
      le64(prev.value),
      prev.pubKeyHash,
    ),
  );
}

describe('signature digest', () => {
  const base = signatureDigest(baseTx, 0, spent, GENESIS);

  test('equals the spec formula computed independently, for each input', () => {
    expect(base).toEqual(specDigest(baseTx, 0, spent, GENESIS));
    expect(signatureDigest(baseTx, 1, spent, GENESIS)).toEqual(specDigest(baseTx, 1, spent, GENESIS));
    expect(base).toHaveLength(32);
  });

  test('SighashContext reuses its prefix: every input digest equals the one-shot function', () => {
    const ctx = new SighashContext(baseTx, GENESIS);
    expect(ctx.digest(0, spent)).toEqual(base);
    expect(ctx.digest(1, spent)).toEqual(signatureDigest(baseTx, 1, spent, GENESIS));
  });

  const mutations: [string, (tx: Transaction) => void][] = [
    ['version', (tx) => (tx.version = 2)],
    ['lockTime', (tx) => (tx.lockTime = 1)],
    ['prevout 0 txid', (tx) => (tx.inputs[0]!.prevTxid[31]! ^= 1)],
    ['prevout 0 index', (tx) => (tx.inputs[0]!.prevIndex = 1)],
    ['prevout 1 txid (another input)', (tx) => (tx.inputs[1]!.prevTxid[0]! ^= 1)],
    ['prevout 1 index (another input)', (tx) => (tx.inputs[1]!.prevIndex = 6)],
    ['input order', (tx) => tx.inputs.reverse()],
    [
      'input list (one more)',
      (tx) => tx.inputs.push({ prevTxid: fill(32, 3), prevIndex: 0, unlock: new Uint8Array(0) }),
    ],
    ['output 0 value', (tx) => (tx.outputs[0]!.value += 1n)],
    ['output 1 value', (tx) => (tx.outputs[1]!.value -= 1n)],
    ['output 1 pubKeyHash', (tx) => (tx.outputs[1]!.pubKeyHash[19]! ^= 1)],
    ['output order', (tx) => tx.outputs.reverse()],
    ['output list (one fewer)', (tx) => tx.outputs.pop()],
  ];
  test.each(mutations)('changes with a different %s', (_name, mutate) => {
    const tx = cloneTx(baseTx);
    mutate(tx);
    const d = signatureDigest(tx, 0, spent, GENESIS);
    expect(d).not.toEqual(base);
    // The independent formula agrees on the mutated transaction too.
    expect(d).toEqual(specDigest(tx, 0, spent, GENESIS));
  });

  test('changes with the genesis hash: a signature is valid on one network only', () => {
    expect(signatureDigest(baseTx, 0, spent, networks.main.genesisHash)).not.toEqual(base);
    expect(signatureDigest(baseTx, 0, spent, networks.testnet.genesisHash)).not.toEqual(base);
  });

  test('changes with the input index, the spent value and the spent pubKeyHash', () => {
    expect(signatureDigest(baseTx, 1, spent, GENESIS)).not.toEqual(base);
    expect(signatureDigest(baseTx, 0, { ...spent, value: spent.value + 1n }, GENESIS)).not.toEqual(base);
    const pkh = spent.pubKeyHash.slice();
    pkh[0]! ^= 1;
    expect(signatureDigest(baseTx, 0, { ...spent, pubKeyHash: pkh }, GENESIS)).not.toEqual(base);
  });

  test('random transactions of 1 to 40 inputs and outputs: every input digest equals the spec formula', () => {
    const rand = rng(99).bytes;
    for (let k = 0; k < 60; k++) {
      const nIn = 1 + (k % 40);
      const nOut = 1 + ((k * 7) % 40);
      const tx: Transaction = {
        version: k * 0x01010101,
        inputs: Array.from({ length: nIn }, (_, i) => ({
          prevTxid: rand(32),
          prevIndex: (i * 0x9e3779b9) >>> 0,
          unlock: rand(97),
        })),
        outputs: Array.from({ length: nOut }, (_, i) => ({
          value: BigInt(i) * 123_456_789_123n + BigInt(k),
          pubKeyHash: rand(20),
        })),
        lockTime: (k * 0x7654321) >>> 0,
      };
      const ctx = new SighashContext(tx, GENESIS);
      // Another context in between: contexts share scratch space and must not see each other's.
      const other = new SighashContext(baseTx, GENESIS);
      for (let i = 0; i < nIn; i++) {
        const prev: TxOutput = { value: (1n << 63n) + BigInt(i * k), pubKeyHash: rand(20) };
        expect([k, i, ctx.digest(i, prev)]).toEqual([k, i, specDigest(tx, i, prev, GENESIS)]);
      }
      expect(other.digest(0, spent)).toEqual(base);
    }
  });

  test('unusual field sizes take the general encoder: the same bytes, or its error', () => {
    const odd: TxOutput = { value: 5000n, pubKeyHash: fill(21, 0x77) };
    expect(signatureDigest(baseTx, 0, odd, GENESIS)).toEqual(specDigest(baseTx, 0, odd, GENESIS));
    const tx = cloneTx(baseTx);
    tx.outputs[1]!.pubKeyHash = fill(19, 0x32);
    tx.inputs[0]!.prevTxid = fill(31, 0x01);
    expect(signatureDigest(tx, 1, spent, GENESIS)).toEqual(specDigest(tx, 1, spent, GENESIS));
    expect(() => signatureDigest(baseTx, 0, { ...spent, value: 1n << 64n }, GENESIS)).toThrow();
    expect(() => new SighashContext(baseTx, GENESIS.subarray(0, 31))).toThrow(RangeError);
  });

  test('does not change when any unlock changes (unlocks carry the signatures)', () => {
    const tx = cloneTx(baseTx);
    tx.inputs[0]!.unlock = fill(97, 0xee);
    tx.inputs[1]!.unlock = new Uint8Array(3);
    expect(signatureDigest(tx, 0, spent, GENESIS)).toEqual(base);
    expect(signatureDigest(tx, 1, spent, GENESIS)).toEqual(signatureDigest(baseTx, 1, spent, GENESIS));
  });
});
