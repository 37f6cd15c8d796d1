/**
 * EarlyVerdicts on a real Chain: the gossip validator may ACCEPT a block as soon as the chain has
 * validated it into the main chain (before its state is written), and must otherwise get the
 * chain's final answer — for a duplicate, an orphan, an invalid block, a side block — so nothing
 * is relayed that was not fully validated.
 */
import { RejectCode } from '../../src/consensus/errors.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { EarlyVerdicts, type Verdict } from '../../src/net/early-verdict.js';
import { regrind, regtest } from '../helpers/mine.js';
import { payTo } from '../helpers/tx.js';
import { ChainHarness } from '../chain/harness.js';
import { COIN, COINBASE_MATURITY, corruptSignature } from '../chain/payments.js';

let h: ChainHarness;
let verdicts: EarlyVerdicts;
beforeEach(async () => {
  h = await ChainHarness.create();
  verdicts = new EarlyVerdicts(h.chain);
  await h.extend('a', 'genesis', 2);
});
afterEach(async () => {
  verdicts.close();
  await h.close();
});

/** What the gossip validator does: key by the internal-order hex of the header hash. */
const run = (name: string): Promise<Verdict> =>
  verdicts.run(bytesToHex(h.get(name).hash), () => h.submit(name, 'peer'));

async function expectFinal(name: string): Promise<unknown> {
  const v = await run(name);
  if (v.validated) throw new Error(`${name} was reported validated`);
  return v.result;
}

test('a valid block extending the tip: validated first, before its state is written; done says connected', async () => {
  h.block('a3', 'a2');
  const v = await run('a3');
  expect(v.validated).toBe(true);
  if (!v.validated) return;
  // Reported while the write is still under way: the tip has not moved yet.
  h.expectTip('a2');
  expect(await v.done).toEqual({ status: 'connected', hash: h.get('a3').hashHex, height: 3, mainChain: true });
  h.expectTip('a3');
});

test('a block that wins a reorg is validated too', async () => {
  h.block('b1', 'a1');
  h.block('b2', 'b1');
  expect(await expectFinal('b1')).toMatchObject({ status: 'connected', mainChain: false });
  const v = await run('b2');
  expect(v.validated).toBe(true);
  if (v.validated) expect(await v.done).toMatchObject({ status: 'connected', mainChain: true });
  h.expectTip('b2');
});

test('a duplicate, an orphan, a side block: the final answer, never validated', async () => {
  expect(await expectFinal('a2')).toEqual({ status: 'duplicate', hash: h.get('a2').hashHex });
  h.block('o1', 'a2');
  h.block('o2', 'o1');
  expect(await expectFinal('o2')).toEqual({
    status: 'orphan',
    hash: h.get('o2').hashHex,
    missing: h.get('o1').hashHex,
  });
  expect(await expectFinal('o2')).toEqual({ status: 'duplicate', hash: h.get('o2').hashHex });
  // Equal work with the tip: stored on the side, not connected, so not relayed early.
  h.block('s2', 'a1');
  expect(await expectFinal('s2')).toMatchObject({ status: 'connected', mainChain: false });
});

test('invalid blocks: proof of work, a bad signature, its descendant, a coinbase overpaying, a known-invalid one', async () => {
  await h.extend('c', 'a2', COINBASE_MATURITY);
  const coin = h.get('a1').coinbase[0]!;
  h.block('x', h.tipName()!, { txs: [corruptSignature(h.spend([coin], [payTo(h.miner, 50n * COIN)]))] });
  h.block('x2', 'x');
  h.block('y', h.tipName()!, { coinbaseValue: 50n * COIN + 1n });
  const tip = h.get(h.tipName()!);
  h.named('hh', regrind(h.block('hh', tip.name).block, regtest, false), tip.height + 1);
  expect(await expectFinal('hh')).toMatchObject({ status: 'invalid', code: RejectCode.HighHash });
  expect(await expectFinal('x')).toMatchObject({ status: 'invalid', code: RejectCode.BadSignature });
  expect(await expectFinal('x2')).toMatchObject({ status: 'invalid', code: RejectCode.PrevBlockInvalid });
  expect(await expectFinal('y')).toMatchObject({ status: 'invalid', code: RejectCode.CoinbaseAmount });
  expect(await expectFinal('x')).toMatchObject({ status: 'invalid', code: RejectCode.BadSignature });
});

test('the same block in flight twice: the first run is validated, the second gets duplicate', async () => {
  h.block('a3', 'a2');
  const [first, second] = await Promise.all([run('a3'), run('a3')]);
  expect(first.validated).toBe(true);
  expect(second).toEqual({ validated: false, result: { status: 'duplicate', hash: h.get('a3').hashHex } });
  if (first.validated) expect(await first.done).toMatchObject({ status: 'connected', mainChain: true });
});

test('a process that throws makes run throw, and leaves no waiter behind for the next run of that block', async () => {
  h.block('a3', 'a2');
  const hashHex = bytesToHex(h.get('a3').hash);
  await expect(verdicts.run(hashHex, () => Promise.reject(new Error('disk gone')))).rejects.toThrow('disk gone');
  const v = await run('a3');
  expect(v.validated).toBe(true);
  if (v.validated) await v.done;
});

test('after close, runs get only the final answer', async () => {
  verdicts.close();
  h.block('a3', 'a2');
  expect(await expectFinal('a3')).toMatchObject({ status: 'connected', mainChain: true });
});
