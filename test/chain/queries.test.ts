/**
 * What the chain answers about itself (the layers above ask; they never hold its index, caches or
 * database): entries by hash and height, the main chain, forks and tips, locators and the headers
 * after one, header rules for a child, the orphan pool, the caches' sizes, and the mempool's
 * signature checks through the signature cache.
 */
import { signatureItems } from '../../src/consensus/rules/contextual.js';
import { encodeBlock } from '../../src/consensus/block.js';
import { headerHash } from '../../src/consensus/header.js';
import { ChainError } from '../../src/chain/index.js';
import { regtest } from '../helpers/mine.js';
import { payTo } from '../helpers/tx.js';
import { ChainHarness } from './harness.js';
import { COIN, COINBASE_MATURITY, corruptSignature } from './payments.js';

let h: ChainHarness;
afterEach(() => h.close());

describe('the block index', () => {
  beforeEach(async () => {
    h = await ChainHarness.create();
    await h.extend('a', 'genesis', 4);
    h.block('b3', 'a2');
    await h.accept('b3', false);
  });

  test('entries by hash (any branch) and by height (the main chain)', () => {
    expect(h.chain.entry(h.get('b3').hash)).toMatchObject({ height: 3, hash: h.get('b3').hash });
    expect(h.chain.entry(new Uint8Array(32).fill(7))).toBeUndefined();
    expect(h.chain.atHeight(3)).toBe(h.entry('a3'));
    expect(h.chain.atHeight(5)).toBeUndefined();
    expect(h.chain.isOnMainChain(h.entry('a3')!)).toBe(true);
    expect(h.chain.isOnMainChain(h.entry('b3')!)).toBe(false);
  });

  test('forks and tips', () => {
    expect(h.chain.fork(h.entry('b3')!, h.chain.tip)).toBe(h.entry('a2'));
    expect(h.chain.fork(h.entry('a4')!, h.entry('a1')!)).toBe(h.entry('a1'));
    expect(
      h.chain
        .chainTips()
        .map((e) => h.nameOf(e.hash))
        .sort(),
    ).toEqual(['a4', 'b3']);
  });

  test("a locator from the tip, and the headers after a peer's locator", () => {
    expect(h.chain.locator()).toEqual(['a4', 'a3', 'a2', 'a1', 'genesis'].map((n) => h.get(n).hash));
    const zero = new Uint8Array(32);
    const after = (locator: Uint8Array[], stop: Uint8Array = zero, max = 2_000) =>
      h.chain.headersAfter(locator, stop, max).map((hd) => h.nameOf(headerHash(hd)));
    expect(after([h.get('a2').hash])).toEqual(['a3', 'a4']);
    // A side-branch hash is skipped: the next one on the main chain is the fork.
    expect(after([h.get('b3').hash, h.get('a1').hash])).toEqual(['a2', 'a3', 'a4']);
    // Nothing known: from genesis.
    expect(after([new Uint8Array(32).fill(5)])).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(after([h.get('a1').hash], h.get('a3').hash)).toEqual(['a2', 'a3']);
    expect(after([h.get('a1').hash], zero, 1)).toEqual(['a2']);
  });

  test('header rules for a child: expected bits and median time past', () => {
    expect(h.chain.expectedBitsAfter(h.chain.tip)).toBe(regtest.genesis.header.bits);
    // Median of the last five times (genesis, a1..a4): a2's.
    expect(h.chain.medianTimePast(h.chain.tip)).toBe(h.get('a2').time);
  });

  test("an entry of another chain's index is refused, not trusted", async () => {
    const other = await ChainHarness.sharing(h);
    try {
      await other.accept('a1');
      expect(() => h.chain.isOnMainChain(other.entry('a1')!)).toThrow(ChainError);
      expect(() => h.chain.medianTimePast(other.chain.tip)).toThrow(expect.objectContaining({ code: 'not-found' }));
    } finally {
      await other.close();
    }
  });
});

test('the orphan pool and the memory figures', async () => {
  h = await ChainHarness.create({ coinCacheSize: 1_000, sigCacheSize: 500 });
  await h.extend('a', 'genesis', 3, false);
  await h.submit('a3', 'peer-3');
  expect(h.chain.orphan(h.get('a3').hash)).toEqual({
    hash: h.get('a3').hash,
    parent: h.get('a2').hash,
    source: 'peer-3',
    size: encodeBlock(h.get('a3').block).length,
    received: h.clock.now,
  });
  expect(h.chain.orphan(h.get('a2').hash)).toBeUndefined();
  expect(h.chain.stats()).toEqual({
    blocks: 1,
    orphans: 1,
    orphanBytes: encodeBlock(h.get('a3').block).length,
    coinCache: 0,
    coinCacheCapacity: 1_000,
    signatureCache: 0,
    signatureCacheCapacity: 500,
    queued: 0,
  });
  await h.accept('a1');
  await h.accept('a2');
  h.expectTip('a3');
  expect(h.chain.stats()).toMatchObject({ blocks: 4, orphans: 0, orphanBytes: 0, coinCache: 3 });
});

test('verifySignatures: cached ones pass, the rest are verified together and cached only when all pass', async () => {
  h = await ChainHarness.create();
  await h.extend('c', 'genesis', COINBASE_MATURITY + 3);
  const coins = [1, 2, 3].map((i) => h.get(`c${i}`).coinbase[0]!);
  const good = h.spend(coins.slice(0, 2), [payTo(h.miner, 99n * COIN)]);
  const items = signatureItems(
    good,
    coins.slice(0, 2).map((c) => c.coin),
    regtest.genesisHash,
  );
  h.verifier.calls = 0;
  expect(await h.chain.verifySignatures(items)).toBe(-1);
  expect(h.verifier.calls).toBe(1);
  expect(h.chain.stats().signatureCache).toBe(2);
  expect(await h.chain.verifySignatures(items)).toBe(-1);
  expect(h.verifier.calls).toBe(1);

  // A transaction whose first input is cached and whose second is damaged: the index is the input's.
  const bad = corruptSignature(h.spend([coins[2]!, coins[0]!], [payTo(h.miner, 99n * COIN)]));
  const badItems = signatureItems(
    bad,
    [coins[2]!, coins[0]!].map((c) => c.coin),
    regtest.genesisHash,
  );
  const mixed = [items[0]!, badItems[0]!, badItems[1]!];
  expect(await h.chain.verifySignatures(mixed)).toBe(1);
  expect(h.verifier.calls).toBe(2);
  expect(h.chain.stats().signatureCache).toBe(2);
});
