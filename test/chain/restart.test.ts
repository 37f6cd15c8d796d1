/**
 * Restarts on the same directory: resuming at the tip, verifyChain, reindexChain over a history
 * with reorgs and invalid blocks, damaged state refused with 'corrupt-state' and repaired by a
 * reindex, and databases of another network or schema refused outright.
 */
import { join } from 'node:path';
import { BlockStatus, Chain, ChainError } from '../../src/chain/index.js';
import { keys, u32be, SCHEMA_VERSION } from '../../src/chain/layout.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { networks } from '../../src/consensus/params/networks.js';
import { txid } from '../../src/consensus/tx.js';
import { testKey } from '../helpers/keys.js';
import { regrind, regtest } from '../helpers/mine.js';
import { payTo, signSpend } from '../helpers/tx.js';
import { ChainHarness, internals, tempDir } from './harness.js';

const COIN = 100_000_000n;
const alice = testKey('alice');
const bob = testKey('bob');

let h: ChainHarness;
beforeEach(async () => {
  h = await ChainHarness.create();
});
afterEach(() => h.close());

/** What must survive a restart or a reindex unchanged. */
async function snapshot() {
  return {
    tip: h.tipName(),
    height: h.chain.height,
    utxo: await h.utxoHash(),
    aliceUtxos: (await h.chain.addressUtxos(alice.pkh)).length,
    aliceHistory: await h.chain.addressHistory(alice.pkh),
    bobHistory: await h.chain.addressHistory(bob.pkh),
  };
}

async function openError(p: Promise<unknown>): Promise<ChainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChainError);
  return err as ChainError;
}

/**
 * A history with a reorg (spends on both branches, in conflict), a branch marked invalid for a
 * bad signature, and a block that broke a header rule. Ends on b3.
 */
async function history(): Promise<void> {
  await h.extend('c', 'genesis', 101);
  const c1 = h.get('c1').coinbase[0]!;
  const c2 = h.get('c2').coinbase[0]!;
  h.block('a1', 'c101', { txs: [h.spend([c1], [payTo(alice, 50n * COIN)])] });
  h.block('a2', 'a1', { txs: [h.spend([c2], [payTo(bob, 50n * COIN)])] });
  await h.accept('a1');
  await h.accept('a2');
  const toBob = h.spend([c1], [payTo(bob, 30n * COIN), payTo(alice, 20n * COIN)]);
  h.block('b1', 'c101', { txs: [toBob] });
  h.block('b2', 'b1');
  const back = h.spend(
    [
      {
        outpoint: { txid: txid(toBob), index: 0 },
        coin: { ...toBob.outputs[0]!, height: h.get('b1').height, coinbase: false },
        key: bob,
      },
    ],
    [payTo(alice, 30n * COIN)],
  );
  h.block('b3', 'b2', { txs: [back] });
  await h.accept('b1', false);
  await h.accept('b2', false);
  await h.accept('b3');
  // Invalid on the side: a bad signature, and a child of it.
  const badSig = signSpend({
    inputs: [c2],
    outputs: [payTo(alice, 50n * COIN)],
    genesisHash: networks.testnet.genesisHash,
  });
  h.block('x4', 'b3', { txs: [badSig] });
  await h.reject('x4', RejectCode.BadSignature);
  h.block('x5', 'x4');
  await h.reject('x5', RejectCode.PrevBlockInvalid);
  h.expectTip('b3');
}

/** A child of `parent` with harder bits than regtest's fixed ones: more work, and invalid. */
function hardBits(name: string, parent: string): void {
  const b = h.block(name, parent);
  h.named(name, regrind({ ...b.block, header: { ...b.block.header, bits: b.block.header.bits - 1 } }), b.height);
}

test('a reopened chain resumes at the same tip with the same state', async () => {
  await history();
  const before = await snapshot();
  await h.reopen();
  expect(await snapshot()).toEqual(before);
  expect(h.entry('x4')).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.BadSignature });
  expect(h.entry('a2')!.status).toBe(BlockStatus.Valid);
  // And it carries on from there.
  h.block('b4', 'b3');
  await h.accept('b4');
});

