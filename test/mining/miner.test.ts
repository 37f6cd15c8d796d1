import { blockSubsidy } from '../../src/consensus/amounts.js';
import { headerHash } from '../../src/consensus/header.js';
import { networks } from '../../src/consensus/params/networks.js';
import { totalOutput, txid, type Transaction } from '../../src/consensus/tx.js';
import { bytesToHex, equalBytes, hashToHex } from '../../src/encoding/hex.js';
import { generateBlocks } from '../../src/mining/generate.js';
import { createTsKernel, loadBestKernel } from '../../src/mining/kernel/index.js';
import { Miner } from '../../src/mining/miner.js';
import { testKey } from '../helpers/keys.js';
import { coinsOf, payTo, signSpend, type OwnedCoin } from '../helpers/tx.js';
import { collectFound, fundedRegtest, openChain, waitFor } from './fixture.js';

const regtest = networks.regtest;
const alice = testKey('alice');
const payee = testKey('miner-payee').pkh;

const spend = (inputs: OwnedCoin[], values: bigint[]): Transaction =>
  signSpend({ inputs, outputs: values.map((v) => payTo(alice, v)), genesisHash: regtest.genesisHash });

describe('Miner on regtest', () => {
  test('finds blocks the chain accepts, one on top of the other, and reports its status', async () => {
    const f = await openChain(regtest);
    const miner = new Miner({ chain: f.chain, payTo: payee, clock: f.clock.read, threads: 1 });
    try {
      expect(miner.status()).toMatchObject({ mining: false, blocksFound: 0, hashRate: 0, totalHashes: 0 });
      const tips: string[] = [];
      f.chain.on('tip', (e) => tips.push(hashToHex(e.hash)));
      const found = collectFound(miner, 3, 30_000);
      await miner.start();
      expect(miner.isMining).toBe(true);
      const blocks = await found;
      await miner.stop();

      let parent = regtest.genesisHash;
      for (const [i, { block, result }] of blocks.entries()) {
        expect(result).toEqual({ status: 'connected', hash: headerHash(block.header), height: i + 1 });
        expect(equalBytes(block.header.prevHash, parent)).toBe(true);
        expect(block.header.bits).toBe(regtest.genesis.header.bits);
        expect(block.txs).toHaveLength(1);
        expect(block.txs[0]!.outputs).toEqual([
          { value: blockSubsidy(i + 1, regtest.halvingInterval), pubKeyHash: payee },
        ]);
        // Entered through processBlock: stored, indexed and on the main chain.
        expect(f.chain.atHeight(i + 1)?.hashHex).toBe(bytesToHex(headerHash(block.header)));
        parent = headerHash(block.header);
      }
      expect(tips).toEqual(blocks.map((b) => hashToHex(b.result.hash)));
      expect(f.chain.height).toBe(3);
      const s = miner.status();
      expect(s).toMatchObject({ mining: false, threads: 1, blocksFound: 3 });
      expect(s.kernel).toBe(loadBestKernel().name);
      expect(s.totalHashes).toBeGreaterThanOrEqual(3);
      expect(miner.isMining).toBe(false);
    } finally {
      await miner.close();
      await f.close();
    }
  });

  test('a mined block holds the fee-paying mempool transactions, parents first, and the coinbase pays subsidy + fees', async () => {
    const f = await fundedRegtest(regtest, 120);
    const miner = new Miner({
      chain: f.chain,
      mempool: f.mempool,
      payTo: payee,
      clock: f.clock.read,
      threads: 1,
      kernel: 'typescript',
    });
    try {
      const cb1 = f.coinbaseAt(1);
      const cb2 = f.coinbaseAt(2);
      const v = cb1.coin.value;
      const P = spend([cb1], [v / 2n, v / 2n - 1_500n]);
      const [p0, p1] = coinsOf(P, 0, alice);
      const C = spend([p0!], [p0!.coin.value - 60_000n]);
      const G = spend([p1!, coinsOf(C, 0, alice)[0]!], [p1!.coin.value + p0!.coin.value - 60_000n - 4_000n]);
      const M = spend([cb2], [cb2.coin.value - 25_000n]);
      let fees = 0n;
      for (const tx of [P, C, M, G]) {
        const r = await f.mempool.accept(tx);
        if (!r.accepted) throw new Error(`${r.code}: ${r.reason}`);
        fees += r.fee;
      }
      expect(fees).toBe(1_500n + 60_000n + 4_000n + 25_000n);

      const found = collectFound(miner, 1, 30_000);
      await miner.start();
      const [{ block, result }] = (await found) as [Awaited<typeof found>[number]];
      await miner.stop();

      expect(result).toMatchObject({ status: 'connected', height: 121 });
      const ids = block.txs.map((tx) => bytesToHex(txid(tx)));
      const pos = (tx: Transaction): number => ids.indexOf(bytesToHex(txid(tx)));
      expect(block.txs).toHaveLength(5);
      for (const tx of [P, C, M, G]) expect(pos(tx)).toBeGreaterThan(0);
      expect(pos(P)).toBeLessThan(pos(C));
      expect(pos(C)).toBeLessThan(pos(G));
      expect(totalOutput(block.txs[0]!)).toBe(blockSubsidy(121, regtest.halvingInterval) + fees);
      expect(f.mempool.size).toBe(0);
      expect(f.chain.getCoin(txid(block.txs[0]!), 0)).toMatchObject({
        value: blockSubsidy(121, regtest.halvingInterval) + fees,
        pubKeyHash: payee,
        coinbase: true,
      });
    } finally {
      await miner.close();
      await f.close();
    }
  });

  test('start is idempotent, stop and start again resume on the new tip, close ends the workers', async () => {
    const f = await openChain(regtest);
    const miner = new Miner({ chain: f.chain, payTo: payee, clock: f.clock.read, threads: 1 });
    try {
      await Promise.all([miner.start(), miner.start()]);
      await collectFound(miner, 2, 30_000);
      await miner.stop();
      const h = f.chain.height;
      expect(h).toBe(2);
      // Nothing is mined while stopped.
      await new Promise((r) => setTimeout(r, 50));
      expect(f.chain.height).toBe(h);
      const again = collectFound(miner, 1, 30_000);
      await miner.start();
      const [first] = await again;
      expect(equalBytes(first!.block.header.prevHash, f.chain.atHeight(h)!.hash)).toBe(true);
      expect(miner.status().blocksFound).toBe(3);

      // Restarting while a stop is still winding down leaves one loop, not two racing each other.
      await miner.start();
      const stopping = miner.stop();
      await miner.start();
      await stopping;
      const more = await collectFound(miner, 6, 30_000);
      const h0 = more[0]!.result.status === 'connected' ? more[0]!.result.height : -1;
      for (const [i, m] of more.entries()) expect(m.result).toMatchObject({ status: 'connected', height: h0 + i });
      await miner.close();
      expect(miner.status()).toMatchObject({ mining: false, kernel: 'none' });
    } finally {
      await miner.close();
      await f.close();
    }
  });

  test('reports a chain failure as an error event and stops, instead of crashing the process', async () => {
    const f = await openChain(regtest);
    const miner = new Miner({ chain: f.chain, payTo: payee, clock: f.clock.read, threads: 1 });
    try {
      const errors: Error[] = [];
      miner.on('error', (e) => errors.push(e));
      await f.chain.close(); // processBlock now rejects
      await miner.start();
      await waitFor(() => errors.length > 0, 10_000, 'an error event');
      expect(errors[0]!.message).toMatch(/closed/);
      expect(miner.isMining).toBe(false);
      await miner.stop(); // resolves: the loop has ended
    } finally {
      await miner.close();
      await f.close();
    }
  });
});

