/**
 * The REST interface (--rest) of a real node over real HTTP: every path in every format it
 * offers, answers equal to the RPC's, bad input as 400 and unknown things as 404 with one-line
 * JSON errors, and the bounds (headers, outpoints, URL length).
 */
import { decodeBlock } from '../../src/consensus/block.js';
import { HEADER_BYTES, encodeHeader } from '../../src/consensus/header.js';
import { bytesToHex, hexToBytes, hexToHash } from '../../src/encoding/hex.js';
import { MAX_REST_HEADERS, MAX_REST_OUTPOINTS } from '../../src/node/http/rest.js';
import { MAX_URL_CHARS } from '../../src/web/http.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey } from '../e2e/node-helpers.js';
import { coinbaseAt, get, getError, getJson, rpcPlain, spend, type Wallet } from './helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

const COIN = 100_000_000n;

let node: NodeProcess;
let alice: Wallet;
let bob: Wallet;
/** Confirmed at 102, both outputs spent at 103: found only by scanning the address index. */
let spentTx: string;
/** Confirmed at 103 with unspent outputs: found through the UTXO set. */
let unspentTx: string;
/** In the mempool. */
let pooledTx: string;

beforeAll(async () => {
  // Without the transaction index (bitcoind's default): a confirmed transaction is found through
  // the UTXO set or the address index. The explorer's tests run with the index (powchain's default).
  node = await NodeProcess.start({ args: ['--rest', '--no-txindex'] });
  alice = regtestKey('rest-alice');
  bob = regtestKey('rest-bob');
  await node.call('generatetoaddress', 101, alice.address);
  const cb1 = await coinbaseAt(node, 1);
  const t1 = spend(
    [{ prev: cb1, index: 0, height: 1, owner: alice }],
    [
      { to: bob, value: 10n * COIN },
      { to: alice, value: 40n * COIN - 10_000n },
    ],
  );
  await node.call('sendrawtransaction', t1.hex);
  await node.call('generatetoaddress', 1, alice.address);
  const t2 = spend(
    [
      { prev: t1.tx, index: 0, height: 102, owner: bob },
      { prev: t1.tx, index: 1, height: 102, owner: alice },
    ],
    [{ to: bob, value: 50n * COIN - 30_000n }],
  );
  await node.call('sendrawtransaction', t2.hex);
  await node.call('generatetoaddress', 1, alice.address);
  const cb2 = await coinbaseAt(node, 2);
  const t3 = spend([{ prev: cb2, index: 0, height: 2, owner: alice }], [{ to: bob, value: 50n * COIN - 20_000n }]);
  await node.call('sendrawtransaction', t3.hex);
  spentTx = t1.txid;
  unspentTx = t2.txid;
  pooledTx = t3.txid;
}, 120_000);

test('chaininfo.json is getblockchaininfo', async () => {
  const rest = await getJson(node, '/rest/chaininfo.json');
  expect(rest).toEqual(await rpcPlain(node, 'getblockchaininfo'));
  expect(rest.blocks).toBe(103);
});

