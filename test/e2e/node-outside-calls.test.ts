/**
 * The calls bitcoind's clients use beyond the basics, against real nodes: getblockstats on a
 * block with fees, getnetworkhashps (and getmininginfo agreeing with it), validateaddress, and
 * getrawtransaction for confirmed transactions through the transaction index, which follows
 * reorganisations, catches up after running without it, and survives kill -9.
 */
import { COIN } from '../../src/consensus/amounts.js';
import { networks } from '../../src/consensus/params/networks.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { encodeTx } from '../../src/consensus/tx.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, coinbaseSpend, ensureBuilt, NodeProcess, regtestKey, text, waitFor } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

/** A payment of a mature coinbase (50 coins) back to its owner, fee 10,000; returns the txid. */
async function payFromCoinbase(node: NodeProcess, blockHash: string, key: ReturnType<typeof regtestKey>) {
  const tx = await coinbaseSpend(node, blockHash, key, [{ value: 50n * COIN - 10_000n, pubKeyHash: key.pkh }]);
  return node.call<string>('sendrawtransaction', bytesToHex(encodeTx(tx)));
}

test('getblockstats, getnetworkhashps and validateaddress', async () => {
  const alice = regtestKey('e2e-outside-alice');
  const node = await NodeProcess.start();
  try {
    const hashes = await node.call<string[]>('generatetoaddress', 103, alice.address);
    for (let i = 0; i < 3; i++) await payFromCoinbase(node, hashes[i]!, alice);
    const [h104] = await node.call<string[]>('generatetoaddress', 1, alice.address);

    // Three 172-byte payments, each paying a 10,000 fee: every figure follows from that.
    const stats = await node.call<Record<string, unknown>>('getblockstats', 104);
    expect(stats).toEqual({
      avgfee: 10_000,
      avgfeerate: 58,
      avgtxsize: 172,
      blockhash: h104,
      feerate_percentiles: [58, 58, 58, 58, 58],
      height: 104,
      ins: 3,
      maxfee: 10_000,
      maxfeerate: 58,
      maxtxsize: 172,
      medianfee: 10_000,
      mediantime: expect.any(Number),
      mediantxsize: 172,
      minfee: 10_000,
      minfeerate: 58,
      mintxsize: 172,
      outs: 4,
      subsidy: 5_000_000_000,
      time: expect.any(Number),
      total_out: 3 * (5_000_000_000 - 10_000),
      total_size: 516,
      totalfee: 30_000,
      txs: 4,
      utxo_increase: 1,
      utxo_size_inc: 70,
    });
    expect(await node.call('getblockstats', h104, ['txs', 'totalfee'])).toEqual({ txs: 4, totalfee: 30_000 });
    // A block with only its coinbase.
    expect(await node.call('getblockstats', 1)).toMatchObject({ txs: 1, ins: 0, outs: 1, totalfee: 0, avgfee: 0 });
    await expect(node.call('getblockstats', 105)).rejects.toMatchObject({ code: -8 });
    await expect(node.call('getblockstats', 1, ['nosuch'])).rejects.toMatchObject({ code: -8 });
    await expect(node.call('getblockstats', '33'.repeat(32))).rejects.toMatchObject({ code: -5 });

    // getnetworkhashps: the work of the last 120 blocks over the span of their times.
    const header = (h: number) =>
      node.call<{ time: number; chainwork: string }>('getblockheader', h === 104 ? h104 : (hashes[h - 1] ?? ''));
    const tip = await header(104);
    const times: number[] = [];
    for (let h = 104 - 100; h <= 104; h++) times.push((await header(h)).time);
    const base = await header(104 - 100);
    const expected =
      Number(BigInt(`0x${tip.chainwork}`) - BigInt(`0x${base.chainwork}`)) / (Math.max(...times) - Math.min(...times));
    expect(Number(text(await node.call('getnetworkhashps', 100)))).toBe(expected);
    const defaultRate = Number(text(await node.call('getnetworkhashps')));
    expect(defaultRate).toBeGreaterThan(0);
    expect(Number(text((await node.call<{ networkhashps: unknown }>('getmininginfo')).networkhashps))).toBe(
      defaultRate,
    );
    // nblocks -1 on a network without retargets: the default window; a height in the past: up to there.
    expect(Number(text(await node.call('getnetworkhashps', -1)))).toBe(defaultRate);
    expect(await node.call('getnetworkhashps', 120, 0)).toBe(0);

    // validateaddress: this network's addresses are valid; another network's and garbage are not.
    expect(await node.call('validateaddress', alice.address)).toEqual({
      isvalid: true,
      address: alice.address,
      pubkeyhash: bytesToHex(alice.pkh),
      isscript: false,
      iswitness: false,
    });
    const testnetAddress = addressFromPublicKey(networks.testnet.addressHrp, alice.pub);
    expect(await node.call('validateaddress', testnetAddress)).toEqual({
      isvalid: false,
      error: expect.stringContaining('wrong-network'),
    });
    expect(await node.call<{ isvalid: boolean }>('validateaddress', 'hello')).toMatchObject({ isvalid: false });
    await expect(node.call('validateaddress', 5)).rejects.toMatchObject({ code: -3 });
  } finally {
    await node.kill();
  }
}, 180_000);