test('verifyChain passes over the last blocks, and fails when a coin of the tip is missing', async () => {
  await history();
  expect(await h.chain.verifyChain(6)).toEqual({ ok: true, checked: 6 });
  expect(await h.chain.verifyChain(1000)).toEqual({ ok: true, checked: h.chain.height });
  const tip = h.get('b3');
  await internals(h.chain).store.batch([{ type: 'del', key: keys.coin(txid(tip.block.txs[1]!), 0) }]);
  expect(await h.chain.verifyChain(6)).toMatchObject({ ok: false, height: tip.height });
  // Start-up compares the whole set with the tip's commitment and names the way out.
  const err = await openError(h.reopen());
  expect(err.code).toBe('corrupt-state');
  expect(err.message).toMatch(/UTXO set does not match.*--reindex-chainstate/);
  await h.reindexChainstate();
  expect(await h.chain.verifyChain(1000)).toEqual({ ok: true, checked: h.chain.height });
});

test('reindexChain rebuilds the same tip, UTXO set and address index from the stored blocks', async () => {
  await history();
  const before = await snapshot();
  await h.reindex();
  expect(await snapshot()).toEqual(before);
  // Blocks found invalid are found invalid again.
  expect(h.entry('x4')).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.BadSignature });
  expect(h.entry('x5')).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.PrevBlockInvalid });
  expect(await h.chain.verifyChain(10)).toEqual({ ok: true, checked: 10 });
});

test('reindexChain does not connect a stored block that broke a header rule', async () => {
  await h.extend('a', 'genesis', 3);
  hardBits('x', 'a3');
  h.block('y', 'x');
  await h.reject('x', RejectCode.BadDiffBits);
  await h.reject('y', RejectCode.PrevBlockInvalid);
  const before = await snapshot();
  await h.reindex();
  expect(await snapshot()).toEqual(before);
  expect(h.entry('x')).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.BadDiffBits });
  expect(h.entry('y')!.status).toBe(BlockStatus.Invalid);
});

test('reindexChain does not connect a stored block that was too old for its median time', async () => {
  await h.extend('a', 'genesis', 3);
  // The median of genesis, a1..a3 is a1's time (the last 11 are all there are).
  h.block('x', 'a3', { timeDelta: h.get('a1').time - h.get('a3').time });
  await h.reject('x', RejectCode.TimeTooOld);
  await h.reindex();
  h.expectTip('a3');
  expect(h.entry('x')).toMatchObject({ status: BlockStatus.Invalid, invalidCode: RejectCode.TimeTooOld });
});

