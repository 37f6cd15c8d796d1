/**
 * The block topic's gossip validator on a real Chain. It ACCEPTs (forwards) a block as soon as the
 * chain has validated it onto the main chain, through the processBlock call's own onValidated,
 * before its state is written; every other answer is the chain's final one, turned into IGNORE
 * (harmless: duplicate, orphan, side branch, less work, too early) or REJECT (the sender pays).
 * Nothing is forwarded that was not fully validated, and each call gets the verdict on its own
 * call, even when the same block is in flight twice.
 */
import { BlockStatus } from '../../src/chain/index.js';
import { encodeBlock } from '../../src/consensus/block.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { GossipActionError } from '../../src/net/gossip.js';
import { BlockGossipValidator } from '../../src/net/gossip-validators.js';
import { ChainHarness, internals } from '../chain/harness.js';
import { COIN, COINBASE_MATURITY, corruptSignature } from '../chain/payments.js';
import { regrind, regtest } from '../helpers/mine.js';
import { payTo } from '../helpers/tx.js';

let h: ChainHarness;
let validator: BlockGossipValidator;
let fetched: string[];
let errors: Error[];
beforeEach(async () => {
  h = await ChainHarness.create();
  fetched = [];
  errors = [];
  validator = new BlockGossipValidator(h.chain, {
    fetchAncestry: (from) => fetched.push(from),
    orphanRefused: () => undefined,
    onError: (err) => errors.push(err),
  });
  await h.extend('a', 'genesis', 2);
});
afterEach(() => h.close());

/** ACCEPT, or the action and code of the GossipActionError the validator threw. */
async function verdict(name: string, from = 'peer-1'): Promise<string> {
  try {
    await validator.validate(encodeBlock(h.get(name).block), from);
    return 'accept';
  } catch (err) {
    if (!(err instanceof GossipActionError)) throw err;
    return `${err.action} ${err.code}`;
  }
}

/** Every task queued on the chain so far has finished: the writes of accepted blocks included. */
const settled = () => h.chain.withLock(async () => undefined);

test('a valid block extending the tip: accepted before its state is written', async () => {
  h.block('a3', 'a2');
  expect(await verdict('a3')).toBe('accept');
  // Accepted while the write is still under way: the tip has not moved yet.
  h.expectTip('a2');
  await settled();
  h.expectTip('a3');
  expect(errors).toEqual([]);
});

test('a block that wins a reorg is accepted too; its tied parent was not', async () => {
  h.block('b2', 'a1');
  h.block('b3', 'b2');
  // Equal work with the tip: stored on the side, not relayed.
  expect(await verdict('b2')).toBe('ignore side-branch');
  expect(await verdict('b3')).toBe('accept');
  await settled();
  h.expectTip('b3');
});

test('a duplicate, an orphan (its sender asked for the ancestry), the orphan again', async () => {
  expect(await verdict('a2')).toBe('ignore duplicate');
  h.block('o1', 'a2');
  h.block('o2', 'o1');
  expect(await verdict('o2', 'peer-9')).toBe('ignore orphan');
  expect(fetched).toEqual(['peer-9']);
  expect(await verdict('o2')).toBe('ignore duplicate');
  expect(fetched).toEqual(['peer-9']);
});

test('less work than the tip: ignored, not stored, no ancestry asked for', async () => {
  await h.extend('c', 'a2', 2);
  h.block('s2', 'a1');
  expect(await verdict('s2')).toBe('ignore less-work');
  expect(h.entry('s2')).toBeUndefined();
  expect(fetched).toEqual([]);
});

test('a block whose time is too far ahead: ignored (it may be valid later), not stored', async () => {
  h.block('f3', 'a2', { timeDelta: 3 * 3600 });
  h.clock.now = h.get('a2').time;
  expect(await verdict('f3')).toBe(`ignore ${RejectCode.TimeTooNew}`);
  expect(h.entry('f3')).toBeUndefined();
});

test('invalid blocks are rejected: proof of work, a bad signature, its descendant, a coinbase overpaying, a known-invalid one', async () => {
  await h.extend('c', 'a2', COINBASE_MATURITY);
  const coin = h.get('a1').coinbase[0]!;
  const tip = h.tipName()!;
  h.block('x', tip, { txs: [corruptSignature(h.spend([coin], [payTo(h.miner, 50n * COIN)]))] });
  h.block('x2', 'x');
  h.block('y', tip, { coinbaseValue: 50n * COIN + 1n });
  h.named('hh', regrind(h.block('hh', tip).block, regtest, false), h.get(tip).height + 1);
  expect(await verdict('hh')).toBe(`reject ${RejectCode.HighHash}`);
  expect(await verdict('x')).toBe(`reject ${RejectCode.BadSignature}`);
  expect(await verdict('x2')).toBe(`reject ${RejectCode.PrevBlockInvalid}`);
  expect(await verdict('y')).toBe(`reject ${RejectCode.CoinbaseAmount}`);
  expect(await verdict('x')).toBe(`reject ${RejectCode.BadSignature}`);
  h.expectTip(tip);
});

test('bytes that are not a block are rejected as undecodable', async () => {
  const err = await validator.validate(Uint8Array.of(1, 2, 3), 'peer-1').catch((e: unknown) => e);
  expect(err).toMatchObject({ action: 'reject', code: RejectCode.Undecodable });
});

test('the same block in flight twice: each call gets the verdict on its own call', async () => {
  h.block('a3', 'a2');
  const [first, second] = await Promise.all([verdict('a3'), verdict('a3')]);
  expect([first, second]).toEqual(['accept', 'ignore duplicate']);
  await settled();
  h.expectTip('a3');
});

/**
 * Offer a3 while the chain's next `n` batches fail as a full disk would: the validator accepts it
 * (every rule held before the write), the write's failure goes to onError, and the tip stays.
 */
async function acceptWhileWritesFail(n: number): Promise<void> {
  h.block('a3', 'a2');
  const { store } = internals(h.chain);
  const batch = store.batch.bind(store);
  let left = n;
  store.batch = (ops) => (left-- > 0 ? Promise.reject(new Error('disk full')) : batch(ops));
  expect(await verdict('a3')).toBe('accept');
  await settled();
  expect(errors.map((e) => e.message)).toEqual(['disk full']);
  h.expectTip('a2');
}

describe('a write that fails after the block was accepted is our fault: an error, nobody penalised', () => {
  test('once: the block is still stored (the end of the call writes it) and connects at the next activation', async () => {
    await acceptWhileWritesFail(1);
    expect(h.entry('a3')?.status).toBe(BlockStatus.DataStored);
    await h.chain.activate();
    h.expectTip('a3');
  });

  test('for good: nothing of the block stays in memory that is not on disk; offered again, it connects', async () => {
    await acceptWhileWritesFail(2);
    expect(h.entry('a3')).toBeUndefined();
    expect(await verdict('a3')).toBe('accept');
    await settled();
    h.expectTip('a3');
  });
});

test('a chain with its queue full: the block is ignored (nobody is penalised), and taken when offered again', async () => {
  await h.close();
  h = await ChainHarness.create({ maxQueuedTasks: 1 });
  validator = new BlockGossipValidator(h.chain, {
    fetchAncestry: (from) => fetched.push(from),
    orphanRefused: () => undefined,
    onError: (err) => errors.push(err),
  });
  h.block('a1', 'genesis');
  let release!: () => void;
  const holding = h.chain.withLock(() => new Promise<void>((r) => (release = r)));
  expect(await verdict('a1')).toBe('ignore busy');
  release();
  await holding;
  expect(errors).toEqual([]);
  expect(await verdict('a1')).toBe('accept');
});
