/**
 * Every refusal of `powchain wallet`, against a real regtest node: a one-line reason, a non-zero
 * exit, nothing on stdout, and nothing sent (the node's mempool stays empty, the wallet file
 * keeps its indexes). Then two sends back to back, which must spend different coins.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { networks } from '../../src/consensus/params/networks.js';
import { RECEIVE, WalletKeys } from '../../src/wallet/keys.js';
import { ensureBuilt, expectOneLineError, RegtestNode } from './harness.js';

let node: RegtestNode;
let fileA = '';
let addrB = '';
const FAST = ['--scrypt-log-n', '12'];

type Info = { receiveIndex: number; changeIndex: number; lockedOutpoints: number };
const info = () => node.walletJson<Info>(['--wallet', fileA, 'info']);
const send = (args: string[], o?: { passphrase?: string | null }) =>
  node.wallet(['--wallet', fileA, 'send', ...args], o);

beforeAll(async () => {
  await ensureBuilt();
  node = await RegtestNode.start();
  fileA = join(node.dir, 'a.json');
  const fileB = join(node.dir, 'b.json');
  await Promise.all([
    node.walletJson(['--wallet', fileA, 'create', ...FAST]),
    node.walletJson(['--wallet', fileB, 'create', ...FAST]),
  ]);
  const [a, b] = await Promise.all(
    [fileA, fileB].map((f) => node.walletJson<{ address: string }>(['--wallet', f, 'address'])),
  );
  addrB = b!.address;
  // 103 blocks: the coinbases of blocks 1..4 are mature, four coins of 50 to spend.
  await node.call('generatetoaddress', 103, a!.address);
}, 360_000);

afterAll(async () => {
  await node?.destroy();
});

test('malformed amounts, bad addresses and fee rates: refused before the passphrase is even asked', async () => {
  const testnetAddr = new WalletKeys(new Uint8Array(64).fill(3), networks.testnet).address(RECEIVE, 0);
  const typo = addrB.slice(0, -1) + (addrB.endsWith('q') ? 'p' : 'q');
  const cases: [string[], RegExp][] = [
    [[addrB, '1e3'], /^powchain: amount '1e3' is not a decimal number of coins/],
    [[addrB, '0.000000001'], /^powchain: amount 0\.000000001 has more than 8 decimals/],
    [[addrB, '-1'], /^powchain: amount must be positive, got -1/],
    [[addrB, 'abc'], /^powchain: amount 'abc' is not a decimal number of coins/],
    [[addrB, '0'], /^powchain: amount must be greater than zero/],
    [[typo, '1'], /^powchain: bad address .*bad-checksum/],
    [
      [testnetAddr, '1'],
      /^powchain: bad address tpow1.*wrong-network: address is for prefix "tpow", this network uses "rpow"/,
    ],
    [[addrB, '1', '--fee-rate', '1e-5'], /^powchain: fee rate '1e-5' is not a decimal number/],
  ];
  // No passphrase in the environment and no terminal: had any of these got as far as the
  // passphrase, it would fail with "no passphrase" instead of its own reason.
  const results = await Promise.all(cases.map(([args]) => send(args, { passphrase: null })));
  results.forEach((r, i) => expectOneLineError(r, cases[i]![1]));
  expect(await node.call('getrawmempool')).toEqual([]);
});

test('wrong passphrase, missing passphrase: one line, nothing sent', async () => {
  expectOneLineError(
    await send([addrB, '1'], { passphrase: 'not the passphrase' }),
    /^powchain: wrong passphrase for wallet .*a\.json$/,
  );
  expectOneLineError(
    await send([addrB, '1'], { passphrase: null }),
    /^powchain: no passphrase: run in a terminal, set POWCHAIN_PASSPHRASE, or pass --passphrase-file/,
  );
  // --passphrase-file works, and beats the environment.
  const pf = join(node.dir, 'pass.txt');
  writeFileSync(pf, 'wrong\n');
  expectOneLineError(
    await node.wallet(['--wallet', fileA, '--passphrase-file', pf, 'info']),
    /^powchain: wrong passphrase/,
  );
  writeFileSync(pf, 'correct horse battery staple\n');
  expect((await node.wallet(['--wallet', fileA, '--passphrase-file', pf, 'info'], { passphrase: 'nope' })).code).toBe(
    0,
  );
  expect(await node.call('getrawmempool')).toEqual([]);
});

test('a tampered keystore file: one line, nothing sent', async () => {
  const tampered = join(node.dir, 'tampered.json');
  copyFileSync(fileA, tampered);
  const j = JSON.parse(readFileSync(tampered, 'utf8')) as { ciphertext: string };
  const ct = Buffer.from(j.ciphertext, 'base64');
  ct[ct.length - 20]! ^= 0x40;
  writeFileSync(tampered, JSON.stringify({ ...j, ciphertext: ct.toString('base64') }));
  expectOneLineError(
    await node.wallet(['--wallet', tampered, 'send', addrB, '1']),
    /^powchain: wallet file .*tampered\.json has been tampered with or is corrupt/,
  );
  writeFileSync(tampered, readFileSync(fileA, 'utf8').slice(0, 100));
  expectOneLineError(
    await node.wallet(['--wallet', tampered, 'send', addrB, '1']),
    /^powchain: wallet file .* is corrupt or has been tampered with \(not valid JSON\)/,
  );
  expect(await node.call('getrawmempool')).toEqual([]);
});

test('overspending and a fee the node refuses: one line, nothing sent, the wallet file unchanged', async () => {
  const before = await info();
  expectOneLineError(
    await send([addrB, '5000']),
    /^powchain: insufficient funds: sending 5000\.00000000 .* needs more than the 150\.00000000 spendable; 5000\.00000000 more is immature coinbase$/,
  );
  expectOneLineError(await send([addrB, '250']), /^powchain: insufficient funds/);
  // Below the node's relay minimum (0.00001 coins/kB): built and signed, then refused by the node.
  expectOneLineError(
    await send([addrB, '1', '--fee-rate', '0.000005']),
    /^powchain: the node rejected the transaction: min-relay-fee-not-met: fee rate 500 < minimum 1000 per kB$/,
  );
  expect(await info()).toEqual(before);
  expect(await node.call('getrawmempool')).toEqual([]);
});

test('a wallet file of another network is refused', async () => {
  expectOneLineError(
    await node.wallet(['--network', 'testnet', '--wallet', fileA, 'info']),
    /^powchain: wallet .*a\.json is for regtest, not testnet$/,
  );
  expect(await node.call('getrawmempool')).toEqual([]);
});

test('two sends back to back spend different coins, both reach the mempool', async () => {
  const one = await node.walletJson<{ txid: string; inputs: { txid: string; vout: number }[] }>([
    '--wallet',
    fileA,
    'send',
    addrB,
    '1',
  ]);
  const two = await node.walletJson<{ txid: string; inputs: { txid: string; vout: number }[] }>([
    '--wallet',
    fileA,
    'send',
    addrB,
    '2',
  ]);
  expect(new Set(await node.call<string[]>('getrawmempool'))).toEqual(new Set([one.txid, two.txid]));
  const spends = async (txid: string) =>
    (await node.call<{ vin: { txid: string; vout: number }[] }>('getrawtransaction', txid, true)).vin.map(
      (i) => `${i.txid}:${i.vout}`,
    );
  const [s1, s2] = await Promise.all([spends(one.txid), spends(two.txid)]);
  expect(s1).toEqual(one.inputs.map((i) => `${i.txid}:${i.vout}`));
  expect(s1!.filter((o) => s2!.includes(o))).toEqual([]);
  // The wallet remembers what it spent, and each change went to its own fresh address.
  expect(await info()).toMatchObject({ changeIndex: 2, lockedOutpoints: s1!.length + s2!.length });
});
