import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Chain } from '../../src/chain/index.js';
import { decodeHeader, headerHash } from '../../src/consensus/header.js';
import { expectedBits } from '../../src/consensus/next-bits.js';
import { networks } from '../../src/consensus/params/networks.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { equalBytes } from '../../src/encoding/hex.js';
import { Mempool } from '../../src/mempool/index.js';
import { generateBlocks } from '../../src/mining/generate.js';
import { HasherPool, type SearchResult } from '../../src/mining/hasher/index.js';
import { loadBestKernel, packageRoot } from '../../src/mining/kernel/index.js';
import { Miner } from '../../src/mining/miner.js';
import { buildTemplate, headerBytes, templateBlock } from '../../src/mining/template.js';
import { TestClock } from '../chain/harness.js';
import { testKey } from '../helpers/keys.js';
import { coinsOf, payTo, signSpend } from '../helpers/tx.js';
import { collectFound, openChain, waitFor } from './fixture.js';

/*
 * Testnet targets start at 2^233 (~8.4 M hashes a block), far too hard to hit by chance while a
 * test looks, so these tests can watch a round being aborted. Everything is deterministic: the
 * clock stands still at the genesis time, keys are named, extraNonce starts at 0 and a one-thread
 * pool scans nonces from 0 upward. The key names were picked so the blocks that must be found are
 * found within ~1.5 M nonces and the searches that must be aborted cannot succeed in their first
 * GUARD nonces; `quietPayTo` re-checks the latter, so a change in block encoding makes the tests
 * slower, never flaky.
 */

const testnet = networks.testnet;
const G = testnet.genesis.header.time;
const ANCHOR_BITS = 0x1e01ffff;
/** Nonces a search that is meant to be aborted is guaranteed not to succeed in. */
const GUARD = 5_000_000;
/**
 * The kernel of the miners whose rounds must be aborted: the TypeScript one, at about 0.5 M
 * nonces a second, takes some 10 s to pass GUARD; the SHA-NI kernel (17-30 M/s) passes it in a
 * fraction of a second, sooner than a loaded machine gets from one step of a test to the next.
 */
const ABORTED_KERNEL = 'typescript';
/** Whose block 1 ('A1') is found at nonce ~0.77 M. */
const rival = testKey('rival-5');

let kernel: ReturnType<typeof loadBestKernel>;
beforeAll(() => {
  execFileSync(process.execPath, [join(packageRoot()!, 'scripts/build-wasm.mjs')], { stdio: 'pipe' });
  kernel = loadBestKernel();
});

/** The first key `${prefix}-${i}` (i >= first) whose next template on `chain` has no nonce below GUARD meeting the target. */
async function quietPayTo(
  chain: Chain,
  mempool: Mempool | undefined,
  now: number,
  prefix: string,
  first: number,
): Promise<Uint8Array> {
  for (let i = first; i < first + 100; i++) {
    const pkh = testKey(`${prefix}-${i}`).pkh;
    const t = await buildTemplate(chain, mempool, pkh, now);
    if (kernel.scan(headerBytes(templateBlock(t, 0n)), t.target, 0, GUARD) < 0) return pkh;
  }
  throw new Error('no quiet key found');
}

/** Records every HasherPool.search (header and result) while installed; calls through unchanged. */
function spySearches(): { calls: { header: Uint8Array; result: Promise<SearchResult> }[]; restore(): void } {
  const original = HasherPool.prototype.search;
  const calls: { header: Uint8Array; result: Promise<SearchResult> }[] = [];
  HasherPool.prototype.search = function (this: HasherPool, header, target, opts) {
    const result = original.call(this, header, target, opts);
    calls.push({ header: header.slice(), result });
    return result;
  };
  return { calls, restore: () => void (HasherPool.prototype.search = original) };
}