test('getrawtransaction finds confirmed transactions through the index, across reorgs, restarts and kill -9', async () => {
  const alice = regtestKey('e2e-txindex-alice');
  let node = await NodeProcess.start();
  try {
    const hashes = await node.call<string[]>('generatetoaddress', 102, alice.address);
    const t1 = await payFromCoinbase(node, hashes[0]!, alice);
    const [h103] = await node.call<string[]>('generatetoaddress', 1, alice.address);
    expect(await node.call('getrawtransaction', t1, true)).toMatchObject({
      txid: t1,
      blockhash: h103,
      confirmations: 1,
    });
    const hex = await node.call<string>('getrawtransaction', t1);
    expect(hex).toMatch(/^01000000/);
    // Coinbases are indexed too, genesis's included.
    const genesisCb = (await node.call<{ tx: string[] }>('getblock', await node.call('getblockhash', 0), 1)).tx[0]!;
    expect(await node.call('getrawtransaction', genesisCb, true)).toMatchObject({ confirmations: 104 });

    // A reorganisation takes it out of the chain (back to the mempool), and back in.
    await node.call('invalidateblock', h103);
    await waitFor('t1 back in the mempool', async () => (await node.call<string[]>('getrawmempool')).includes(t1));
    expect(await node.call<Record<string, unknown>>('getrawtransaction', t1, true)).not.toHaveProperty('blockhash');
    await node.call('reconsiderblock', h103);
    await waitFor(
      't1 confirmed again',
      async () => (await node.call<{ blockhash?: string }>('getrawtransaction', t1, true)).blockhash === h103,
    );

    // Run without the index for a while: confirmed transactions cannot be found then (the error says why)...
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    node = await NodeProcess.start({ datadir: node.datadir, args: ['--no-txindex'] });
    const t2 = await payFromCoinbase(node, hashes[1]!, alice);
    await node.call('generatetoaddress', 1, alice.address);
    await expect(node.call('getrawtransaction', t2, true)).rejects.toMatchObject({
      code: -5,
      message: expect.stringContaining('without its transaction index'),
    });
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    // ...and with it again, the index catches up with the blocks it missed.
    node = await NodeProcess.start({ datadir: node.datadir });
    await waitFor('the index to catch up', async () => {
      try {
        return (await node.call<{ confirmations: number }>('getrawtransaction', t2, true)).confirmations === 1;
      } catch {
        return false;
      }
    });

    // kill -9 right after a block: nothing confirmed is lost to the index after the restart.
    const t3 = await payFromCoinbase(node, hashes[2]!, alice);
    const [h105] = await node.call<string[]>('generatetoaddress', 1, alice.address);
    await node.signal('SIGKILL');
    node = await NodeProcess.start({ datadir: node.datadir });
    await waitFor('t3 found after kill -9', async () => {
      try {
        return (await node.call<{ blockhash: string }>('getrawtransaction', t3, true)).blockhash === h105;
      } catch {
        return false;
      }
    });
    expect(await node.call('getrawtransaction', t1, true)).toMatchObject({ blockhash: h103, confirmations: 3 });

    // A damaged index (here its CURRENT file, which LevelDB then refuses) is rebuilt, not fatal.
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    writeFileSync(join(node.datadir, 'txindex', 'CURRENT'), 'MANIFEST-999999\n');
    node = await NodeProcess.start({ datadir: node.datadir });
    expect(node.output()).toMatch(/transaction index damaged; rebuilding it from the chain/);
    await waitFor('t1 found again after the rebuild', async () => {
      try {
        return (await node.call<{ blockhash: string }>('getrawtransaction', t1, true)).blockhash === h103;
      } catch {
        return false;
      }
    });
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 240_000);
