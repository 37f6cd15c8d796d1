import { MAX_MONEY } from '../../src/consensus/amounts.js';
import { blockSize, encodeBlock, type Block } from '../../src/consensus/block.js';
import { makeCoinbase } from '../../src/consensus/coinbase.js';
import type { RuleResult } from '../../src/consensus/errors.js';
import { headerHash } from '../../src/consensus/header.js';
import { merkleRoot } from '../../src/consensus/merkle.js';
import { networks } from '../../src/consensus/params/networks.js';
import { checkProofOfWork } from '../../src/consensus/pow.js';
import { checkBlock } from '../../src/consensus/rules/block.js';
import { txid, type Transaction } from '../../src/consensus/tx.js';
import { testKey } from '../helpers/keys.js';
import { mineBlock, regrind, regtest, remine } from '../helpers/mine.js';
import { cloneTx, coinbaseTx, payTo, signSpend, type OwnedCoin } from '../helpers/tx.js';

const alice = testKey('alice');
const bob = testKey('bob');
const GENESIS = regtest.genesisHash;
const T1 = regtest.genesis.header.time + 600;

const codeOf = (r: RuleResult): string => (r.ok ? 'ok' : r.code);
const check = (b: Block): string => codeOf(checkBlock(b, regtest));

/** A signed spend of a made-up coin of alice's; checkBlock never looks coins up. */
function spendOf(n: number): Transaction {
  const coin: OwnedCoin = {
    outpoint: { txid: new Uint8Array(32).fill(0x40 + n), index: n },
    coin: { value: 1_000n, pubKeyHash: alice.pkh, height: 1, coinbase: false },
    key: alice,
  };
  return signSpend({ inputs: [coin], outputs: [payTo(bob, 900n)], genesisHash: GENESIS });
}

/** The block at height 1 on regtest genesis holding `txs` after its coinbase, mined. */
const blockWith = (...txs: Transaction[]): Block => mineBlock({ prevHash: GENESIS, height: 1, time: T1, txs });

/** `txs` exactly as given (no coinbase added), with the right merkle root and a mined nonce. */
const rawBlock = (txs: Transaction[]): Block => remine({ header: blockWith().header, txs });

describe('checkBlock: valid blocks pass', () => {
  test('the smallest block (coinbase only) and one with two spends', () => {
    expect(check(blockWith())).toBe('ok');
    expect(check(blockWith(spendOf(0), spendOf(1)))).toBe('ok');
  });

  test('precomputed hash, txids and size give the same verdict', () => {
    const b = blockWith(spendOf(0));
    const opts = { hash: headerHash(b.header), txids: b.txs.map(txid), size: encodeBlock(b).length };
    expect(checkBlock(b, regtest, opts)).toEqual({ ok: true });
  });

  test('the regtest nonce search really is needed (some nonces fail) and the helper finds one that works', () => {
    const b = blockWith();
    expect(checkProofOfWork(headerHash(b.header), b.header.bits, regtest.powLimit)).toBe(true);
    expect(checkProofOfWork(headerHash(regrind(b, regtest, false).header), b.header.bits, regtest.powLimit)).toBe(
      false,
    );
  });
});