let genesisQuiet: Uint8Array | undefined;
/** A quiet key for the first template on a fresh testnet chain at time G (the same for every test). */
async function quietOnGenesis(chain: Chain, now: number): Promise<Uint8Array> {
  genesisQuiet ??= await quietPayTo(chain, undefined, now, 'abort-miner', 36);
  return genesisQuiet;
}

/** A1: the rival's block 1 on testnet, mined on the calling thread by generateBlocks. */
async function mineA1(chain: Chain, clock: TestClock): Promise<void> {
  const hashes = await generateBlocks({ chain, kernel, payTo: rival.pkh, clock: clock.read }, 1);
  expect(hashes).toHaveLength(1);
}

describe('Miner on testnet (a real target)', () => {
  test('a new tip aborts the running search at once and the next block builds on that tip', async () => {
    const clock = new TestClock(G);
    const x = await openChain(testnet, clock);
    const y = await openChain(testnet, clock);
    const spy = spySearches();
    let miner: Miner | undefined;
    try {
      await mineA1(x.chain, clock);
      const a1 = x.chain.readBlock(x.chain.tip);
      const a1Hash = headerHash(a1.header);
      const quiet = await quietOnGenesis(y.chain, clock.now);
      miner = new Miner({
        chain: y.chain,
        payTo: quiet,
        clock: clock.read,
        threads: 1,
        kernel: ABORTED_KERNEL,
        refreshMs: 60_000,
      });
      const found = collectFound(miner, 1, 60_000);
      await miner.start();
      await waitFor(() => miner!.status().totalHashes > 0, 10_000, 'the workers to hash');
      const s = miner.status();
      expect(s).toMatchObject({ mining: true, threads: 1, blocksFound: 0 });
      expect(s.kernel).toBe(ABORTED_KERNEL);
      expect(s.hashRate).toBeGreaterThan(0);
      expect(spy.calls).toHaveLength(1);
      expect(equalBytes(decodeHeader(spy.calls[0]!.header).prevHash, testnet.genesisHash)).toBe(true);

      // A1 arrives from elsewhere while the round on genesis runs.
      expect(await y.chain.processBlock(a1, { source: 'peer' })).toMatchObject({
        status: 'connected',
        height: 1,
      });
      const first = await spy.calls[0]!.result;
      expect(first).toMatchObject({ found: false, aborted: true });
      // Stopped long before the range could have produced this template's block.
      expect(first.hashes).toBeLessThan(GUARD);

      const [{ block, result }] = (await found) as [Awaited<typeof found>[number]];
      expect(equalBytes(block.header.prevHash, a1Hash)).toBe(true);
      expect(result).toMatchObject({ status: 'connected', height: 2 });
      expect(spy.calls.length).toBe(2);
      expect(equalBytes(decodeHeader(spy.calls[1]!.header).prevHash, a1Hash)).toBe(true);
      // Testnet difficulty on a real block: A1 is the ASERT anchor, and its child is on schedule
      // by definition (the schedule starts at A1's time), so it carries the anchor's bits.
      const a1Entry = y.chain.entry(a1Hash)!;
      expect(block.header.bits).toBe(y.chain.expectedBitsAfter(a1Entry));
      const a1Info = { height: 1, time: a1.header.time, bits: a1.header.bits };
      expect(block.header.bits).toBe(expectedBits(testnet, a1Info, () => a1Info));
      expect(block.header.bits).toBe(ANCHOR_BITS);
      expect(block.header.time).toBe(G + 2); // MTP + 1: the clock stands at the genesis time
      expect(miner.status()).toMatchObject({ mining: false, blocksFound: 1 });
    } finally {
      spy.restore();
      await miner?.close();
      await x.close();
      await y.close();
    }
  });

  test('the refresh timer rebuilds the template with the clock’s new time', async () => {
    const clock = new TestClock(G);
    const y = await openChain(testnet, clock);
    const spy = spySearches();
    let miner: Miner | undefined;
    try {
      const quiet = await quietOnGenesis(y.chain, clock.now);
      miner = new Miner({
        chain: y.chain,
        payTo: quiet,
        clock: clock.read,
        threads: 1,
        kernel: ABORTED_KERNEL,
        refreshMs: 250,
      });
      await miner.start();
      await waitFor(() => spy.calls.length === 1 && miner!.status().totalHashes > 0, 10_000, 'the first round');
      expect(decodeHeader(spy.calls[0]!.header).time).toBe(G + 1);
      clock.now = G + 500;
      await waitFor(() => spy.calls.length >= 2, 10_000, 'a refreshed round');
      expect(await spy.calls[0]!.result).toMatchObject({ found: false, aborted: true });
      const refreshed = decodeHeader(spy.calls[1]!.header);
      expect(refreshed.time).toBe(G + 500);
      expect(equalBytes(refreshed.prevHash, testnet.genesisHash)).toBe(true);
      await miner.stop();
      expect(y.chain.height).toBe(0);
    } finally {
      spy.restore();
      await miner?.close();
      await y.close();
    }
  });

  test('stop() right after start() does not leave a round running to its end', async () => {
    const clock = new TestClock(G);
    const y = await openChain(testnet, clock);
    const spy = spySearches();
    let miner: Miner | undefined;
    try {
      miner = new Miner({
        chain: y.chain,
        payTo: await quietOnGenesis(y.chain, clock.now),
        clock: clock.read,
        threads: 1,
        kernel: ABORTED_KERNEL,
        refreshMs: 60_000,
      });
      const found: unknown[] = [];
      miner.on('found', (f) => found.push(f));
      await miner.start();
      await miner.stop();
      for (const c of spy.calls) expect(await c.result).toMatchObject({ found: false, aborted: true });
      expect(found).toEqual([]);
      expect(miner.status().mining).toBe(false);
    } finally {
      spy.restore();
      await miner?.close();
      await y.close();
    }
  });

  test('a new mempool transaction refreshes the template (debounced) to include it', async () => {
    // Testnet with coinbases spendable after one block, so A1's coinbase can be spent at height 2.
    const params: NetworkParams = { ...testnet, coinbaseMaturity: 1 };
    const clock = new TestClock(G);
    const y = await openChain(params, clock);
    const mempool = new Mempool(y.chain, clock.read);
    const spy = spySearches();
    let miner: Miner | undefined;
    try {
      await mineA1(y.chain, clock);
      const quiet = await quietPayTo(y.chain, mempool, clock.now, 'refresh-miner', 0);
      miner = new Miner({
        chain: y.chain,
        mempool,
        payTo: quiet,
        clock: clock.read,
        threads: 1,
        kernel: ABORTED_KERNEL,
        refreshMs: 60_000,
      });
      await miner.start();
      await waitFor(() => spy.calls.length === 1 && miner!.status().totalHashes > 0, 10_000, 'the first round');
      const a1 = y.chain.readBlock(y.chain.tip);
      const [cb] = coinsOf(a1.txs[0]!, 1, rival);
      const tx = signSpend({
        inputs: [cb!],
        outputs: [payTo(rival, cb!.coin.value - 10_000n)],
        genesisHash: params.genesisHash,
      });
      expect(await mempool.accept(tx)).toMatchObject({ accepted: true, fee: 10_000n });

      await waitFor(() => spy.calls.length >= 2, 10_000, 'a refreshed round');
      expect(await spy.calls[0]!.result).toMatchObject({ found: false, aborted: true });
      const expected = templateBlock(await buildTemplate(y.chain, mempool, quiet, clock.now), 0n);
      expect(expected.txs).toHaveLength(2);
      expect(equalBytes(decodeHeader(spy.calls[1]!.header).merkleRoot, expected.header.merkleRoot)).toBe(true);
      await miner.stop();
    } finally {
      spy.restore();
      await miner?.close();
      await y.close();
    }
  });
});
