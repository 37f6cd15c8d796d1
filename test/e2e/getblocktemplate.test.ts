/**
 * An external miner against a real node: a getblocktemplate client written here from bitcoind's
 * documented formats (BIP 22/23, Bitcoin's header and block serialization, the merkle root), with
 * powchain's coinbase as docs/rpc.md describes it, and nothing of powchain's code but a key
 * helper. It gets a template with a parent and a child transaction, builds the coinbase, merkle
 * root and header, grinds a nonce, proposes the block (BIP 23), submits it, and the node connects
 * it. Long polls return when a block arrives or the mempool changes.
 */
import { createHash } from 'node:crypto';
import { COIN } from '../../src/consensus/amounts.js';
import { encodeTx } from '../../src/consensus/tx.js';
import { bytesToHex, hexToHash } from '../../src/encoding/hex.js';
import { signSpend } from '../helpers/tx.js';
import { cleanupAll, coinbaseSpend, ensureBuilt, NodeProcess, regtestKey, text } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

// ---- the client: Bitcoin's formats, written out ------------------------------------------------

const sha256d = (b: Buffer): Buffer => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};
/** Bitcoin's CompactSize. */
const varint = (n: number) =>
  n < 0xfd
    ? Buffer.of(n)
    : n <= 0xffff
      ? Buffer.concat([Buffer.of(0xfd), u32(n).subarray(0, 2)])
      : Buffer.concat([Buffer.of(0xfe), u32(n)]);
/** Display hex (a hash as people see it) to the internal byte order it is hashed in. */
const internal = (displayHex: string) => Buffer.from(displayHex, 'hex').reverse();

/** powchain's coinbase (docs/rpc.md): one input with the null prevout, unlock = height u32 || extraNonce u64. */
function coinbase(height: number, value: bigint, pubKeyHash: Buffer, extraNonce: bigint): Buffer {
  const unlock = Buffer.concat([u32(height), u64(extraNonce)]);
  return Buffer.concat([
    u32(1),
    varint(1),
    Buffer.alloc(32),
    u32(0xffffffff),
    varint(unlock.length),
    unlock,
    varint(1),
    u64(value),
    pubKeyHash,
    u32(0),
  ]);
}

/** Bitcoin's merkle root over txids in internal order: an odd level repeats its last hash. */
function merkleRoot(leaves: Buffer[]): Buffer {
  let level = leaves;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256d(Buffer.concat([level[i]!, level[i + 1] ?? level[i]!])));
    level = next;
  }
  return level[0]!;
}

interface Template {
  version: number;
  previousblockhash: string;
  transactions: { data: string; txid: string; hash: string; depends: number[]; fee: number }[];
  coinbasevalue: number;
  longpollid: string;
  target: string;
  mintime: number;
  mutable: string[];
  noncerange: string;
  sizelimit: number;
  curtime: number;
  bits: string;
  height: number;
  capabilities: string[];
}

/** A block from a template, paying `pubKeyHash`, with the first nonce that meets the target. */
function mineFromTemplate(t: Template, pubKeyHash: Buffer, extraNonce = 0n, prevOverride?: string): Buffer {
  const cb = coinbase(t.height, BigInt(t.coinbasevalue), pubKeyHash, extraNonce);
  const txs = [cb, ...t.transactions.map((x) => Buffer.from(x.data, 'hex'))];
  const root = merkleRoot([sha256d(cb), ...t.transactions.map((x) => internal(x.txid))]);
  const target = BigInt(`0x${t.target}`);
  const head = Buffer.concat([
    u32(t.version),
    internal(prevOverride ?? t.previousblockhash),
    root,
    u32(t.curtime),
    u32(Number.parseInt(t.bits, 16)),
    u32(0),
  ]);
  for (let nonce = 0; nonce < 1 << 20; nonce++) {
    head.writeUInt32LE(nonce, 76);
    if (BigInt(`0x${Buffer.from(sha256d(head)).reverse().toString('hex')}`) <= target)
      return Buffer.concat([head, varint(txs.length), ...txs]);
  }
  throw new Error('no nonce found');
}

