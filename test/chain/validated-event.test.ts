/**
 * The 'validated' event: the network relays a block as soon as it is heard (before its state is
 * written), so it must come for every block that passed every rule on its way into the main chain,
 * before that block's 'connect' and 'tip', and never for a block that failed, a side block, a dry
 * run or an orphan still waiting.
 */
import type { ChainEntry } from '../../src/chain/index.js';
import { keys } from '../../src/chain/layout.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { ChainHarness, internals } from './harness.js';
import { COINBASE_MATURITY, corruptSignature, paymentRun } from './payments.js';
import { payTo } from '../helpers/tx.js';

let h: ChainHarness;
/** The chain's events as 'kind name' lines, 'validated' included (the harness log leaves it out). */
let log: string[];
beforeEach(async () => {
  h = await ChainHarness.create();
  listen(h);
});
afterEach(() => h.close());

function listen(harness: ChainHarness): void {
  log = [];
  const c = harness.chain;
  c.on('validated', (e) => log.push(`validated ${h.nameOf(e.hash)}`));
  c.on('connect', (e) => log.push(`connect ${h.nameOf(e.entry.hash)}`));
  c.on('disconnect', (e) => log.push(`disconnect ${h.nameOf(e.entry.hash)}`));
  c.on('tip', (e) => log.push(`tip ${h.nameOf(e.hash)}`));
  c.on('reorg', (e) => log.push(`reorg ${h.nameOf(e.fork.hash)}`));
  c.on('block-invalid', (e) => log.push(`invalid ${h.nameOf(e.hash)} ${e.code}`));
  c.on('orphan', (e) => log.push(`orphan ${h.nameOf(e.hash)}`));
}

const extended = (...names: string[]) => names.flatMap((n) => [`validated ${n}`, `connect ${n}`, `tip ${n}`]);
/**
 * The pipelined extension's order for a run of blocks: block N+1 is validated once block N's
 * signatures passed and before block N is on disk, so 'validated N+1' comes just before
 * 'connect N' and 'tip N'; connects and tips stay in chain order, each after its own 'validated'.
 */
const pipelined = (...names: string[]) => [
  `validated ${names[0]}`,
  ...names.flatMap((n, i) => [
    ...(i + 1 < names.length ? [`validated ${names[i + 1]}`] : []),
    `connect ${n}`,
    `tip ${n}`,
  ]),
];
const items = (names: string[]) => names.map((n) => ({ block: h.get(n).block }));

test('processBlock extending the tip: validated, then connect and tip', async () => {
  await h.extend('a', 'genesis', 2);
  expect(log).toEqual(extended('a1', 'a2'));
});

test("at 'validated' the block's state is not yet on disk nor the tip; at 'connect' it is", async () => {
  const seen: string[] = [];
  const { store } = internals(h.chain);
  const state = (entry: ChainEntry, coinbaseTxid: Uint8Array) =>
    `tip=${h.chain.tip === entry} coin=${store.get(keys.coin(coinbaseTxid, 0)) !== undefined} undo=${store.get(keys.undo(entry.hash)) !== undefined}`;
  h.chain.on('validated', (e) => seen.push(`validated ${state(e, h.chain.readBlock(e).txids[0]!)}`));
  h.chain.on('connect', (e) => seen.push(`connect ${state(e.entry, e.txids[0]!)}`));
  await h.extend('a', 'genesis', 1);
  expect(seen).toEqual(['validated tip=false coin=false undo=false', 'connect tip=true coin=true undo=true']);
});

test('processBlocks at depth 1: each block validated before its connect and tip, at most one block ahead of the disk', async () => {
  await h.close();
  h = await ChainHarness.create({ pipelineDepth: 1 });
  listen(h);
  await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
  const run = paymentRun(h, 'p', 'c101', 3);
  log.length = 0;
  await h.chain.processBlocks(items(run));
  expect(log).toEqual(pipelined(...run));
});

test.each([2, 3, 5])(
  'processBlocks at depth %i: chain order kept, each block validated before its connect, at most depth + 1 ahead of the disk',
  async (depth) => {
    await h.close();
    h = await ChainHarness.create({ pipelineDepth: depth });
    listen(h);
    await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
    const run = paymentRun(h, 'p', 'c101', 12);
    log.length = 0;
    await h.chain.processBlocks(items(run));
    const of = (kind: string) => log.filter((l) => l.startsWith(`${kind} `)).map((l) => l.split(' ')[1]);
    expect(of('validated')).toEqual(run);
    expect(of('connect')).toEqual(run);
    expect(of('tip')).toEqual(run);
    let lead = 0;
    let most = 0;
    for (const line of log) {
      const [kind, name] = line.split(' ');
      if (kind === 'validated') most = Math.max(most, ++lead);
      if (kind === 'connect') {
        lead--;
        expect(log.indexOf(`validated ${name}`)).toBeLessThan(log.indexOf(line));
        expect(log[log.indexOf(line) + 1]).toBe(`tip ${name}`);
      }
    }
    expect(lead).toBe(0);
    expect(most).toBeLessThanOrEqual(depth + 1);
    expect(most).toBeGreaterThan(1);
  },
);

test('a reorg: every block of the new branch validated, before anything is disconnected', async () => {
  await h.extend('a', 'genesis', 1);
  h.block('b1', 'genesis');
  h.block('b2', 'b1');
  await h.accept('b1', false);
  // A side block with less work: nothing to hear.
  expect(log).toEqual(extended('a1'));
  log.length = 0;
  await h.accept('b2');
  expect(log).toEqual([
    'validated b1',
    'validated b2',
    'disconnect a1',
    'connect b1',
    'connect b2',
    'reorg genesis',
    'tip b2',
  ]);
});

