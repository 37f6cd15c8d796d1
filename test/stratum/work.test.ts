/**
 * Stratum work, checked against the consensus code: for every extranonce2 size from 4 to 8, the
 * coinbase a miner assembles from coinb1 + extranonce1 + extranonce2 + coinb2 is a valid powchain
 * coinbase (height || extraNonce || free bytes), the header the test's own Stratum client builds
 * (stratum-client.ts, written from cpuminer's conventions) is the header the server builds, and
 * the block a winning share stands for passes every context-free rule.
 */
import { COIN } from '../../src/consensus/amounts.js';
import { coinbaseHeight } from '../../src/consensus/coinbase.js';
import { encodeHeader } from '../../src/consensus/header.js';
import { merkleRoot } from '../../src/consensus/merkle.js';
import { networks } from '../../src/consensus/params/networks.js';
import { bitsToTarget } from '../../src/consensus/pow.js';
import { checkBlock } from '../../src/consensus/rules/block.js';
import { isCoinbase, txid } from '../../src/consensus/tx.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import {
  assembleShare,
  coinbaseParts,
  prepareTemplate,
  shareBlock,
  stratumPrevHash,
  u32Hex,
  type WorkTemplate,
} from '../../src/stratum/work.js';
import { testKey } from '../helpers/keys.js';
import { coinsOf, payTo, signSpend, coinbaseTx } from '../helpers/tx.js';
import { shareHeader, type Job } from '../e2e/stratum-client.js';

const regtest = networks.regtest;

/** A regtest template on genesis with two real, signed transactions. */
function template(): WorkTemplate {
  const alice = testKey('stratum-work-alice');
  const funding = coinbaseTx(1, [payTo(alice, 25n * COIN), payTo(alice, 25n * COIN)]);
  const txs = [0, 1].map((i) =>
    signSpend({
      inputs: [coinsOf(funding, 1, alice)[i]!],
      outputs: [payTo(testKey(`stratum-work-${i}`), 10n * COIN)],
      genesisHash: regtest.genesisHash,
    }),
  );
  return {
    prevHash: regtest.genesisHash,
    height: 1,
    version: 1,
    bits: regtest.genesis.header.bits,
    target: bitsToTarget(regtest.genesis.header.bits).target,
    time: regtest.genesis.header.time + 600,
    minTime: regtest.genesis.header.time + 1,
    txs,
    txids: txs.map(txid),
    reward: 50n * COIN,
  };
}

test.each([4, 5, 6, 7, 8])('extranonce2 of %i bytes: a valid coinbase, the same header, a block', (size) => {
  const t = prepareTemplate(template());
  const payee = testKey('stratum-work-payee');
  const parts = coinbaseParts(t, payee.pkh, size);
  const en1 = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
  const en2 = Uint8Array.from({ length: size }, (_, i) => i + 1);

  let share = assembleShare(t, parts, en1, en2, t.time, 0);
  for (let nonce = 1; !checkBlock(shareBlock(t, share), regtest).ok; nonce++)
    share = assembleShare(t, parts, en1, en2, t.time, nonce);
  const block = shareBlock(t, share);
  expect(checkBlock(block, regtest)).toEqual({ ok: true });

  // The coinbase: one null-prevout input whose unlock is height || extranonce1 || extranonce2 || tag.
  const cb = block.txs[0]!;
  expect(isCoinbase(cb)).toBe(true);
  expect(coinbaseHeight(cb)).toBe(1);
  const unlock = cb.inputs[0]!.unlock;
  expect(bytesToHex(unlock.subarray(0, 4))).toBe('01000000');
  expect(bytesToHex(unlock.subarray(4, 8 + size))).toBe(bytesToHex(en1) + bytesToHex(en2));
  expect(new TextDecoder().decode(unlock.subarray(8 + size))).toBe('/powchain stratum/');
  expect(unlock.length).toBeLessThanOrEqual(100);
  expect(cb.outputs).toEqual([{ value: 50n * COIN, pubKeyHash: payee.pkh }]);
  expect(bytesToHex(block.header.merkleRoot)).toBe(bytesToHex(merkleRoot(block.txs.map(txid)).root));

  // The client in the test, from the job as sent on the wire, builds the same 80 bytes.
  const job: Job = {
    id: '00000001',
    prevhash: stratumPrevHash(t.prevHash),
    coinb1: bytesToHex(parts.coinb1),
    coinb2: bytesToHex(parts.coinb2),
    branch: t.branch.map(bytesToHex),
    version: u32Hex(t.version),
    nbits: u32Hex(t.bits),
    ntime: u32Hex(t.time),
    clean: true,
  };
  const theirs = shareHeader(job, bytesToHex(en1), bytesToHex(en2), job.ntime, share.header.nonce);
  expect(bytesToHex(theirs)).toBe(bytesToHex(encodeHeader(share.header)));
});

test('the free bytes are bounded: the coinbase unlock never exceeds 100 bytes', () => {
  const t = prepareTemplate(template());
  expect(() => coinbaseParts(t, new Uint8Array(20), 8)).not.toThrow();
  expect(() => coinbaseParts(t, new Uint8Array(20), 80)).toThrow(RangeError);
});

test('prevhash is sent with each 4-byte word reversed; u32 fields as big-endian hex', () => {
  const h = Uint8Array.from({ length: 32 }, (_, i) => i);
  expect(stratumPrevHash(h)).toBe('03020100070605040b0a09080f0e0d0c13121110171615141b1a19181f1e1d1c');
  expect(u32Hex(0x1e01ffff)).toBe('1e01ffff');
  expect(u32Hex(1)).toBe('00000001');
});