describe('checkBlock: one smallest failing block per reject code', () => {
  test('high-hash: a hash above the target', () => {
    expect(check(regrind(blockWith(), regtest, false))).toBe('high-hash');
  });

  test('high-hash: a target easier than powLimit, zero, negative or overflowing, whatever the hash', () => {
    for (const bits of [0x2100ffff, 0, 0x20800000 | 0x7fff, 0x23010000]) {
      const b = blockWith();
      // Above powLimit, zero, sign bit set, overflow: each is refused before the hash is compared.
      expect(check({ ...b, header: { ...b.header, bits } })).toBe('high-hash');
    }
  });

  test('high-hash: a main-network block at regtest-like effort', () => {
    const b = mineBlock({ prevHash: networks.main.genesisHash, height: 1, time: T1, params: regtest });
    const onMain = { ...b, header: { ...b.header, bits: networks.main.genesis.header.bits } };
    // At 2^233 a random hash meets the target with probability 2^-23; this nonce was ground for 2^255.
    expect(checkProofOfWork(headerHash(onMain.header), onMain.header.bits, networks.main.powLimit)).toBe(false);
    expect(codeOf(checkBlock(onMain, networks.main))).toBe('high-hash');
  });

  test('bad-blk-length: a header with no transactions', () => {
    expect(check(rawBlock([]))).toBe('bad-blk-length');
  });

  test('bad-blk-length: one byte over maxBlockBytes; exactly maxBlockBytes is valid', () => {
    // One coinbase with many zero-value outputs (28 bytes each); its free bytes (0..27) trim the
    // size to the byte. 300+ outputs keep the output-count varint at a fixed 3 bytes.
    const coinbaseWith = (outputs: number, extra: number): Transaction =>
      makeCoinbase({
        height: 1,
        extraNonce: 0n,
        extra: new Uint8Array(extra),
        outputs: Array.from({ length: outputs }, () => payTo(alice, 0n)),
      });
    const base = blockSize({ header: blockWith().header, txs: [coinbaseWith(300, 0)] });
    const sized = (bytes: number): Block =>
      rawBlock([coinbaseWith(300 + Math.floor((bytes - base) / 28), (bytes - base) % 28)]);
    const limit = regtest.maxBlockBytes;
    const atLimit = sized(limit);
    const over = sized(limit + 1);
    expect(encodeBlock(atLimit).length).toBe(limit);
    expect(encodeBlock(over).length).toBe(limit + 1);
    expect(check(atLimit)).toBe('ok');
    expect(check(over)).toBe('bad-blk-length');
    // A caller-supplied size is trusted (it came from the received bytes).
    expect(codeOf(checkBlock(blockWith(), regtest, { size: limit + 1 }))).toBe('bad-blk-length');
  });

  test('bad-cb-missing: a lone spend', () => {
    expect(check(rawBlock([spendOf(0)]))).toBe('bad-cb-missing');
  });

  test('bad-cb-missing: a coinbase that is not first', () => {
    const b = blockWith(spendOf(0));
    expect(check(rawBlock([b.txs[1]!, b.txs[0]!]))).toBe('bad-cb-missing');
  });

  test('bad-cb-multiple: two coinbases', () => {
    expect(check(rawBlock([coinbaseTx(1, [payTo(alice, 1n)]), coinbaseTx(1, [payTo(alice, 1n)], 1n)]))).toBe(
      'bad-cb-multiple',
    );
  });

  test('bad-cb-length: a coinbase unlock one byte too short', () => {
    const cb = coinbaseTx(1, [payTo(alice, 1n)]);
    cb.inputs[0]!.unlock = cb.inputs[0]!.unlock.subarray(0, 11);
    expect(check(rawBlock([cb]))).toBe('bad-cb-length');
  });

  test('transaction rules apply to every transaction of the block', () => {
    const bad = cloneTx(spendOf(0));
    bad.outputs[0]!.value = MAX_MONEY + 1n;
    expect(check(blockWith(spendOf(1), bad))).toBe('bad-txns-vout-toolarge');
  });

  test('bad-txnmrklroot: one bit of the merkle root flipped', () => {
    const b = blockWith();
    const root = b.header.merkleRoot.slice();
    root[0]! ^= 1;
    expect(check(regrind({ ...b, header: { ...b.header, merkleRoot: root } }))).toBe('bad-txnmrklroot');
  });

  test('bad-txnmrklroot: a transaction changed after the root was committed', () => {
    const b = blockWith(spendOf(0));
    const txs = [b.txs[0]!, { ...b.txs[1]!, lockTime: 1 }];
    expect(check({ ...b, txs })).toBe('bad-txnmrklroot');
  });

  test('bad-txns-duplicate: the same transaction twice under an honest root', () => {
    const a = spendOf(0);
    const b = rawBlock([coinbaseTx(1, [payTo(alice, 1n)]), a, a]);
    // [cb, a, a] pairs (cb, a) and (a, a-implicit): no equal siblings, so only the txid check can catch it.
    expect(merkleRoot(b.txs.map(txid)).mutated).toBe(false);
    expect(check(b)).toBe('bad-txns-duplicate');
  });

  test('bad-txns-duplicate: a CVE-2012-2459 mutated list with the same root as a valid block', () => {
    const honest = blockWith(spendOf(0), spendOf(1));
    expect(check(honest)).toBe('ok');
    // [cb, a, b] -> [cb, a, b, b]: same merkle root, so the same header and block hash.
    const mutated: Block = { header: honest.header, txs: [...honest.txs, honest.txs[2]!] };
    expect(merkleRoot(mutated.txs.map(txid)).root).toEqual(honest.header.merkleRoot);
    expect(check(mutated)).toBe('bad-txns-duplicate');
  });
});
