/**
 * A node's life across stops and crashes: SIGKILL in the middle of `generatetoaddress 200`
 * leaves a database that reopens at a consistent tip; SIGTERM and SIGINT stop the node with exit
 * code 0 (even mid-generate); the mempool survives restarts, and a transaction in it confirms
 * afterwards. No assertion on how long anything takes beyond generous upper bounds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTx } from '../../src/consensus/tx.js';
import { COIN } from '../../src/consensus/amounts.js';
import { bytesToHex, hexToHash } from '../../src/encoding/hex.js';
import { signSpend } from '../helpers/tx.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey, text, waitFor } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

interface Header {
  hash: string;
  height: number;
  previousblockhash?: string;
}

/** Everything the node says about its chain agrees with itself, at every height. */
async function expectConsistentChain(node: NodeProcess): Promise<number> {
  const count = await node.call<number>('getblockcount');
  const best = await node.call<string>('getbestblockhash');
  expect((await node.call<Header>('getblockheader', best)).height).toBe(count);
  expect(await node.call('verifychain', 4, 0)).toBe(true);
  let prev: string | undefined;
  for (let h = 0; h <= count; h++) {
    const hash = await node.call<string>('getblockhash', h);
    const header = await node.call<Header>('getblockheader', hash);
    expect(header.height).toBe(h);
    expect(header.previousblockhash).toBe(prev);
    expect(typeof (await node.call('getblock', hash, 0))).toBe('string');
    prev = hash;
  }
  expect(prev).toBe(best);
  await expect(node.call('getblockhash', count + 1)).rejects.toMatchObject({ code: -8 });
  // One coinbase output per block, all unspent.
  expect(await node.call('gettxoutsetinfo')).toMatchObject({ height: count, bestblock: best, txouts: count });
  return count;
}

/** Start `generatetoaddress n` without waiting; resolves when the height reaches `atLeast`. */
async function generateUntil(node: NodeProcess, n: number, atLeast: number, address: string): Promise<void> {
  const start = await node.call<number>('getblockcount');
  void node.call('generatetoaddress', n, address).catch(() => undefined); // cut short by the kill
  await waitFor(
    `height ${start + atLeast}`,
    async () => (await node.call<number>('getblockcount')) >= start + atLeast,
    60_000,
    20,
  );
}