test('block/<hash> in .json (verbosity 2), .hex and .bin; notxdetails is verbosity 1', async () => {
  const hash = await node.call<string>('getblockhash', 102);
  const hex = await node.call<string>('getblock', hash, 0);
  const json = await getJson<{ hash: string; tx: { txid: string }[] }>(node, `/rest/block/${hash}.json`);
  expect(json).toEqual(await rpcPlain(node, 'getblock', hash, 2));
  expect(json.tx.map((t) => t.txid)).toContain(spentTx);
  const asHex = await get(node, `/rest/block/${hash}.hex`);
  expect(asHex.status).toBe(200);
  expect(asHex.text).toBe(`${hex}\n`);
  const asBin = await get(node, `/rest/block/${hash}.bin`);
  expect(asBin.headers.get('content-type')).toBe('application/octet-stream');
  expect(bytesToHex(asBin.body)).toBe(hex);
  expect(decodeBlock(asBin.body).txs).toHaveLength(2);
  const light = await getJson<{ tx: string[] }>(node, `/rest/block/notxdetails/${hash}.json`);
  expect(light.tx).toEqual(await node.call<{ tx: string[] }>('getblock', hash, 1).then((b) => b.tx));
  expect((await get(node, `/rest/block/notxdetails/${hash}.bin`)).body.equals(asBin.body)).toBe(true);
  // HEAD: the headers, no body.
  const head = await get(node, `/rest/block/${hash}.bin`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(head.headers.get('content-length')).toBe(String(asBin.body.length));
  expect(head.body.length).toBe(0);
});

test('headers/<count>/<hash> walks the main chain forward; both path forms; json, hex, bin', async () => {
  const h100 = await node.call<string>('getblockhash', 100);
  const json = await getJson<{ height: number; hash: string }[]>(node, `/rest/headers/3/${h100}.json`);
  expect(json.map((h) => h.height)).toEqual([100, 101, 102]);
  expect(json[0]).toEqual(await rpcPlain(node, 'getblockheader', h100));
  // More than there are: up to the tip.
  expect((await getJson<unknown[]>(node, `/rest/headers/50/${h100}.json`)).length).toBe(4);
  const bin = await get(node, `/rest/headers/2/${h100}.bin`);
  expect(bin.body.length).toBe(2 * HEADER_BYTES);
  expect(bytesToHex(bin.body.subarray(0, HEADER_BYTES))).toBe(await node.call('getblockheader', h100, false));
  const hex = await get(node, `/rest/headers/2/${h100}.hex`);
  expect(hex.text).toBe(`${bytesToHex(bin.body)}\n`);
  // bitcoind's newer form: headers/<hash>.<ext>?count=N
  expect((await getJson<unknown[]>(node, `/rest/headers/${h100}.json?count=2`)).length).toBe(2);
});

test('blockhashbyheight: json in display order, bin and hex in serialized order', async () => {
  const hash = await node.call<string>('getblockhash', 7);
  expect(await getJson(node, '/rest/blockhashbyheight/7.json')).toEqual({ blockhash: hash });
  const bin = await get(node, '/rest/blockhashbyheight/7.bin');
  expect(bytesToHex(bin.body)).toBe(bytesToHex(hexToHash(hash)));
  expect((await get(node, '/rest/blockhashbyheight/7.hex')).text).toBe(`${bytesToHex(hexToHash(hash))}\n`);
  expect(await getError(node, '/rest/blockhashbyheight/104.json')).toEqual({
    status: 404,
    error: 'Block height out of range',
  });
});

test('tx/<txid>: from the mempool, through the UTXO set, and by scanning the address index', async () => {
  for (const id of [pooledTx, unspentTx, spentTx]) {
    const tx = await getJson<{ txid: string; hex: string; confirmations?: number; blockhash?: string }>(
      node,
      `/rest/tx/${id}.json`,
    );
    expect(tx.txid).toBe(id);
    expect(tx).toEqual(await rpcPlain(node, 'getrawtransaction', id, true, tx.blockhash ?? null));
    expect(bytesToHex((await get(node, `/rest/tx/${id}.bin`)).body)).toBe(tx.hex);
    expect((await get(node, `/rest/tx/${id}.hex`)).text).toBe(`${tx.hex}\n`);
  }
  const confirmed = await getJson<{ confirmations: number; blockhash: string }>(node, `/rest/tx/${spentTx}.json`);
  expect(confirmed.confirmations).toBe(2);
  expect(confirmed.blockhash).toBe(await node.call('getblockhash', 102));
  // The hints find it directly (and a wrong block hint is a 404, not a scan).
  expect((await getJson<{ txid: string }>(node, `/rest/tx/${spentTx}.json?address=${bob.address}`)).txid).toBe(spentTx);
  const wrongBlock = await node.call<string>('getblockhash', 5);
  expect((await getError(node, `/rest/tx/${spentTx}.json?blockhash=${wrongBlock}`)).status).toBe(404);
  const unknown = await getError(node, `/rest/tx/${'ab'.repeat(32)}.json`);
  expect(unknown.status).toBe(404);
  expect(unknown.error).toMatch(/No such mempool or blockchain transaction/);
});

test('mempool/info.json and mempool/contents.json are the RPC answers', async () => {
  expect(await getJson(node, '/rest/mempool/info.json')).toEqual(await rpcPlain(node, 'getmempoolinfo'));
  const contents = await getJson<Record<string, unknown>>(node, '/rest/mempool/contents.json');
  expect(Object.keys(contents)).toEqual([pooledTx]);
  expect(contents).toEqual(await rpcPlain(node, 'getrawmempool', true));
  expect(await getJson(node, '/rest/mempool/contents.json?verbose=false')).toEqual([pooledTx]);
});

test('getutxos: the bitmap and the coins, with and without the mempool', async () => {
  const cb2 = await coinbaseAt(node, 2);
  const cb2txid = (await node.call<{ tx: string[] }>('getblock', await node.call('getblockhash', 2), 1)).tx[0]!;
  const points = [`${unspentTx}-0`, `${spentTx}-0`, `${cb2txid}-0`, `${pooledTx}-0`];
  const plain = await getJson<{
    chainHeight: number;
    chaintipHash: string;
    bitmap: string;
    utxos: { height: number; value: number; address: string }[];
  }>(node, `/rest/getutxos/${points.join('/')}.json`);
  expect(plain.chainHeight).toBe(103);
  expect(plain.chaintipHash).toBe(await node.call('getbestblockhash'));
  // t2's output is unspent, t1's is spent, block 2's coinbase is unspent on chain (its spender is
  // only in the mempool), t3 is not confirmed.
  expect(plain.bitmap).toBe('1010');
  expect(plain.utxos.map((u) => u.height)).toEqual([103, 2]);
  expect(plain.utxos[0]!.address).toBe(bob.address);
  expect(cb2.outputs[0]!.value).toBe(50n * COIN);
  const pooled = await getJson<{ bitmap: string; utxos: { height: number }[] }>(
    node,
    `/rest/getutxos/checkmempool/${points.join('/')}.json`,
  );
  // With the mempool: the coinbase is spent there, t3's output exists there (height -1).
  expect(pooled.bitmap).toBe('1001');
  expect(pooled.utxos.map((u) => u.height)).toEqual([103, -1]);
});

test('address/<addr>/txs.json and utxos.json are getaddresshistory and getaddressutxos', async () => {
  expect(await getJson(node, `/rest/address/${bob.address}/txs.json`)).toEqual(
    await rpcPlain(node, 'getaddresshistory', bob.address),
  );
  const utxos = await getJson<{ txid: string }[]>(node, `/rest/address/${bob.address}/utxos.json`);
  expect(utxos).toEqual(await rpcPlain(node, 'getaddressutxos', bob.address));
  expect(utxos.map((u) => u.txid)).toEqual([unspentTx]);
  const withPool = await getJson<{ txid: string }[]>(
    node,
    `/rest/address/${bob.address}/utxos.json?include_mempool=true`,
  );
  expect(withPool.map((u) => u.txid)).toEqual([unspentTx, pooledTx]);
});

test('bad input is 400, unknown things 404, each a one-line JSON error', async () => {
  const tip = await node.call<string>('getbestblockhash');
  const cases: [string, number, RegExp][] = [
    ['/rest/block/xyz.json', 400, /invalid block hash/],
    [`/rest/block/${tip}.xml`, 400, /output format not found \(available: \.json, \.hex, \.bin\)/],
    [`/rest/block/${'00'.repeat(32)}.json`, 404, /Block not found/],
    ['/rest/chaininfo.bin', 400, /available: \.json/],
    ['/rest/blockhashbyheight/-1.json', 400, /height must be an integer/],
    ['/rest/blockhashbyheight/abc.json', 400, /height must be an integer/],
    [`/rest/headers/0/${tip}.json`, 400, /count must be an integer from 1 to 2000/],
    [`/rest/headers/${MAX_REST_HEADERS + 1}/${tip}.json`, 400, /count must be/],
    [`/rest/headers/5/${'11'.repeat(32)}.json`, 404, /Block not found/],
    ['/rest/tx/1234.json', 400, /invalid txid/],
    ['/rest/getutxos/nothex-0.json', 400, /invalid outpoint/],
    ['/rest/getutxos/checkmempool.json', 400, /at least one/],
    [`/rest/getutxos/${`${tip}-0/`.repeat(MAX_REST_OUTPOINTS + 1).slice(0, -1)}.json`, 400, /at most 15 outpoints/],
    ['/rest/address/notanaddress/txs.json', 400, /invalid address/],
    [`/rest/address/${bob.address}/utxos.hex`, 400, /available: \.json/],
    ['/rest/nosuchthing.json', 404, /no such path/],
    ['/rest/block/%zz.json', 400, /malformed request target/],
  ];
  for (const [path, status, message] of cases) {
    const e = await getError(node, path);
    expect({ path, status: e.status }).toEqual({ path, status });
    expect(e.error).toMatch(message);
  }
  const long = await getError(node, `/rest/tx/${'a'.repeat(MAX_URL_CHARS)}.json`);
  expect(long.status).toBe(414);
});

test('the block header bytes of .bin are the header of the block', async () => {
  const hash = await node.call<string>('getblockhash', 50);
  const bin = await get(node, `/rest/headers/1/${hash}.bin`);
  const block = decodeBlock(hexToBytes(await node.call<string>('getblock', hash, 0)));
  expect(bytesToHex(bin.body)).toBe(bytesToHex(encodeHeader(block.header)));
});
