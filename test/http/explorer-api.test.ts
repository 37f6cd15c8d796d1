/**
 * The explorer (--web) of a real node over real HTTP: the page and its assets, every /api/ view
 * with the RPC's field names, the block tree with a side branch and invalid blocks, search, and
 * the live event stream (read with the same follower the testnet dashboard uses).
 */
import { MAX_LIST } from '../../src/node/http/explorer-api.js';
import { MAX_EVENT_CLIENTS } from '../../src/web/sse.js';
import { followEvents } from '../../src/web/sse-client.js';
import { cleanupAll, ensureBuilt, NodeProcess, waitFor, regtestKey } from '../e2e/node-helpers.js';
import { coinbaseAt, get, getError, getJson, rpcPlain, spend } from './helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

const COIN = 100_000_000n;
const alice = regtestKey('web-alice');
const bob = regtestKey('web-bob');
let node: NodeProcess;
let confirmedTx: string;
let pooledTx: string;

beforeAll(async () => {
  node = await NodeProcess.start({ args: ['--web'] });
  await node.call('generatetoaddress', 101, alice.address);
  const t1 = spend(
    [{ prev: await coinbaseAt(node, 1), index: 0, height: 1, owner: alice }],
    [
      { to: bob, value: 10n * COIN },
      { to: alice, value: 40n * COIN - 10_000n },
    ],
  );
  await node.call('sendrawtransaction', t1.hex);
  await node.call('generatetoaddress', 1, alice.address);
  const t2 = spend([{ prev: t1.tx, index: 0, height: 102, owner: bob }], [{ to: alice, value: 10n * COIN - 5_000n }]);
  await node.call('sendrawtransaction', t2.hex);
  confirmedTx = t1.txid;
  pooledTx = t2.txid;
}, 120_000);

