/**
 * The chain's gate for blocks nobody asked for (`unsolicited`, what gossip says): a block that
 * would leave its branch with less work than the tip is answered `less-work` and neither stored
 * nor announced, as bitcoind's AcceptBlock does. It is measured against the tip under the chain
 * lock, so it holds for whatever the tip is when the block's turn comes. Blocks a node asked for
 * (sync, orphan ancestry) and blocks from RPC or the miner are not gated.
 */
import { ChainHarness } from './harness.js';

let h: ChainHarness;
beforeEach(async () => {
  h = await ChainHarness.create();
  await h.extend('a', 'genesis', 3);
});
afterEach(() => h.close());

const unsolicited = (name: string) => h.chain.processBlock(h.get(name).block, { unsolicited: true, source: 'peer' });

test('less work than the tip: less-work, not stored, nothing announced', async () => {
  h.block('s2', 'a1');
  h.clearEvents();
  expect(await unsolicited('s2')).toEqual({ status: 'less-work', hash: h.get('s2').hash });
  expect(h.entry('s2')).toBeUndefined();
  expect(h.inOrphanPool('s2')).toBe(false);
  expect(h.events).toEqual([]);
});

test('equal work is stored on the side (the first seen tip stays); more work connects', async () => {
  h.block('s3', 'a2');
  h.block('s4', 's3');
  expect(await unsolicited('s3')).toMatchObject({ status: 'stored', height: 3 });
  h.expectTip('a3');
  expect(await unsolicited('s4')).toMatchObject({ status: 'connected', height: 4 });
  h.expectTip('s4');
});

test('asked-for blocks are not gated: the same less-work block from sync or RPC is stored', async () => {
  h.block('s2', 'a1');
  expect(await h.chain.processBlock(h.get('s2').block, { source: 'sync' })).toMatchObject({ status: 'stored' });
  expect(h.entry('s2')).toBeDefined();
});

test('an unknown parent is not judged: the block waits as an orphan', async () => {
  h.block('o2', 'a1');
  h.block('o3', 'o2');
  expect(await unsolicited('o3')).toMatchObject({ status: 'orphan', missing: h.get('o2').hash });
});

test('measured against the tip when the block gets the lock, not when it was handed in', async () => {
  h.block('a4', 'a3');
  h.block('s4', 'a3');
  h.block('a5', 'a4');
  // Both are queued before either runs: by s4's turn, a4 and a5 have made the tip heavier.
  const [main, side] = await Promise.all([
    h.chain.processBlocks([{ block: h.get('a4').block }, { block: h.get('a5').block }]),
    unsolicited('s4'),
  ]);
  expect(main.map((r) => r.status)).toEqual(['connected', 'connected']);
  expect(side).toMatchObject({ status: 'less-work' });
  expect(h.entry('s4')).toBeUndefined();
});

test('a block already known is a duplicate before any gate', async () => {
  expect(await unsolicited('a2')).toEqual({ status: 'duplicate', hash: h.get('a2').hash });
});