describe('Miner lifecycle and failures', () => {
  test('close() during start() wins: no workers are left and nothing is mined', async () => {
    const f = await openChain(regtest);
    const miner = new Miner({ chain: f.chain, payTo: payee, clock: f.clock.read, threads: 1 });
    try {
      const starting = miner.start();
      await miner.close();
      await starting;
      expect(miner.isMining).toBe(false);
      expect(miner.status()).toMatchObject({ mining: false, kernel: 'none' });
      await new Promise((r) => setTimeout(r, 100));
      expect(f.chain.height).toBe(0);
    } finally {
      await miner.close();
      await f.close();
    }
  });

  test('a failure without an error listener stops the loop and shows in status, without a rejected stop()', async () => {
    const f = await openChain(regtest);
    const miner = new Miner({ chain: f.chain, payTo: payee, clock: f.clock.read, threads: 1 });
    try {
      await f.chain.close();
      await miner.start();
      await waitFor(() => !miner.isMining, 10_000, 'the loop to stop');
      expect(miner.status().lastError).toMatch(/closed/);
      await expect(miner.stop()).resolves.toBeUndefined();
    } finally {
      await miner.close();
      await f.close();
    }
  });

  test('a block the chain refuses (time too far ahead of the clock) is not mined again and again', async () => {
    const f = await fundedRegtest(regtest, 101);
    const miner = new Miner({
      chain: f.chain,
      mempool: f.mempool,
      payTo: payee,
      clock: f.clock.read,
      threads: 1,
      refreshMs: 60_000,
    });
    try {
      const ahead = f.clock.now;
      // The clock falls back: the earliest time a child may have is more than 2 h ahead of it.
      f.clock.now = ahead - 10_000;
      const events: Awaited<ReturnType<typeof collectFound>> = [];
      miner.on('found', (e) => events.push(e));
      await miner.start();
      await waitFor(() => events.length > 0, 10_000, 'a found block');
      expect(events[0]!.result).toMatchObject({ status: 'temporary', code: 'time-too-new' });
      // It waits for a change (tip, transactions, refresh) instead of hashing the same block again.
      await new Promise((r) => setTimeout(r, 100));
      expect(events.length).toBe(1);
      expect(miner.status()).toMatchObject({ mining: true, blocksFound: 0 });

      // The clock recovers and a transaction arrives: the next template is accepted.
      f.clock.now = ahead + 60;
      const next = collectFound(miner, 1, 30_000);
      const cb = f.coinbaseAt(1);
      const tx = spend([cb], [cb.coin.value - 10_000n]);
      expect((await f.mempool.accept(tx)).accepted).toBe(true);
      const [{ block, result }] = (await next) as [Awaited<typeof next>[number]];
      expect(result).toMatchObject({ status: 'connected', height: 102 });
      expect(block.txs.map((t) => bytesToHex(txid(t)))).toContain(bytesToHex(txid(tx)));
      expect(events.length).toBe(2);
    } finally {
      await miner.close();
      await f.close();
    }
  });
});

