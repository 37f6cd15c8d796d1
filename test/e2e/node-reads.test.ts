/**
 * A regtest node as a user runs it: start it in a temp datadir, `generatetoaddress 101`, and
 * every read method must tell the same story about the chain it built. Then `stop` over RPC
 * exits cleanly (code 0, cookie and lock gone), and a restart resumes at the same height.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBlock } from '../../src/consensus/block.js';
import { headerHash } from '../../src/consensus/header.js';
import { txid } from '../../src/consensus/tx.js';
import { hashToHex, hexToBytes } from '../../src/encoding/hex.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey, ROOT, text } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

interface Header {
  hash: string;
  height: number;
  confirmations: number;
  merkleroot: string;
  previousblockhash?: string;
  nextblockhash?: string;
  time: number;
  mediantime: number;
  bits: string;
  nTx: number;
  chainwork: string;
}
type Block1 = Header & { size: number; tx: string[] };
type Block2 = Header & {
  size: number;
  tx: {
    txid: string;
    hex: string;
    vin: { coinbase?: string }[];
    vout: { value: unknown; n: number; address: string }[];
  }[];
};

test('generatetoaddress 101, every read method agrees, stop exits 0, restart resumes', async () => {
  const miner = regtestKey('e2e-reads-miner');
  let node = await NodeProcess.start();
  try {
    const genesis = await node.call<string>('getbestblockhash');
    expect(await node.call('getblockcount')).toBe(0);

    // Through the CLI, as a user would: one hash per line of a JSON array.
    const gen = await node.cli('generatetoaddress', '101', miner.address);
    expect(gen.stderr).toBe('');
    expect(gen.code).toBe(0);
    const hashes = JSON.parse(gen.stdout) as string[];
    expect(hashes).toHaveLength(101);
    expect(new Set(hashes).size).toBe(101);

    expect(await node.call('getblockcount')).toBe(101);
    expect(await node.call('getbestblockhash')).toBe(hashes[100]);
    const info = await node.call<Record<string, unknown>>('getblockchaininfo');
    expect(info).toMatchObject({
      chain: 'regtest',
      blocks: 101,
      headers: 101,
      bestblockhash: hashes[100],
      initialblockdownload: false,
    });
    expect(info.chainwork).toMatch(/^[0-9a-f]{64}$/);
    expect(BigInt(`0x${info.chainwork as string}`)).toBe(102n * 2n); // regtest: work 2 per block, genesis included
    expect(text(await node.call('getdifficulty'))).toBe(text(info.difficulty));

    // Height → hash for every height, and the blocks chain up by previousblockhash.
    expect(await node.call('getblockhash', 0)).toBe(genesis);
    for (let h = 1; h <= 101; h++) expect(await node.call('getblockhash', h)).toBe(hashes[h - 1]);

    for (const h of [1, 50, 101]) {
      const hash = hashes[h - 1]!;
      const raw = await node.call<string>('getblock', hash, 0);
      const v1 = await node.call<Block1>('getblock', hash, 1);
      const v2 = await node.call<Block2>('getblock', hash, 2);
      const header = await node.call<Header>('getblockheader', hash);
      const headerHex = await node.call<string>('getblockheader', hash, false);
      const decoded = decodeBlock(hexToBytes(raw));

      expect(hashToHex(headerHash(decoded.header))).toBe(hash);
      expect(raw.slice(0, 160)).toBe(headerHex);
      expect(v1.size).toBe(raw.length / 2);
      expect(v1).toMatchObject({
        hash,
        height: h,
        confirmations: 102 - h,
        nTx: decoded.txs.length,
        previousblockhash: h === 1 ? genesis : hashes[h - 2],
      });
      expect(v1.nextblockhash).toBe(h === 101 ? undefined : hashes[h]);
      expect(v1.tx).toEqual(decoded.txs.map((t) => hashToHex(txid(t))));
      expect(v2.tx.map((t) => t.txid)).toEqual(v1.tx);
      const { tx: _1, size: _2, ...v1Header } = v1;
      const { tx: _3, size: _4, ...v2Header } = v2;
      expect(v2Header).toEqual(v1Header);
      expect(header).toEqual(v1Header);
      expect(header.merkleroot).toBe(hashToHex(decoded.header.merkleRoot));
      expect(header.bits).toBe('207fffff');
      expect(header.time).toBe(decoded.header.time);
      expect(header.mediantime).toBeLessThanOrEqual(header.time);

      // The coinbase pays 50 coins to the miner's address and commits to the height.
      const cb = v2.tx[0]!;
      expect(cb.vin[0]!.coinbase).toBeDefined();
      expect(cb.vout).toEqual([
        { value: expect.anything(), n: 0, address: miner.address, pubkeyhash: expect.stringMatching(/^[0-9a-f]{40}$/) },
      ]);
      expect(text(cb.vout[0]!.value)).toBe('50.00000000');
      const heightLE = Buffer.from(cb.vin[0]!.coinbase!, 'hex').readUInt32LE(0);
      expect(heightLE).toBe(h);
      expect(await node.call('getrawtransaction', cb.txid, false, hash)).toBe(cb.hex);
      expect(await node.call('decoderawtransaction', cb.hex)).toEqual({ ...cb });
    }

    const tips = await node.call<{ height: number; hash: string; branchlen: number; status: string }[]>('getchaintips');
    expect(tips).toEqual([{ height: 101, hash: hashes[100], branchlen: 0, status: 'active' }]);

    // gettxout of a coinbase: confirmations count from its block.
    const block1 = await node.call<Block1>('getblock', hashes[0], 1);
    const out = await node.call<Record<string, unknown>>('gettxout', block1.tx[0], 0);
    expect(out).toMatchObject({ bestblock: hashes[100], confirmations: 101, address: miner.address, coinbase: true });
    expect(text(out.value)).toBe('50.00000000');
    expect(await node.call('gettxout', block1.tx[0], 1)).toBeNull();

    const set = await node.call<Record<string, unknown>>('gettxoutsetinfo');
    expect(set).toMatchObject({ height: 101, bestblock: hashes[100], txouts: 101 });
    expect(text(set.total_amount)).toBe('5050.00000000');
    expect(set.hash_serialized).toMatch(/^[0-9a-f]{64}$/);

    // The address index: 101 coinbases; like bitcoind's wallet, only one with more than 100
    // confirmations (height 1) counts as spendable.
    const balance = await node.call<Record<string, unknown>>('getaddressbalance', miner.address);
    expect(Object.fromEntries(Object.entries(balance).map(([k, v]) => [k, text(v)]))).toEqual({
      balance: '5050.00000000',
      spendable: '50.00000000',
      immature: '5000.00000000',
      unconfirmed: '0.00000000',
      received: '5050.00000000',
    });
    const utxos = await node.call<
      {
        txid: string;
        outputIndex: number;
        height: number;
        satoshis: number;
        confirmations: number;
        spendable: boolean;
      }[]
    >('getaddressutxos', miner.address);
    expect(utxos).toHaveLength(101);
    expect(new Set(utxos.map((u) => u.height))).toEqual(new Set(Array.from({ length: 101 }, (_, i) => i + 1)));
    for (const u of utxos) {
      expect(u.satoshis).toBe(5_000_000_000);
      expect(u.confirmations).toBe(102 - u.height);
      expect(u.spendable).toBe(u.height <= 1);
    }
    const history = await node.call<
      { txid: string; height: number; blockhash: string; received: unknown; sent: unknown }[]
    >('getaddresshistory', miner.address);
    expect(history).toHaveLength(101);
    for (const item of history) {
      expect(item.blockhash).toBe(hashes[item.height - 1]);
      expect(text(item.received)).toBe('50.00000000');
      expect(text(item.sent)).toBe('0.00000000');
    }
    expect(new Set(history.map((i) => i.txid))).toEqual(new Set(utxos.map((u) => u.txid)));
    const nobody = await node.call<Record<string, unknown>>(
      'getaddressbalance',
      regtestKey('e2e-reads-nobody').address,
    );
    expect(Object.values(nobody).map(text)).toEqual(Array(5).fill('0.00000000'));
    expect(await node.call('getaddressutxos', regtestKey('e2e-reads-nobody').address)).toEqual([]);

    const mining = await node.call<Record<string, unknown>>('getmininginfo');
    expect(mining).toMatchObject({ blocks: 101, chain: 'regtest', pooledtx: 0, generate: false });
    expect(await node.call('getrawmempool')).toEqual([]);
    expect(await node.call('getmempoolinfo')).toMatchObject({ loaded: true, size: 0, bytes: 0 });
    expect(await node.call('verifychain')).toBe(true);
    expect(await node.call('getconnectioncount')).toBe(0);
    expect(await node.call('getpeerinfo')).toEqual([]);

    const uptime = await node.call<number>('uptime');
    expect(Number.isInteger(uptime) && uptime >= 0).toBe(true);

    const help = await node.cli('help');
    expect(help.code).toBe(0);
    const listed = help.stdout.trim().split('\n');
    for (const m of [
      'getblockchaininfo',
      'getblock',
      'submitblock',
      'sendrawtransaction',
      'generatetoaddress',
      'getaddressbalance',
      'stop',
      'help',
      'uptime',
    ])
      expect(listed).toContain(m);
    expect(listed).toEqual([...listed].sort());
    // Every method has a usage line: help METHOD starts with the method's name.
    for (const m of listed) expect(await node.call<string>('help', m)).toMatch(new RegExp(`^${m}( |\n)`));
    const helpBlock = await node.cli('help', 'getblock');
    expect(helpBlock).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^getblock "blockhash" \( verbosity=1 \)\n\n.+\n$/),
    });
    await expect(node.call('help', 'nosuchmethod')).rejects.toMatchObject({ code: -8 });
    // docs/rpc.md has a section for every method the node serves.
    const doc = readFileSync(join(ROOT, 'docs', 'rpc.md'), 'utf8');
    expect(listed.filter((m) => !doc.includes(`\n### ${m}\n`))).toEqual([]);

    // stop over RPC: it answers, then the process exits 0 and removes its cookie and lock.
    const stop = await node.cli('stop');
    expect(stop).toMatchObject({ code: 0, stdout: 'powchain stopping\n' });
    expect(await node.waitExit()).toEqual({ code: 0, signal: null });
    expect(existsSync(join(node.datadir, '.cookie'))).toBe(false);
    expect(existsSync(join(node.datadir, '.lock'))).toBe(false);

    // Restart on the same datadir: same chain, same tip, a fresh cookie.
    node = await NodeProcess.start({ datadir: node.datadir });
    expect(await node.call('getblockcount')).toBe(101);
    expect(await node.call('getbestblockhash')).toBe(hashes[100]);
    expect(await node.call('getblockhash', 57)).toBe(hashes[56]);
    expect(await node.call('gettxoutsetinfo')).toMatchObject({
      height: 101,
      txouts: 101,
      hash_serialized: set.hash_serialized,
    });
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 180_000);