test('the page and its assets: same origin only, cached by ETag', async () => {
  const page = await get(node, '/');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.text).toContain('<script type="module" src="/assets/explorer.js">');
  const csp = page.headers.get('content-security-policy')!;
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  // Nothing from elsewhere: no URL with a host in the page.
  expect(page.text).not.toMatch(/https?:\/\//);
  const etag = page.headers.get('etag')!;
  expect((await get(node, '/', { headers: { 'if-none-match': etag } })).status).toBe(304);
  const js = await get(node, '/assets/explorer.js');
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(js.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  expect((await get(node, '/assets/style.css')).status).toBe(200);
  expect((await getError(node, '/assets/nothing.js')).status).toBe(404);
});

test('summary and the latest blocks, newest first, bounded', async () => {
  const s = await getJson<{ chain: { blocks: number }; mempool: { size: number }; network: { connections: number } }>(
    node,
    '/api/summary',
  );
  expect(s.chain).toEqual(await rpcPlain(node, 'getblockchaininfo'));
  expect(s.mempool.size).toBe(1);
  const blocks = await getJson<{ height: number; hash: string; size: number }[]>(node, '/api/blocks?count=5');
  expect(blocks.map((b) => b.height)).toEqual([102, 101, 100, 99, 98]);
  expect(blocks[0]).toEqual({
    ...(await rpcPlain<object>(node, 'getblockheader', blocks[0]!.hash)),
    size: blocks[0]!.size,
  });
  expect((await getJson<{ height: number }[]>(node, '/api/blocks?count=3&before=50')).map((b) => b.height)).toEqual([
    49, 48, 47,
  ]);
  expect(await getError(node, `/api/blocks?count=${MAX_LIST + 1}`)).toEqual({
    status: 400,
    error: `count must be an integer from 1 to ${MAX_LIST}`,
  });
});

test('a block by height or hash: the RPC block and where it stands', async () => {
  const hash = await node.call<string>('getblockhash', 102);
  const byHeight = await getJson<{ hash: string; status: string; tx: { txid: string }[] }>(node, '/api/block/102');
  const byHash = await getJson(node, `/api/block/${hash}`);
  expect(byHeight).toEqual(byHash);
  expect(byHeight).toEqual({ ...(await rpcPlain<object>(node, 'getblock', hash, 2)), status: 'main' });
  expect(byHeight.tx.map((t) => t.txid)).toContain(confirmedTx);
  expect((await getError(node, '/api/block/999')).status).toBe(404);
  expect((await getError(node, `/api/block/${'12'.repeat(32)}`)).status).toBe(404);
});

test('a transaction: inputs with their addresses and values, the fee, where it is', async () => {
  const pooled = await getJson<{
    status: string;
    fee: number;
    inputs: { address: string; value: number }[];
    vout: { address: string }[];
  }>(node, `/api/tx/${pooledTx}`);
  expect(pooled.status).toBe('mempool');
  expect(pooled.inputs).toEqual([{ address: bob.address, value: 10 }]);
  expect(pooled.fee).toBe(0.00005);
  // Confirmed: the spent coins come from the block's undo record.
  const confirmed = await getJson<{ status: string; fee: number; confirmations: number; inputs: unknown[] }>(
    node,
    `/api/tx/${confirmedTx}`,
  );
  expect(confirmed).toMatchObject({ status: 'confirmed', confirmations: 1, fee: 0.0001 });
  expect(confirmed.inputs).toEqual([{ address: alice.address, value: 50 }]);
  const coinbase = (await getJson<{ tx: { txid: string }[] }>(node, '/api/block/5')).tx[0]!.txid;
  const cb = await getJson<{ fee: null; inputs: unknown[] }>(node, `/api/tx/${coinbase}`);
  expect(cb.inputs).toEqual([{ coinbase: true }]);
  expect(cb.fee).toBeNull();
});

test('an address: balance, history newest first, coins; the mempool and the peers', async () => {
  const a = await getJson<{
    balance: Record<string, number>;
    transactions: number;
    history: { txid: string }[];
    utxos: { txid: string }[];
  }>(node, `/api/address/${bob.address}`);
  expect(a.balance).toEqual(await rpcPlain(node, 'getaddressbalance', bob.address));
  expect(a.history.map((h) => h.txid)).toEqual([pooledTx, confirmedTx]);
  expect(a.transactions).toBe(2);
  expect((await getError(node, '/api/address/rpow1nope')).status).toBe(400);
  const m = await getJson<{ info: { size: number }; txs: { txid: string; fee: number }[] }>(node, '/api/mempool');
  expect(m.info.size).toBe(1);
  expect(m.txs).toMatchObject([{ txid: pooledTx, fee: 0.00005 }]);
  expect(await getJson(node, '/api/peers')).toEqual([]);
});

test('search: a height, a block hash, a txid (pooled or confirmed), an address; anything else is 400', async () => {
  const hash = await node.call<string>('getblockhash', 7);
  expect(await getJson(node, '/api/search?q=7')).toEqual({ kind: 'block', hash, height: 7 });
  expect(await getJson(node, `/api/search?q=${hash.toUpperCase()}`)).toEqual({ kind: 'block', hash, height: 7 });
  expect(await getJson(node, `/api/search?q=${pooledTx}`)).toEqual({ kind: 'tx', txid: pooledTx });
  // Found through the transaction index (the node's default).
  expect(await getJson(node, `/api/search?q=${confirmedTx}`)).toEqual({
    kind: 'tx',
    txid: confirmedTx,
    blockhash: await node.call('getblockhash', 102),
  });
  expect(await getJson(node, `/api/search?q=%20${alice.address}%20`)).toEqual({
    kind: 'address',
    address: alice.address,
  });
  expect((await getError(node, '/api/search?q=hello')).status).toBe(400);
  expect((await getError(node, '/api/search?q=5000')).status).toBe(404);
  expect((await getError(node, `/api/search?q=${'ef'.repeat(32)}`)).status).toBe(404);
});

test('live events: the first state, new blocks and tips, a reorganisation, a side block stored', async () => {
  const seen: { type: string; data: Record<string, unknown> }[] = [];
  const stop = new AbortController();
  const following = followEvents(
    `http://127.0.0.1:${node.rpcPort}/api/events`,
    (type, data) => seen.push({ type, data: data as Record<string, unknown> }),
    { signal: stop.signal },
  );
  try {
    await waitFor('the hello event', () => seen.some((e) => e.type === 'hello'));
    expect(seen[0]!.data).toMatchObject({ network: 'regtest', height: 102 });
    const [h103] = await node.call<string[]>('generatetoaddress', 1, alice.address);
    await waitFor('tip 103', () => seen.some((e) => e.type === 'tip' && e.data.hash === h103));
    const block = seen.find((e) => e.type === 'block' && e.data.hash === h103)!;
    expect(block.data.height).toBe(103);
    expect(Math.abs((block.data.at as number) - Date.now())).toBeLessThan(60_000);
    // The pool changed (the payment was mined): announced, coalesced.
    await waitFor('a mempool event', () => seen.some((e) => e.type === 'mempool' && e.data.size === 0));
    // invalidateblock 103: a one-block reorganisation back to 102.
    await node.call('invalidateblock', h103);
    await waitFor('the reorg', () => seen.some((e) => e.type === 'reorg'));
    expect(seen.find((e) => e.type === 'reorg')!.data).toMatchObject({ forkHeight: 102, disconnected: [h103] });
    expect(seen.some((e) => e.type === 'invalid' && e.data.hash === h103)).toBe(true);
    // A new 103 (paying someone else, so it is another block), then the old one reconsidered:
    // stored beside it without moving the tip (equal work: the first seen stays).
    await node.call('generatetoaddress', 1, bob.address);
    const before = seen.length;
    await node.call('reconsiderblock', h103);
    await waitFor('the tree to be told', () => seen.slice(before).some((e) => e.type === 'stored' || e.type === 'tip'));
  } finally {
    stop.abort();
    await following;
  }
});

test('the block tree: the main chain, a side branch, invalid blocks; depth bounded', async () => {
  const h102 = await node.call<string>('getblockhash', 102);
  const tipNow = await node.call<string>('getbestblockhash');
  const tree = await getJson<{
    tip: { hash: string };
    from: number;
    blocks: { hash: string; height: number; prev: string; status: string }[];
  }>(node, '/api/tree?depth=10');
  expect(tree.tip.hash).toBe(tipNow);
  expect(tree.from).toBe((await node.call<number>('getblockcount')) - 10);
  const at103 = tree.blocks.filter((b) => b.height === 103);
  // The earlier test left two blocks at 103: one on the main chain, one beside it.
  expect(at103.map((b) => b.status).sort()).toEqual(['main', 'side']);
  expect(at103.every((b) => b.prev === h102)).toBe(true);
  await node.call('invalidateblock', tipNow);
  const after = await getJson<{ blocks: { hash: string; status: string }[] }>(node, '/api/tree?depth=10');
  expect(after.blocks.find((b) => b.hash === tipNow)!.status).toBe('invalid');
  expect((await getError(node, '/api/tree?depth=501')).status).toBe(400);
});

test('event streams are bounded: one past the limit is turned away', async () => {
  const url = `http://127.0.0.1:${node.rpcPort}/api/events`;
  // A stream an earlier test closed may not have reached the server yet: then the limit comes one
  // early; close everything, give the server a moment, and fill it again (a bounded number of times).
  for (let attempt = 1; ; attempt++) {
    const opened: AbortController[] = [];
    try {
      let full = false;
      for (let i = 0; i < MAX_EVENT_CLIENTS && !full; i++) {
        const c = new AbortController();
        opened.push(c);
        full = (await fetch(url, { signal: c.signal })).status === 503;
      }
      if (full && attempt < 5) continue;
      expect(full).toBe(false);
      const extra = await getError(node, '/api/events');
      expect(extra.status).toBe(503);
      expect(extra.error).toMatch(/too many open event streams/);
      return;
    } finally {
      for (const c of opened) c.abort();
      await new Promise((r) => setTimeout(r, 500));
    }
  }
});

test('the pages are read-only: JSON-RPC still needs credentials; without --web the paths are the RPC’s', async () => {
  const post = await fetch(`http://127.0.0.1:${node.rpcPort}/`, {
    method: 'POST',
    body: '{"method":"stop","params":[]}',
  });
  expect(post.status).toBe(401);
  expect((await get(node, '/api/summary', { method: 'POST', body: '{}' })).status).toBe(401);
  expect(await node.call('getblockcount')).toBeGreaterThan(100);
  const plain = await NodeProcess.start();
  try {
    for (const path of ['/', '/api/summary', '/assets/explorer.js', '/rest/chaininfo.json'])
      expect({ path, status: (await get(plain, path)).status }).toEqual({ path, status: 401 });
  } finally {
    await plain.kill();
  }
});
