/**
 * bitcoind's own client library for Node (the `bitcoin-core` npm package, v5, pinned as a
 * devDependency) against a real regtest node: the calls such tools commonly make, through its
 * method table and its batch form, with the node's cookie as Basic credentials. Its JSON parser
 * (json-bigint) and error type are the client's, not powchain's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Client from 'bitcoin-core';
import { COIN } from '../../src/consensus/amounts.js';
import { encodeBlock } from '../../src/consensus/block.js';
import { encodeTx, txid as txidOf } from '../../src/consensus/tx.js';
import { bytesToHex, hashToHex, hexToHash } from '../../src/encoding/hex.js';
import { mineBlock, regtest } from '../helpers/mine.js';
import { coinsOf, signSpend } from '../helpers/tx.js';
import { cleanupAll, coinbaseSpend, ensureBuilt, NodeProcess, regtestKey } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

type Any = Record<string, unknown>;

test('the bitcoin-core client runs the common calls against a node', async () => {
  const alice = regtestKey('e2e-bitcoin-core-alice');
  const node = await NodeProcess.start();
  try {
    const [username, password] = readFileSync(join(node.datadir, '.cookie'), 'utf8').trim().split(':');
    const client = new Client({ host: `http://127.0.0.1:${node.rpcPort}`, username, password, timeout: 60_000 });
    // The client's generic form and its per-method functions (from its table of bitcoind's methods).
    const call = (method: string, ...params: unknown[]) => client.command(method, ...params) as Promise<unknown>;
    const c = client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;

    const hashes = (await call('generatetoaddress', 101, alice.address)) as string[];
    expect(hashes).toHaveLength(101);
    expect(await c.getBlockCount!()).toBe(101);
    expect(await c.getBestBlockHash!()).toBe(hashes[100]);
    expect(await call('getblockhash', 1)).toBe(hashes[0]);
    expect((await c.getBlockchainInfo!()) as Any).toMatchObject({ chain: 'regtest', blocks: 101, headers: 101 });
    // json-bigint keeps numbers of more than 15 digits as strings, bitcoind's difficulty too.
    expect(Number(await c.getDifficulty!())).toBeGreaterThan(0);
    expect((await call('getblock', hashes[0], 1)) as Any).toMatchObject({ hash: hashes[0], height: 1, nTx: 1 });
    expect((await call('getblockheader', hashes[0])) as Any).toMatchObject({ hash: hashes[0], height: 1 });
    expect(await call('getblock', hashes[0], 0)).toMatch(/^01000000/);
    expect(await c.getChainTips!()).toEqual([expect.objectContaining({ height: 101, status: 'active' })]);
    expect((await c.getMiningInfo!()) as Any).toMatchObject({ blocks: 101, chain: 'regtest' });
    expect(Number(await c.getNetworkHashPs!())).toBeGreaterThan(0);
    expect((await c.getNetworkInfo!()) as Any).toMatchObject({ connections: 0 });
    expect(await c.getPeerInfo!()).toEqual([]);
    expect(await c.getConnectionCount!()).toBe(0);
    expect(await call('uptime')).toBeGreaterThanOrEqual(0);
    expect(await call('help', 'getblocktemplate')).toMatch(/^getblocktemplate/);
    expect((await call('validateaddress', alice.address)) as Any).toMatchObject({ isvalid: true });

    // A payment: sendrawtransaction, the mempool calls, then a block from getblocktemplate via submitblock.
    const tx = await coinbaseSpend(node, hashes[0]!, alice, [{ value: 49n * COIN, pubKeyHash: alice.pkh }]);
    const txid = (await call('sendrawtransaction', bytesToHex(encodeTx(tx)))) as string;
    expect(await c.getRawMempool!()).toEqual([txid]);
    expect((await c.getMempoolInfo!()) as Any).toMatchObject({ size: 1 });
    expect((await call('decoderawtransaction', bytesToHex(encodeTx(tx)))) as Any).toMatchObject({ txid });
    expect((await call('estimatesmartfee', 6)) as Any).toHaveProperty('feerate');

    const t = (await call('getblocktemplate', { rules: [] })) as {
      height: number;
      previousblockhash: string;
      curtime: number;
      coinbasevalue: number;
      transactions: { txid: string; fee: number }[];
    };
    expect(t.transactions).toEqual([expect.objectContaining({ txid, fee: COIN_FEE })]);
    const block = mineBlock({
      prevHash: hexToHash(t.previousblockhash),
      height: t.height,
      time: t.curtime,
      txs: [tx],
      fees: BigInt(COIN_FEE),
      minerKey: alice,
    });
    expect(await call('getblocktemplate', { mode: 'proposal', data: bytesToHex(encodeBlock(block)) })).toBeNull();
    expect(await call('submitblock', bytesToHex(encodeBlock(block)))).toBeNull();
    expect(await c.getBlockCount!()).toBe(102);
    const h102 = (await c.getBestBlockHash!()) as string;

    // Confirmed: found without its block (the transaction index), proved, and the proof verified.
    expect((await call('getrawtransaction', txid, true)) as Any).toMatchObject({
      txid,
      blockhash: h102,
      confirmations: 1,
    });
    const proof = await call('gettxoutproof', [txid]);
    expect(await call('verifytxoutproof', proof)).toEqual([txid]);
    expect((await call('getblockstats', 102)) as Any).toMatchObject({ txs: 2, totalfee: COIN_FEE, height: 102 });
    expect((await call('gettxout', txid, 0)) as Any).toMatchObject({ confirmations: 1, coinbase: false });
    expect((await c.getTxOutSetInfo!()) as Any).toMatchObject({ height: 102 });

    // A batch, with one failing call among them: the client returns its error in place.
    const batch = (await client.command([
      { method: 'getblockcount' },
      { method: 'getblockhash', parameters: [102] },
      { method: 'getblockhash', parameters: [999] },
    ])) as unknown[];
    expect(batch[0]).toBe(102);
    expect(batch[1]).toBe(h102);
    expect(batch[2]).toMatchObject({ code: -8, message: 'Block height out of range' });
    // A payment and its child in one batch, then a read: the payments start together and are
    // decided in the batch's order (the child is not refused for a parent not yet in the pool),
    // and the read waits for both.
    const parent = await coinbaseSpend(node, hashes[1]!, alice, [{ value: 49n * COIN, pubKeyHash: alice.pkh }]);
    const child = signSpend({
      inputs: coinsOf(parent, 0, alice),
      outputs: [{ value: 48n * COIN, pubKeyHash: alice.pkh }],
      genesisHash: regtest.genesisHash,
    });
    const sent = (await client.command([
      { method: 'sendrawtransaction', parameters: [bytesToHex(encodeTx(parent))] },
      { method: 'sendrawtransaction', parameters: [bytesToHex(encodeTx(child))] },
      { method: 'getrawmempool' },
    ])) as unknown[];
    const ids = [parent, child].map((x) => hashToHex(txidOf(x)));
    expect(sent).toEqual([ids[0], ids[1], expect.arrayContaining(ids)]);
    // Errors are the client's RpcError with bitcoind's codes.
    await expect(call('getblock', '00'.repeat(32))).rejects.toMatchObject({ code: -5 });
    await expect(call('nosuchmethod')).rejects.toMatchObject({ code: -32601 });
    // Wrong credentials: the client reports HTTP 401.
    const stranger = new Client({ host: `http://127.0.0.1:${node.rpcPort}`, username, password: 'wrong' });
    await expect(stranger.command('getblockcount')).rejects.toMatchObject({ code: 401 });

    expect(await call('stop')).toBe('powchain stopping');
    expect(await node.waitExit()).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 180_000);

/** 50 coins in, 49 out. */
const COIN_FEE = Number(COIN);
