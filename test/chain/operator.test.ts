/**
 * invalidateBlock / reconsiderBlock (the operator's invalidateblock and reconsiderblock): the tip
 * moves back to the best chain without the block, and forward again when it is reconsidered.
 */
import { BlockStatus } from '../../src/chain/index.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { regtest } from '../helpers/mine.js';
import { ChainHarness } from './harness.js';

let h: ChainHarness;
beforeEach(async () => {
  h = await ChainHarness.create();
  await h.extend('a', 'genesis', 5);
});
afterEach(() => h.close());

const invalidate = (name: string) => h.chain.invalidateBlock(h.get(name).hash);
const reconsider = (name: string) => h.chain.reconsiderBlock(h.get(name).hash);

test('invalidating a main-chain block moves the tip to its parent; reconsidering moves it back', async () => {
  const utxo = await h.utxoHash();
  h.clearEvents();
  await invalidate('a3');
  h.expectTip('a2');
  expect(h.entry('a3')).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.Invalidated });
  for (const n of ['a4', 'a5'])
    expect(h.entry(n)).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.PrevBlockInvalid });
  expect(h.events).toEqual([
    { type: 'disconnect', name: 'a5' },
    { type: 'disconnect', name: 'a4' },
    { type: 'disconnect', name: 'a3' },
    { type: 'reorg', fork: 'a2', disconnected: ['a5', 'a4', 'a3'], connected: [] },
    { type: 'tip', name: 'a2' },
    { type: 'block-invalid', name: 'a3', code: RejectCode.Invalidated },
  ]);
  // Offered again, the block is known invalid.
  await h.reject('a4', RejectCode.PrevBlockInvalid);

  h.clearEvents();
  await reconsider('a3');
  h.expectTip('a5');
  for (const n of ['a3', 'a4', 'a5']) expect(h.entry(n)).toMatchObject({ status: BlockStatus.Valid, invalidCode: '' });
  expect(h.events.filter((e) => e.type === 'connect').map((e) => (e as { name: string }).name)).toEqual([
    'a3',
    'a4',
    'a5',
  ]);
  expect(await h.utxoHash()).toBe(utxo);
});

test('the tip falls back to the best other branch, and returns on reconsider', async () => {
  await h.extend('b', 'genesis', 4, false);
  for (const n of ['b1', 'b2', 'b3', 'b4']) await h.accept(n, false);
  await invalidate('a2');
  h.expectTip('b4');
  await reconsider('a2');
  h.expectTip('a5');
});

test('an invalidated side block keeps its descendants off the main chain, even heavier ones', async () => {
  await h.extend('b', 'genesis', 4, false);
  for (const n of ['b1', 'b2', 'b3', 'b4']) await h.accept(n, false);
  await invalidate('b3');
  h.expectTip('a5');
  h.block('b5', 'b4');
  h.block('b6', 'b5');
  await h.reject('b5', RejectCode.PrevBlockInvalid);
  await h.reject('b6', RejectCode.PrevBlockInvalid);
  h.expectTip('a5');
  await reconsider('b3');
  h.expectTip('b6');
});

test('an invalidation survives a restart', async () => {
  await invalidate('a4');
  await h.reopen();
  h.expectTip('a3');
  expect(h.entry('a4')).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.Invalidated });
  await reconsider('a4');
  h.expectTip('a5');
  await h.reopen();
  h.expectTip('a5');
});

test('reconsidering a descendant reconnects the invalidated ancestor too, and clears its mark', async () => {
  await invalidate('a3');
  await reconsider('a5');
  h.expectTip('a5');
  for (const n of ['a3', 'a4', 'a5']) expect(h.entry(n)).toMatchObject({ status: BlockStatus.Valid, invalidCode: '' });
  await h.reopen();
  expect(h.entry('a3')).toMatchObject({ status: BlockStatus.Valid, invalidCode: '' });
});

test('reconsidering a block that breaks a rule finds it invalid again', async () => {
  h.block('x', 'a5', { coinbaseValue: 50n * 100_000_000n + 1n });
  await h.reject('x', RejectCode.CoinbaseAmount);
  await reconsider('x');
  h.expectTip('a5');
  expect(h.entry('x')).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.CoinbaseAmount });
});

test('genesis cannot be invalidated, and an unknown hash is refused', async () => {
  await expect(h.chain.invalidateBlock(regtest.genesisHash)).rejects.toBeInstanceOf(RangeError);
  await expect(h.chain.invalidateBlock(new Uint8Array(32).fill(9))).rejects.toMatchObject({ code: 'not-found' });
  await expect(h.chain.reconsiderBlock(new Uint8Array(32).fill(9))).rejects.toMatchObject({ code: 'not-found' });
  h.expectTip('a5');
});

describe('reindex keeps operator decisions', () => {
  test('a block invalidated by the operator stays invalid, with its descendants, after reindex', async () => {
    const h = await ChainHarness.create();
    try {
      await h.extend('a', 'genesis', 5);
      await h.chain.invalidateBlock(h.get('a3').hash);
      expect(h.tipName()).toBe('a2');
      await h.reindex();
      expect(h.tipName()).toBe('a2');
      expect(h.chain.entry(h.get('a3').hash)!.status).toBe(BlockStatus.Invalid);
      expect(h.chain.entry(h.get('a5').hash)!.status).toBe(BlockStatus.Invalid);
    } finally {
      await h.close();
    }
  });
});
