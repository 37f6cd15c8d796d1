import { blockSubsidy } from '../../src/consensus/amounts.js';
import { blockSize, type Block } from '../../src/consensus/block.js';
import { coinbaseHeight } from '../../src/consensus/coinbase.js';
import { headerHash } from '../../src/consensus/header.js';
import { merkleRoot } from '../../src/consensus/merkle.js';
import { networks } from '../../src/consensus/params/networks.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { bitsToTarget } from '../../src/consensus/pow.js';
import { totalOutput, txid, type Transaction } from '../../src/consensus/tx.js';
import { bytesToHex, equalBytes } from '../../src/encoding/hex.js';
import { generateBlocks } from '../../src/mining/generate.js';
import { createTsKernel } from '../../src/mining/kernel/index.js';
import { buildTemplate, headerBytes, templateBlock, type BlockTemplate } from '../../src/mining/template.js';
import { TestClock } from '../chain/harness.js';
import { testKey } from '../helpers/keys.js';
import { coinsOf, payTo, signSpend, type OwnedCoin } from '../helpers/tx.js';
import { fundedRegtest, minerKey, openChain } from './fixture.js';

const regtest = networks.regtest;
const kernel = createTsKernel();
const alice = testKey('alice');
const payee = testKey('template-payee').pkh;

/** The template's block with a nonce meeting its (regtest) target. */
function solve(t: BlockTemplate, extraNonce = 0n): Block {
  const block = templateBlock(t, extraNonce);
  const nonce = kernel.scan(headerBytes(block), t.target, 0, 1 << 20);
  if (nonce < 0) throw new Error('no nonce in 2^20 tries');
  block.header.nonce = nonce;
  return block;
}

const spend = (inputs: OwnedCoin[], values: bigint[], to = alice): Transaction =>
  signSpend({ inputs, outputs: values.map((v) => payTo(to, v)), genesisHash: regtest.genesisHash });

/** Every transaction of the block that spends an output of another one comes after it. */
function expectParentsFirst(block: Block): void {
  const seen = new Set<string>();
  const inBlock = new Set(block.txs.map((tx) => bytesToHex(txid(tx))));
  for (const tx of block.txs) {
    for (const i of tx.inputs) {
      const p = bytesToHex(i.prevTxid);
      if (inBlock.has(p)) expect(seen.has(p)).toBe(true);
    }
    seen.add(bytesToHex(txid(tx)));
  }
}