describe('generateBlocks', () => {
  test('mines N regtest blocks through processBlock and returns their hashes (bytes) in order', async () => {
    const f = await openChain(regtest);
    try {
      const connected: Uint8Array[] = [];
      f.chain.on('connect', (e) => connected.push(e.entry.hash));
      const hashes = await generateBlocks(
        { chain: f.chain, kernel: createTsKernel(), payTo: payee, clock: f.clock.read },
        5,
      );
      expect(hashes).toHaveLength(5);
      expect(connected).toEqual(hashes);
      expect(f.chain.height).toBe(5);
      for (const [i, h] of hashes.entries()) {
        const e = f.chain.atHeight(i + 1)!;
        expect(e.hash).toEqual(h);
        const cb = f.chain.readBlock(e).txs[0]!;
        expect(cb.outputs).toEqual([{ value: blockSubsidy(i + 1, regtest.halvingInterval), pubKeyHash: payee }]);
      }
      // A second call continues on the tip.
      const more = await generateBlocks(
        { chain: f.chain, kernel: createTsKernel(), payTo: payee, clock: f.clock.read },
        2,
      );
      expect(more).toHaveLength(2);
      expect(f.chain.tip.hash).toEqual(more[1]);
      expect(
        await generateBlocks({ chain: f.chain, kernel: createTsKernel(), payTo: payee, clock: f.clock.read }, 0),
      ).toEqual([]);
      // An aborted signal stops it before anything is mined.
      const ctl = new AbortController();
      ctl.abort();
      expect(
        await generateBlocks(
          { chain: f.chain, kernel: createTsKernel(), payTo: payee, clock: f.clock.read, signal: ctl.signal },
          3,
        ),
      ).toEqual([]);
      expect(f.chain.height).toBe(7);
    } finally {
      await f.close();
    }
  });
});