test('SIGKILL during generatetoaddress 200: restart is clean and the chain consistent', async () => {
  const addr = regtestKey('e2e-crash').address;
  let node = await NodeProcess.start();
  try {
    for (let round = 1; round <= 2; round++) {
      await generateUntil(node, 200, 5, addr);
      await node.kill();
      expect(node.exitStatus).toEqual({ code: null, signal: 'SIGKILL' });
      expect(existsSync(join(node.datadir, '.lock'))).toBe(true); // left behind, taken over next

      node = await NodeProcess.start({ datadir: node.datadir });
      const height = await expectConsistentChain(node);
      expect(height).toBeGreaterThanOrEqual(5 * round);
      expect(height).toBeLessThan(200 * round); // the kill did cut the run short
      expect(await node.call('getaddressutxos', addr)).toHaveLength(height);
    }
    // It keeps working: the next block lands on top.
    const before = await node.call<number>('getblockcount');
    await node.call('generatetoaddress', 2, addr);
    expect(await node.call('getblockcount')).toBe(before + 2);
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 240_000);

test('SIGTERM in the middle of generatetoaddress: exit 0, consistent restart', async () => {
  const addr = regtestKey('e2e-term').address;
  let node = await NodeProcess.start();
  try {
    await generateUntil(node, 200, 5, addr);
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(node.datadir, '.lock'))).toBe(false);
    expect(existsSync(join(node.datadir, '.cookie'))).toBe(false);
    node = await NodeProcess.start({ datadir: node.datadir });
    await expectConsistentChain(node);
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 240_000);

test('SIGTERM and SIGINT exit 0, and the mempool persists across restarts', async () => {
  const alice = regtestKey('e2e-mempool-alice');
  const bob = regtestKey('e2e-mempool-bob');
  let node = await NodeProcess.start();
  try {
    const hashes = await node.call<string[]>('generatetoaddress', 101, alice.address);
    const genesis = hexToHash(await node.call<string>('getblockhash', 0));

    // Spend the coinbase of block 1 (mature at height 101: it may be spent in block 102).
    const block1 = await node.call<{ tx: string[] }>('getblock', hashes[0], 1);
    const coin = { value: 50n * COIN, pubKeyHash: alice.pkh, height: 1, coinbase: true };
    const tx = signSpend({
      inputs: [{ outpoint: { txid: hexToHash(block1.tx[0]!), index: 0 }, coin, key: alice }],
      outputs: [
        { value: 30n * COIN, pubKeyHash: bob.pkh },
        { value: 19n * COIN + 99_990_000n, pubKeyHash: alice.pkh },
      ],
      genesisHash: genesis,
    });
    const hex = bytesToHex(encodeTx(tx));
    const txid = await node.call<string>('sendrawtransaction', hex);
    expect(txid).toMatch(/^[0-9a-f]{64}$/);
    // Sending it again: already in the pool, which (like bitcoind) answers with the same txid.
    expect(await node.call('sendrawtransaction', hex)).toBe(txid);
    expect(await node.call('getrawmempool')).toEqual([txid]);
    const entry = await node.call<{ size: number; fee: unknown }>('getmempoolentry', txid);
    expect(entry.size).toBe(hex.length / 2);
    expect(text(entry.fee)).toBe('0.00010000');
    expect(await node.call('getrawtransaction', txid)).toBe(hex);
    expect(text((await node.call<{ unconfirmed: unknown }>('getaddressbalance', bob.address)).unconfirmed)).toBe(
      '30.00000000',
    );
    // The spent coinbase is hidden from gettxout by default (include_mempool), visible with false.
    expect(await node.call('gettxout', block1.tx[0], 0)).toBeNull();
    expect(await node.call('gettxout', block1.tx[0], 0, false)).toMatchObject({ coinbase: true });

    // SIGTERM: exit 0, the pool written to mempool.json.
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(JSON.parse(readFileSync(join(node.datadir, 'mempool.json'), 'utf8'))).toEqual([hex]);
    node = await NodeProcess.start({ datadir: node.datadir });
    expect(await node.call('getrawmempool')).toEqual([txid]);
    expect(await node.call('getmempoolinfo')).toMatchObject({ size: 1, bytes: hex.length / 2 });

    // SIGINT (Ctrl-C) too.
    expect(await node.signal('SIGINT')).toEqual({ code: 0, signal: null });
    node = await NodeProcess.start({ datadir: node.datadir });
    expect(await node.call('getrawmempool')).toEqual([txid]);

    // Mined: it leaves the pool and is in block 102 with its fee in the coinbase.
    const [h102] = await node.call<string[]>('generatetoaddress', 1, alice.address);
    expect(await node.call('getrawmempool')).toEqual([]);
    const block = await node.call<{ tx: { txid: string; vout: { value: unknown }[] }[] }>('getblock', h102, 2);
    expect(block.tx.map((t) => t.txid)).toEqual([expect.any(String), txid]);
    expect(text(block.tx[0]!.vout[0]!.value)).toBe('50.00010000');
    expect(await node.call('getrawtransaction', txid, true, h102)).toMatchObject({
      txid,
      blockhash: h102,
      confirmations: 1,
    });
    expect(text((await node.call<{ value: unknown }>('gettxout', txid, 0)).value)).toBe('30.00000000');
    const bobBalance = await node.call<Record<string, unknown>>('getaddressbalance', bob.address);
    expect([text(bobBalance.balance), text(bobBalance.spendable), text(bobBalance.unconfirmed)]).toEqual([
      '30.00000000',
      '30.00000000',
      '0.00000000',
    ]);
    expect(await node.call('getaddresshistory', bob.address)).toEqual([
      expect.objectContaining({ txid, height: 102, blockhash: h102 }),
    ]);

    // The empty pool persists as empty: nothing comes back after a restart.
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    node = await NodeProcess.start({ datadir: node.datadir });
    expect(await node.call('getrawmempool')).toEqual([]);
    expect(await node.call('getblockcount')).toBe(102);
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 240_000);