describe('buildTemplate / templateBlock', () => {
  test('on a fresh regtest chain: the tip child with expected bits, the clock time and a coinbase paying the subsidy', async () => {
    const f = await openChain(regtest);
    try {
      const t = await buildTemplate(f.chain, undefined, payee, f.clock.now);
      expect(t.parent).toBe(f.chain.tip);
      expect(t.height).toBe(1);
      expect(t.bits).toBe(f.chain.expectedBitsAfter(f.chain.tip));
      expect(t.bits).toBe(regtest.genesis.header.bits);
      expect(t.target).toBe(bitsToTarget(t.bits).target);
      expect(t.time).toBe(f.clock.now); // the clock is far past the genesis time
      expect(t).toMatchObject({ txs: [], txids: [], fees: 0n, reward: blockSubsidy(1, regtest.halvingInterval) });

      const a = templateBlock(t, 7n);
      const b = templateBlock(t, 8n);
      expect(a.header).toMatchObject({ version: 1, time: t.time, bits: t.bits, nonce: 0 });
      expect(equalBytes(a.header.prevHash, f.chain.tip.hash)).toBe(true);
      expect(a.txs).toHaveLength(1);
      const cb = a.txs[0]!;
      expect(coinbaseHeight(cb)).toBe(1);
      expect(cb.outputs).toEqual([{ value: t.reward, pubKeyHash: payee }]);
      expect(equalBytes(a.header.merkleRoot, merkleRoot([txid(cb)]).root)).toBe(true);
      // A new extraNonce is a new coinbase, so a new merkle root and a fresh nonce space.
      expect(equalBytes(a.header.merkleRoot, b.header.merkleRoot)).toBe(false);
      expect(headerBytes(a)).toHaveLength(80);

      const block = solve(t, 7n);
      const r = await f.chain.processBlock(block, { source: 'test' });
      expect(r).toMatchObject({ status: 'connected', height: 1 });
      expect(equalBytes(f.chain.tip.hash, headerHash(block.header))).toBe(true);
    } finally {
      await f.close();
    }
  });

  test('time is max(median time past + 1, now)', async () => {
    const clock = new TestClock(regtest.genesis.header.time + 5_000);
    const f = await openChain(regtest, clock);
    try {
      // With the clock standing still, each block takes MTP + 1: the chain runs ahead of the clock.
      await generateBlocks({ chain: f.chain, kernel, payTo: payee, clock: clock.read }, 15);
      const times: number[] = [];
      for (let e = f.chain.tip, i = 0; i < 11; i++, e = e.parent!) times.push(e.header.time);
      const mtp = [...times].sort((x, y) => x - y)[5]!;
      expect(f.chain.medianTimePast(f.chain.tip)).toBe(mtp);
      expect(mtp).toBeGreaterThan(clock.now);

      for (const now of [clock.now, mtp - 1, mtp, mtp + 1]) {
        expect((await buildTemplate(f.chain, undefined, payee, now)).time).toBe(mtp + 1);
      }
      for (const now of [mtp + 2, mtp + 1_000]) {
        expect((await buildTemplate(f.chain, undefined, payee, now)).time).toBe(now);
      }
      // A template taken while the clock lags behind the chain still makes an acceptable block.
      const t = await buildTemplate(f.chain, undefined, payee, clock.now);
      expect(await f.chain.processBlock(solve(t))).toMatchObject({ status: 'connected', height: 16 });
    } finally {
      await f.close();
    }
  });

  test('on testnet the bits are what the ASERT rule expects after the tip', async () => {
    const params = networks.testnet;
    const f = await openChain(params, new TestClock(params.genesis.header.time));
    try {
      const t = await buildTemplate(f.chain, undefined, payee, f.clock.now);
      expect(t.bits).toBe(f.chain.expectedBitsAfter(f.chain.tip));
      expect(t.bits).toBe(0x1e01ffff); // on schedule at the anchor: the easiest target
      expect(t.target).toBe(bitsToTarget(0x1e01ffff).target);
      expect(t.target).toBeLessThanOrEqual(params.powLimit);
      expect(t.time).toBe(params.genesis.header.time + 1); // MTP + 1 > now
      expect(t.reward).toBe(blockSubsidy(1, params.halvingInterval));
    } finally {
      await f.close();
    }
  });

  test('takes the mempool transactions, parents before children, and the coinbase claims subsidy + fees', async () => {
    const f = await fundedRegtest(regtest, 150);
    try {
      const cb1 = f.coinbaseAt(1);
      const cb2 = f.coinbaseAt(2);
      const v = cb1.coin.value;
      // P pays little, its child C a lot (C pulls P in), G spends both, M is unrelated.
      const P = spend([cb1], [v / 2n, v / 2n - 1_000n]);
      const [p0, p1] = coinsOf(P, 0, alice);
      const C = spend([p0!], [p0!.coin.value - 80_000n]);
      const G = spend([p1!, coinsOf(C, 0, alice)[0]!], [p1!.coin.value + p0!.coin.value - 80_000n - 3_000n]);
      const M = spend([cb2], [cb2.coin.value - 20_000n]);
      let fees = 0n;
      for (const tx of [P, M, C, G]) {
        const r = await f.mempool.accept(tx);
        if (!r.accepted) throw new Error(`${r.code}: ${r.reason}`);
        fees += r.fee;
      }
      expect(fees).toBe(1_000n + 80_000n + 3_000n + 20_000n);

      const t = await buildTemplate(f.chain, f.mempool, payee, f.clock.now);
      expect(t.height).toBe(151);
      expect(t.txs).toHaveLength(4);
      expect(t.txids.map(bytesToHex)).toEqual(t.txs.map((tx) => bytesToHex(txid(tx))));
      expect(t.fees).toBe(fees);
      // Height 151 is past regtest's first halving (150): the subsidy is 25 coins.
      expect(t.reward).toBe(blockSubsidy(151, regtest.halvingInterval) + fees);
      expect(blockSubsidy(151, regtest.halvingInterval)).toBe(25n * 100_000_000n);

      const block = solve(t);
      expectParentsFirst(block);
      expect(totalOutput(block.txs[0]!)).toBe(t.reward);
      expect(await f.chain.processBlock(block)).toMatchObject({ status: 'connected', height: 151 });
      expect(f.mempool.size).toBe(0);
      // The coinbase really is worth subsidy + fees in the UTXO set.
      expect(f.chain.getCoin(txid(block.txs[0]!), 0)?.value).toBe(t.reward);
    } finally {
      await f.close();
    }
  });

  test('stays within maxBlockBytes: the block with the coinbase fits, the rest waits in the pool', async () => {
    const small: NetworkParams = { ...regtest, maxBlockBytes: 1_500 };
    const f = await fundedRegtest(small, 101);
    try {
      const cb = f.coinbaseAt(1);
      const n = 12;
      const each = (cb.coin.value - 10_000n) / BigInt(n);
      const fan = spend(
        [cb],
        Array.from({ length: n }, () => each),
      );
      expect((await f.mempool.accept(fan)).accepted).toBe(true);
      await generateBlocks({ chain: f.chain, mempool: f.mempool, kernel, payTo: minerKey.pkh, clock: f.clock.read }, 1);
      expect(f.mempool.size).toBe(0);

      // 12 independent spends of ~172 bytes each: about 2 kB, more than the block can take.
      const coins = coinsOf(fan, f.chain.height, alice);
      for (const [i, c] of coins.entries()) {
        const r = await f.mempool.accept(spend([c], [c.coin.value - 1_000n * BigInt(i + 1)]));
        expect(r.accepted).toBe(true);
      }
      const t = await buildTemplate(f.chain, f.mempool, payee, f.clock.now);
      const block = solve(t);
      expect(t.txs.length).toBeGreaterThan(0);
      expect(t.txs.length).toBeLessThan(n);
      expect(blockSize(block)).toBeLessThanOrEqual(small.maxBlockBytes);
      // Highest fee rate first: the chosen ones pay the most.
      const chosen = t.txs.map((tx) =>
        coins.findIndex(
          (c) => equalBytes(c.outpoint.txid, tx.inputs[0]!.prevTxid) && c.outpoint.index === tx.inputs[0]!.prevIndex,
        ),
      );
      expect([...chosen].sort((a, b) => b - a)).toEqual(Array.from({ length: t.txs.length }, (_, k) => n - 1 - k));
      expect(await f.chain.processBlock(block)).toMatchObject({ status: 'connected' });
      expect(f.mempool.size).toBe(n - t.txs.length);
    } finally {
      await f.close();
    }
  });
});