test('orphans: nothing while they wait; validated one by one as they connect', async () => {
  await h.extend('a', 'genesis', 3, false);
  await h.orphan('a3', 'a2');
  await h.orphan('a2', 'a1');
  expect(log).toEqual(['orphan a3', 'orphan a2']);
  log.length = 0;
  await h.accept('a1');
  expect(log).toEqual(extended('a1', 'a2', 'a3'));
});

test('a dry run validates without a word to listeners', async () => {
  await h.extend('a', 'genesis', 1);
  h.block('a2', 'a1');
  log.length = 0;
  expect(await h.chain.processBlock(h.get('a2').block, { dryRun: true })).toEqual({
    status: 'valid',
    hash: h.get('a2').hash,
    height: 2,
  });
  expect(log).toEqual([]);
});

describe('invalid blocks are never validated', () => {
  beforeEach(async () => {
    await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
    log.length = 0;
  });

  test('processBlock: a bad signature, a bad coinbase amount, a descendant of either', async () => {
    const pay = corruptSignature(h.spend([h.get('c1').coinbase[0]!], [payTo(h.miner, 50n * 100_000_000n)]));
    h.block('x', 'c101', { txs: [pay] });
    h.block('y', 'c101', { coinbaseValue: 50n * 100_000_000n + 1n });
    h.block('x2', 'x');
    await h.reject('x', RejectCode.BadSignature);
    await h.reject('y', RejectCode.CoinbaseAmount);
    await h.reject('x2', RejectCode.PrevBlockInvalid);
    expect(log).toEqual([
      `invalid x ${RejectCode.BadSignature}`,
      `invalid y ${RejectCode.CoinbaseAmount}`,
      `invalid x2 ${RejectCode.PrevBlockInvalid}`,
    ]);
  });

  test('processBlocks: blocks before a bad signature are validated, it and its descendants not', async () => {
    const run = paymentRun(h, 'p', 'c101', 4, { corrupt: 3 });
    await h.chain.processBlocks(items(run));
    expect(log).toEqual([...pipelined('p1', 'p2'), `invalid p3 ${RejectCode.BadSignature}`]);
  });

  test('a heavier branch with a bad signature at depth 3: neither it nor its descendants, and no connect', async () => {
    await h.extend('a', 'c101', 3);
    const b = paymentRun(h, 'b', 'c101', 5, { corrupt: 3 });
    for (const n of b.slice(0, 3)) await h.accept(n, false);
    log.length = 0;
    await h.chain.processBlocks(items(b.slice(3)));
    h.expectTip('a3');
    expect(log.filter((l) => /^validated b[345]$/.test(l))).toEqual([]);
    expect(log.filter((l) => /^(connect|disconnect|tip|reorg) /.test(l))).toEqual([]);
    expect(log).toContain(`invalid b3 ${RejectCode.BadSignature}`);
  });
});

describe('onValidated: the verdict belongs to the call that handed the block in', () => {
  test('each block of a batch calls its own callback, once, before its connect; side and invalid blocks never', async () => {
    await h.extend('c', 'genesis', COINBASE_MATURITY + 1);
    const run = paymentRun(h, 'p', 'c101', 4, { corrupt: 4 });
    h.block('s', 'c100');
    log.length = 0;
    const heard: string[] = [];
    const withCallback = (n: string) => ({
      block: h.get(n).block,
      opts: { onValidated: () => heard.push(`${n} (${log.filter((l) => l.startsWith('connect ')).length} connected)`) },
    });
    const results = await h.chain.processBlocks([...run, 's'].map(withCallback));
    expect(results.map((r) => r.status)).toEqual(['connected', 'connected', 'connected', 'invalid', 'stored']);
    // p1 is heard before anything is on disk; p2 once p1's signatures passed, before p1's write lands.
    expect(heard.map((l) => l.split(' ')[0])).toEqual(['p1', 'p2', 'p3']);
    expect(heard[0]).toBe('p1 (0 connected)');
    for (const n of ['p1', 'p2', 'p3']) expect(log.indexOf(`validated ${n}`)).toBeLessThan(log.indexOf(`connect ${n}`));
  });

  test('the same block handed in twice: the call that connects it hears, the other is a duplicate', async () => {
    h.block('a1', 'genesis');
    const heard: string[] = [];
    const submit = (who: string) =>
      h.chain.processBlock(h.get('a1').block, { source: who, onValidated: () => heard.push(who) });
    const [first, second] = await Promise.all([submit('gossip'), submit('sync')]);
    expect([first.status, second.status]).toEqual(['connected', 'duplicate']);
    expect(heard).toEqual(['gossip']);
  });

  test('a reorg: every block of the winning branch handed in by the call hears, before the disconnects', async () => {
    await h.extend('a', 'genesis', 2);
    h.block('b1', 'genesis');
    h.block('b2', 'b1');
    h.block('b3', 'b2');
    await h.accept('b1', false);
    log.length = 0;
    const heard: string[] = [];
    const item = (n: string) => ({
      block: h.get(n).block,
      opts: { onValidated: () => heard.push(`${n} @${log.length}`) },
    });
    await h.chain.processBlocks([item('b2'), item('b3')]);
    h.expectTip('b3');
    // b1 was stored by an earlier call: it is validated (the event) but that call has its answer.
    expect(log.slice(0, 3)).toEqual(['validated b1', 'validated b2', 'validated b3']);
    expect(heard).toEqual(['b2 @1', 'b3 @2']);
  });
});