const blockHash = (block: Buffer) =>
  Buffer.from(sha256d(block.subarray(0, 80)))
    .reverse()
    .toString('hex');

// ---- the test ---------------------------------------------------------------------------------

test('a template with a parent and a child transaction becomes a block the node connects', async () => {
  const alice = regtestKey('e2e-gbt-alice');
  const bob = regtestKey('e2e-gbt-bob');
  const miner = regtestKey('e2e-gbt-miner');
  const node = await NodeProcess.start();
  try {
    const hashes = await node.call<string[]>('generatetoaddress', 101, alice.address);
    const genesis = hexToHash(await node.call<string>('getblockhash', 0));
    const parent = await coinbaseSpend(node, hashes[0]!, alice, [
      { value: 20n * COIN, pubKeyHash: bob.pkh },
      { value: 29n * COIN + 99_990_000n, pubKeyHash: alice.pkh },
    ]);
    const parentId = await node.call<string>('sendrawtransaction', bytesToHex(encodeTx(parent)));
    const change = { value: 29n * COIN + 99_990_000n, pubKeyHash: alice.pkh, height: 102, coinbase: false };
    const child = signSpend({
      inputs: [{ outpoint: { txid: hexToHash(parentId), index: 1 }, coin: change, key: alice }],
      outputs: [{ value: 29n * COIN + 99_970_000n, pubKeyHash: bob.pkh }],
      genesisHash: genesis,
    });
    const childId = await node.call<string>('sendrawtransaction', bytesToHex(encodeTx(child)));

    const t = await node.call<Template>('getblocktemplate', { rules: [] });
    expect(t).toMatchObject({
      version: 1,
      previousblockhash: hashes[100],
      height: 102,
      bits: '207fffff',
      target: `7fffff${'0'.repeat(58)}`,
      noncerange: '00000000ffffffff',
      sizelimit: 1_000_000,
      capabilities: ['proposal'],
      mutable: ['time', 'transactions', 'prevblock'],
    });
    expect(t.mintime).toBeLessThanOrEqual(t.curtime);
    expect(t.longpollid.startsWith(hashes[100]!)).toBe(true);
    // Parents before children; depends are 1-based positions in this list; fees in base units.
    expect(t.transactions.map((x) => x.txid)).toEqual([parentId, childId]);
    expect(t.transactions.map((x) => x.depends)).toEqual([[], [1]]);
    expect(t.transactions.map((x) => x.fee)).toEqual([10_000, 20_000]);
    expect(t.transactions[0]!.data).toBe(bytesToHex(encodeTx(parent)));
    expect(t.coinbasevalue).toBe(50 * 1e8 + 30_000);

    // The client learns the payee's pubKeyHash from validateaddress, builds and proposes the block.
    const v = await node.call<{ isvalid: boolean; pubkeyhash: string }>('validateaddress', miner.address);
    expect(v.isvalid).toBe(true);
    const block = mineFromTemplate(t, Buffer.from(v.pubkeyhash, 'hex'));
    expect(await node.call('getblocktemplate', { mode: 'proposal', data: block.toString('hex') })).toBeNull();
    // A proposal stores nothing.
    expect(await node.call('getblockcount')).toBe(101);

    expect(await node.call('submitblock', block.toString('hex'))).toBeNull();
    expect(await node.call('getbestblockhash')).toBe(blockHash(block));
    const connected = await node.call<{
      height: number;
      tx: { txid: string; vout: { value: unknown; address: string }[] }[];
    }>('getblock', blockHash(block), 2);
    expect(connected.height).toBe(102);
    expect(connected.tx.map((x) => x.txid).slice(1)).toEqual([parentId, childId]);
    expect(text(connected.tx[0]!.vout[0]!.value)).toBe('50.00030000');
    expect(connected.tx[0]!.vout[0]!.address).toBe(miner.address);
    expect(await node.call('getrawmempool')).toEqual([]);

    // Proposals of blocks that would not connect say why.
    expect(await node.call('getblocktemplate', { mode: 'proposal', data: block.toString('hex') })).toBe('duplicate');
    const stale = mineFromTemplate(t, Buffer.from(v.pubkeyhash, 'hex'), 7n);
    expect(await node.call('getblocktemplate', { mode: 'proposal', data: stale.toString('hex') })).toBe(
      'inconclusive-not-best-prevblk',
    );
    const next = await node.call<Template>('getblocktemplate');
    const bad = mineFromTemplate(next, Buffer.from(v.pubkeyhash, 'hex'));
    bad[40]! ^= 1; // the merkle root
    // Regrind so only the root is wrong (regtest: every other nonce meets the target).
    for (let nonce = 0; ; nonce++) {
      bad.writeUInt32LE(nonce, 76);
      if (
        BigInt(
          `0x${Buffer.from(sha256d(bad.subarray(0, 80)))
            .reverse()
            .toString('hex')}`,
        ) <= BigInt(`0x${next.target}`)
      )
        break;
    }
    expect(await node.call('getblocktemplate', { mode: 'proposal', data: bad.toString('hex') })).toBe(
      'bad-txnmrklroot',
    );
    expect(await node.call('getblockcount')).toBe(102);

    // Bad requests are errors with bitcoind's codes.
    await expect(node.call('getblocktemplate', { mode: 'proposal', data: 'zz' })).rejects.toMatchObject({ code: -22 });
    await expect(node.call('getblocktemplate', { mode: 'proposal', data: 'deadbeef' })).rejects.toMatchObject({
      code: -22,
    });
    await expect(node.call('getblocktemplate', { mode: 'nonsense' })).rejects.toMatchObject({ code: -8 });
    await expect(node.call('getblocktemplate', 'template')).rejects.toMatchObject({ code: -3 });
    await expect(node.call('getblocktemplate', { longpollid: 'x' })).rejects.toMatchObject({ code: -8 });
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 180_000);

test('long polls return when a block arrives and when the mempool changes', async () => {
  const alice = regtestKey('e2e-gbt-lp-alice');
  const node = await NodeProcess.start();
  try {
    const hashes = await node.call<string[]>('generatetoaddress', 101, alice.address);
    // Long polls wait up to 60 s on the node: the client waits longer.
    const longClient = node.client(120_000);

    // A block arrives while a long poll waits: it returns with the new tip.
    const t1 = await node.call<Template>('getblocktemplate');
    let returnedAt = 0;
    const poll = longClient.call<Template>('getblocktemplate', [{ longpollid: t1.longpollid }]).then((t) => {
      returnedAt = Date.now();
      return t;
    });
    // The long poll must be waiting, not answered: it names the current tip and mempool.
    await new Promise((r) => setTimeout(r, 500));
    expect(returnedAt).toBe(0);
    const sentAt = Date.now();
    const [h102] = await node.call<string[]>('generatetoaddress', 1, alice.address);
    const t2 = await poll;
    expect(t2.previousblockhash).toBe(h102);
    expect(t2.height).toBe(t1.height + 1);
    expect(t2.longpollid).not.toBe(t1.longpollid);
    // It answered because of the block, well before its 60 s bound (the latency is measured, not asserted).
    expect(returnedAt - sentAt).toBeLessThan(30_000);

    // A transaction enters the mempool while a long poll waits: it returns with that transaction.
    const poll2 = longClient.call<Template>('getblocktemplate', [{ longpollid: t2.longpollid }]);
    await new Promise((r) => setTimeout(r, 500));
    const tx = await coinbaseSpend(node, hashes[0]!, alice, [{ value: 49n * COIN, pubKeyHash: alice.pkh }]);
    const txid = await node.call<string>('sendrawtransaction', bytesToHex(encodeTx(tx)));
    const t3 = await poll2;
    expect(t3.previousblockhash).toBe(h102);
    expect(t3.transactions.map((x) => x.txid)).toEqual([txid]);

    // A long poll id that is already out of date is answered at once.
    const t4 = await node.call<Template>('getblocktemplate', { longpollid: t1.longpollid });
    expect(t4.longpollid).toBe(t3.longpollid);

    // A node shutting down answers the long polls still waiting.
    const poll3 = longClient.call<Template>('getblocktemplate', [{ longpollid: t4.longpollid }]).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 300));
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    await poll3;
  } finally {
    await node.kill();
  }
}, 180_000);
