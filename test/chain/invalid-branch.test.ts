/**
 * A heavier branch with an invalid block at depth k: the chain ends on the best valid chain, the
 * invalid block and all its descendants are marked invalid (by hash, on disk), and offering any of
 * them again is answered from the index without validating anything.
 */
import { BlockStatus } from '../../src/chain/index.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { txid } from '../../src/consensus/tx.js';
import { networks } from '../../src/consensus/params/networks.js';
import { testKey } from '../helpers/keys.js';
import { signSpend, payTo } from '../helpers/tx.js';
import { ChainHarness } from './harness.js';

const COIN = 100_000_000n;
const COINBASE_MATURITY = 100;
const alice = testKey('alice');
const bob = testKey('bob');

let h: ChainHarness;
beforeEach(async () => {
  h = await ChainHarness.create();
  // c1's coinbase can be spent from the block after c101.
  await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
});
afterEach(() => h.close());

/** Build `prefix1..n` on `parent`; block i gets opts(i). */
function branch(
  prefix: string,
  parent: string,
  n: number,
  opts: (i: number) => Parameters<ChainHarness['block']>[2] = () => ({}),
): string[] {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    h.block(`${prefix}${i}`, i === 1 ? parent : `${prefix}${i - 1}`, opts(i));
    out.push(`${prefix}${i}`);
  }
  return out;
}

function expectInvalid(name: string, code: RejectCode): void {
  const e = h.entry(name);
  expect(e?.status).toBe(BlockStatus.Invalid);
  expect(e?.invalidCode).toBe(code);
}

/** Resubmitting a known-invalid block: answered from the index, no signature verified, no event. */
async function expectKnownInvalid(name: string, code: RejectCode): Promise<void> {
  const calls = h.verifier.calls;
  const events = h.events.length;
  expect(await h.submit(name)).toMatchObject({ status: 'invalid', code });
  expect(h.verifier.calls).toBe(calls);
  expect(h.events.length).toBe(events);
}

test('a bad signature at depth 3 of a heavier branch: the reorg is dropped whole and the branch marked from there', async () => {
  await h.extend('a', 'c101', 5);
  const before = await h.utxoHash();
  // Signed over another network's genesis: canonical, but not valid for this chain's digest.
  const badSig = signSpend({
    inputs: [h.get('c1').coinbase[0]!],
    outputs: [payTo(alice, 50n * COIN)],
    genesisHash: networks.testnet.genesisHash,
  });
  const b = branch('b', 'c101', 6, (i) => (i === 3 ? { txs: [badSig] } : {}));
  for (const n of b.slice(0, 5)) await h.accept(n, false);
  h.clearEvents();

  expect(await h.submit('b6')).toMatchObject({ status: 'invalid', code: RejectCode.PrevBlockInvalid });
  h.expectTip('a5');
  expect(h.events).toEqual([{ type: 'block-invalid', name: 'b3', code: RejectCode.BadSignature }]);
  expect(await h.utxoHash()).toBe(before);
  expectInvalid('b3', RejectCode.BadSignature);
  for (const n of ['b4', 'b5', 'b6']) expectInvalid(n, RejectCode.PrevBlockInvalid);
  for (const n of ['b1', 'b2']) expect(h.entry(n)!.status).toBe(BlockStatus.DataStored);

  await expectKnownInvalid('b3', RejectCode.BadSignature);
  await expectKnownInvalid('b6', RejectCode.PrevBlockInvalid);
  // A new child of the invalid branch is stored as invalid at once.
  h.block('b7', 'b6');
  await h.reject('b7', RejectCode.PrevBlockInvalid);
  expectInvalid('b7', RejectCode.PrevBlockInvalid);
  h.expectTip('a5');

  // The marks are on disk.
  await h.reopen();
  h.expectTip('a5');
  expectInvalid('b3', RejectCode.BadSignature);
  expectInvalid('b7', RejectCode.PrevBlockInvalid);
  await expectKnownInvalid('b5', RejectCode.PrevBlockInvalid);
});

test('a double spend in block 3 of the branch (of a coin block 1 spent) ends the reorg on the old chain', async () => {
  await h.extend('a', 'c101', 4);
  const c1 = h.get('c1').coinbase[0]!;
  const b = branch('b', 'c101', 5, (i) => {
    if (i === 1) return { txs: [h.spend([c1], [payTo(alice, 50n * COIN)])] };
    if (i === 3) return { txs: [h.spend([c1], [payTo(bob, 50n * COIN)])] };
    return {};
  });
  for (const n of b.slice(0, 4)) await h.accept(n, false);
  await h.reject('b5', RejectCode.PrevBlockInvalid);
  h.expectTip('a4');
  expectInvalid('b3', RejectCode.InputsMissingOrSpent);
  expectInvalid('b5', RejectCode.PrevBlockInvalid);
  // The valid prefix b1..b2 is still usable: a branch that forks off b2 can win.
  const d = branch('d', 'b2', 3);
  for (const n of d.slice(0, 2)) await h.accept(n, false);
  await h.accept('d3');
  h.expectTip('d3');
});

test('a branch that spends a coin only the losing branch created is invalid there', async () => {
  const pay = h.spend([h.get('c1').coinbase[0]!], [payTo(alice, 50n * COIN)]);
  h.block('a1', 'c101', { txs: [pay] });
  await h.accept('a1');
  const aliceCoin = {
    outpoint: { txid: txid(pay), index: 0 },
    coin: { ...pay.outputs[0]!, height: h.get('a1').height, coinbase: false },
    key: alice,
  };
  const b = branch('b', 'c101', 3, (i) => (i === 2 ? { txs: [h.spend([aliceCoin], [payTo(bob, 50n * COIN)])] } : {}));
  await h.accept(b[0]!, false);
  await h.reject(b[1]!, RejectCode.InputsMissingOrSpent);
  await h.reject(b[2]!, RejectCode.PrevBlockInvalid);
  h.expectTip('a1');
});

test('when the valid prefix of the branch is heavier, the chain ends on it', async () => {
  await h.extend('a', 'c101', 2);
  const c1 = h.get('c1').coinbase[0]!;
  const b = branch('b', 'c101', 5, (i) => (i === 4 ? { txs: [h.spend([c1], [payTo(bob, 51n * COIN)])] } : {}));
  // Delivered newest first: all wait as orphans until b1 arrives, then connect in one go.
  for (const n of b.slice(1).reverse()) expect(await h.submit(n)).toMatchObject({ status: 'orphan' });
  await h.accept('b1', false);
  h.expectTip('b3');
  expectInvalid('b4', RejectCode.InBelowOut);
  expectInvalid('b5', RejectCode.PrevBlockInvalid);
  expect(h.chain.stats().orphans).toBe(0);
  expect(h.events.filter((e) => e.type === 'block-invalid')).toEqual([
    { type: 'block-invalid', name: 'b4', code: RejectCode.InBelowOut },
    { type: 'block-invalid', name: 'b5', code: RejectCode.PrevBlockInvalid },
  ]);
});