describe('damaged state', () => {
  test("a missing undo record of the tip: 'corrupt-state', repaired by a reindex", async () => {
    await history();
    const before = await snapshot();
    await h.raw((db) => db.del(keys.undo(h.get('b3').hash)));
    expect((await openError(h.reopen())).code).toBe('corrupt-state');
    await h.reindex();
    expect(await snapshot()).toEqual(before);
    expect(await h.chain.verifyChain(5)).toEqual({ ok: true, checked: 5 });
  });

  test.each([
    ['cut short', (u: Uint8Array) => u.subarray(0, u.length - 5)],
    ['one coin short', (u: Uint8Array) => Uint8Array.of(u[0]! - 1, ...u.subarray(1, u.length - 33))],
    ['one coin too many', (u: Uint8Array) => Uint8Array.of(u[0]! + 1, ...u.subarray(1), ...u.subarray(1, 34))],
  ])(
    "an undo record %s: a reorg over it fails with 'corrupt-state' naming --reindex, and changes nothing",
    async (_what, damage) => {
      await history();
      const b3 = h.get('b3');
      await h.raw(async (db) => db.put(keys.undo(b3.hash), damage((await db.get(keys.undo(b3.hash)))!)));
      await h.reopen();
      const before = await snapshot();
      // r1..r3 on a2: heavier than b3, so b3 (whose undo record is damaged) must be disconnected.
      await h.extend('r', 'a2', 3, false);
      const err = await openError(h.chain.processBlocks(['r1', 'r2', 'r3'].map((n) => ({ block: h.get(n).block }))));
      expect(err.code).toBe('corrupt-state');
      expect(err.message).toMatch(/undo record of block .* --reindex/);
      expect(await snapshot()).toEqual(before);
      expect(await h.chain.verifyChain(1)).toMatchObject({ ok: false, height: b3.height });
      await h.reindex();
      expect(await h.chain.verifyChain(5)).toEqual({ ok: true, checked: 5 });
    },
  );

  test("an undo record missing or damaged under a query (getblockstats' spentCoins): 'corrupt-state'", async () => {
    await history();
    const spent = (name: string) => h.chain.spentCoins(h.chain.entry(h.get(name).hash)!);
    expect(spent('b3')).toHaveLength(1);
    expect(h.chain.spentCoins(h.chain.atHeight(0)!)).toEqual([]);
    expect(spent('a2')).toBeUndefined(); // a side branch: not connected, no undo record
    expect(spent('c2')).toEqual([]); // a coinbase alone spends nothing
    await h.raw(async (db) => {
      // c2 is deeper than the 100 blocks start-up checks; b3, the tip, has a record, cut short.
      await db.del(keys.undo(h.get('c2').hash));
      await db.put(keys.undo(h.get('b3').hash), (await db.get(keys.undo(h.get('b3').hash)))!.subarray(0, 10));
    });
    await h.reopen();
    for (const name of ['c2', 'b3']) {
      const err = (() => {
        try {
          spent(name);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ChainError);
      expect(err).toMatchObject({ code: 'corrupt-state', message: expect.stringMatching(/undo record .* --reindex/) });
    }
  });

  test("a missing tip record: 'corrupt-state', repaired by a reindex", async () => {
    await history();
    const before = await snapshot();
    await h.raw((db) => db.del(keys.tip()));
    expect((await openError(h.reopen())).code).toBe('corrupt-state');
    await h.reindex();
    expect(await snapshot()).toEqual(before);
  });

  test("a height index that disagrees with the tip: 'corrupt-state'", async () => {
    await history();
    await h.raw((db) => db.put(keys.height(h.get('b2').height), h.get('a2').hash));
    expect((await openError(h.reopen())).code).toBe('corrupt-state');
    await h.reindex();
    h.expectTip('b3');
  });
});

describe('foreign databases', () => {
  test("a regtest directory opened with testnet params: 'wrong-network'", async () => {
    await h.extend('a', 'genesis', 1);
    await h.chain.close();
    const err = await openError(Chain.open({ ...h.options(), params: networks.testnet }));
    expect(err.code).toBe('wrong-network');
    // Still fine for its own network.
    await h.reopen();
    h.expectTip('a1');
  });

  test("another schema version: 'wrong-schema'", async () => {
    await h.raw((db) => db.put(keys.schema(), u32be(SCHEMA_VERSION + 1)));
    expect((await openError(h.reopen())).code).toBe('wrong-schema');
    // A newer schema is never "upgraded" by a reindex: it stays refused.
    await expect(h.reindex()).rejects.toMatchObject({ code: 'wrong-schema' });
  });

  test('a schema 1 database (address coin copies) is refused with a pointer to --reindex, which upgrades it', async () => {
    await history();
    const before = await snapshot();
    // What schema 1 also wrote: a copy of each coin under its address ('a' pubKeyHash txid index).
    const legacy = Uint8Array.of(0x61, ...alice.pkh, ...new Uint8Array(32).fill(7), 0, 0, 0, 0);
    await h.raw(async (db) => {
      await db.put(keys.schema(), u32be(1));
      await db.put(legacy, new Uint8Array(33));
    });
    const err = await openError(h.reopen());
    expect(err.code).toBe('wrong-schema');
    expect(err.message).toMatch(/--reindex/);
    await h.reindex();
    expect(await snapshot()).toEqual(before);
    expect(internals(h.chain).store.get(keys.schema())).toEqual(u32be(SCHEMA_VERSION));
    expect(internals(h.chain).store.get(legacy)).toBeUndefined();
    await h.reopen();
    h.expectTip('b3');
  });

  test("data without a network record: 'corrupt-state', and the data is left alone", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const location = join(dir, 'db');
      const { ClassicLevel } = await import('classic-level');
      const db = new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
      await db.put(keys.height(0), regtest.genesisHash);
      await db.close();
      const err = await openError(Chain.open({ ...h.options(), location }));
      expect(err.code).toBe('corrupt-state');
    } finally {
      cleanup();
    }
  });
});
