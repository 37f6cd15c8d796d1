/**
 * The wallet as a user runs it, end to end: real `powchain wallet` processes against a real
 * regtest node process. Create, receive mined coins, send to a second wallet, confirm, check
 * both balances to the base unit and both histories, then restore the first wallet from its
 * recovery phrase and find the same addresses and the same balance. One node for the file.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { COIN } from '../../src/consensus/amounts.js';
import { networks } from '../../src/consensus/params/networks.js';
import { RECEIVE, WalletKeys } from '../../src/wallet/keys.js';
import { base, ensureBuilt, RegtestNode } from './harness.js';

let node: RegtestNode;
const file = (name: string) => join(node.dir, `${name}.json`);
const FAST = ['--scrypt-log-n', '12'];
/** Blocks that confirm the payment pay a bystander, so the two wallets' numbers stay clean. */
const bystander = new WalletKeys(new Uint8Array(64).fill(7), networks.regtest).address(RECEIVE, 0);

interface BalanceJson {
  spendable: unknown;
  immature: unknown;
  confirmed: unknown;
  unconfirmed: unknown;
  total: unknown;
}
interface HistoryJson {
  txid: string;
  type: string;
  confirmations: number;
  received: unknown;
  sent: unknown;
  net: unknown;
  to?: string;
  amount?: unknown;
  fee?: unknown;
}
const balance = async (name: string) => {
  const b = await node.walletJson<BalanceJson>(['--wallet', file(name), 'balance']);
  return {
    spendable: base(b.spendable),
    immature: base(b.immature),
    confirmed: base(b.confirmed),
    unconfirmed: base(b.unconfirmed),
    total: base(b.total),
  };
};

beforeAll(async () => {
  await ensureBuilt();
  node = await RegtestNode.start();
}, 360_000);

afterAll(async () => {
  await node?.destroy();
});

let mnemonicA = '';
let addrA = '';
let addrB = '';
let txid = '';
let fee = 0n;

test('create shows the recovery phrase once, with a warning; the file keeps it encrypted (0600)', async () => {
  const r = await node.wallet(['--wallet', file('a'), 'create', ...FAST]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/Write these words down/);
  const words = [...r.stdout.matchAll(/\d+\. ([a-z]+)/g)].map((m) => m[1]!);
  expect(words).toHaveLength(24);
  mnemonicA = words.join(' ');

  const b = await node.walletJson<{ mnemonic: string; warning: string; network: string }>([
    '--wallet',
    file('b'),
    'create',
    ...FAST,
  ]);
  expect(b.mnemonic.split(' ')).toHaveLength(24);
  expect(b.warning).toMatch(/shown only this once/);
  expect(b.network).toBe('regtest');

  expect(statSync(file('a')).mode & 0o777).toBe(0o600);
  const stored = readFileSync(file('a'), 'utf8');
  for (const w of words.slice(0, 3)) expect(stored).not.toMatch(new RegExp(`\\b${w}\\b`));
  const info = await node.wallet(['--wallet', file('a'), 'info']);
  expect(info.code).toBe(0);
  expect(info.stdout).not.toContain(mnemonicA);
  // Creating over an existing wallet is refused.
  const again = await node.wallet(['--wallet', file('a'), 'create', ...FAST]);
  expect(again.code).not.toBe(0);
  expect(again.stderr).toMatch(/already exists/);
});

test('address hands out a fresh receive address each time and saves the index', async () => {
  const a = await node.walletJson<{ address: string; index: number; path: string }>(['--wallet', file('a'), 'address']);
  expect(a.index).toBe(0);
  expect(a.path).toBe("m/84'/28732'/0'/0/0");
  addrA = a.address;
  addrB = (await node.wallet(['--wallet', file('b'), 'address'])).stdout.trim();
  expect(addrB).toMatch(/^rpow1/);
  expect(addrB).not.toBe(addrA);
});

test('101 mined blocks: spendable and immature exactly as the node reports', async () => {
  await node.call('generatetoaddress', 101, addrA);
  const b = await balance('a');
  const n = await node.call<Record<string, unknown>>('getaddressbalance', addrA);
  expect(b.spendable).toBe(base(n.spendable));
  expect(b.immature).toBe(base(n.immature));
  expect(b.total).toBe(101n * 50n * COIN);
  expect(b.unconfirmed).toBe(0n);
  // A coinbase is spendable with more than 100 confirmations (as bitcoind's wallet counts): at
  // tip 101 only block 1's.
  expect(b.spendable).toBe(50n * COIN);
  expect(b.immature).toBe(100n * 50n * COIN);
});

test('send 12.5 to the second wallet: fee from estimatesmartfee and the signed size, in the mempool', async () => {
  const r = await node.walletJson<{
    txid: string;
    fee: unknown;
    feeRate: unknown;
    size: number;
    amount: unknown;
    change: { value: unknown };
  }>(['--wallet', file('a'), 'send', addrB, '12.5']);
  txid = r.txid;
  fee = base(r.fee);
  expect(base(r.amount)).toBe(1_250_000_000n);
  expect(await node.call('getrawmempool')).toEqual([txid]);
  const entry = await node.call<{ fee: unknown; size: number }>('getmempoolentry', txid);
  expect(base(entry.fee)).toBe(fee);
  expect(entry.size).toBe(r.size);
  const est = await node.call<{ feerate: unknown }>('estimatesmartfee', 6);
  expect(base(r.feeRate)).toBe(base(est.feerate));
  expect(fee).toBe((base(est.feerate) * BigInt(entry.size) + 999n) / 1000n);
  const tx = await node.call<{ vout: { value: unknown; address: string }[] }>('getrawtransaction', txid, true);
  expect(tx.vout.map((o) => [o.address, base(o.value)])).toEqual([
    [addrB, 1_250_000_000n],
    [expect.stringMatching(/^rpow1/), 50n * COIN - 1_250_000_000n - fee],
  ]);
  // Before a block: the node's unconfirmed view, on both sides.
  expect((await balance('a')).unconfirmed).toBe(-(1_250_000_000n + fee));
  expect((await balance('b')).unconfirmed).toBe(1_250_000_000n);
});

test('one block later: balances exact to the base unit, history shows both sides', async () => {
  await node.call('generatetoaddress', 1, bystander);
  const a = await balance('a');
  expect(a.total).toBe(101n * 50n * COIN - 1_250_000_000n - fee);
  expect(a.unconfirmed).toBe(0n);
  const b = await balance('b');
  expect(b).toEqual({
    spendable: 1_250_000_000n,
    immature: 0n,
    confirmed: 1_250_000_000n,
    unconfirmed: 0n,
    total: 1_250_000_000n,
  });

  const ha = await node.walletJson<HistoryJson[]>(['--wallet', file('a'), 'history']);
  expect(ha).toHaveLength(102);
  const sent = ha.find((h) => h.txid === txid)!;
  expect(sent).toMatchObject({ type: 'send', confirmations: 1, to: addrB });
  expect(base(sent.net)).toBe(-(1_250_000_000n + fee));
  expect(base(sent.amount)).toBe(1_250_000_000n);
  expect(base(sent.fee)).toBe(fee);
  expect(ha.filter((h) => h.type === 'receive')).toHaveLength(101);

  const hb = await node.walletJson<HistoryJson[]>(['--wallet', file('b'), 'history']);
  expect(hb).toHaveLength(1);
  expect(hb[0]).toMatchObject({ txid, type: 'receive', confirmations: 1 });
  expect(base(hb[0]!.received)).toBe(1_250_000_000n);

  const text = await node.wallet(['--wallet', file('b'), 'history']);
  expect(text.stdout).toMatch(new RegExp(`^\\s+1\\s+receive\\s+\\+12\\.50000000\\s+${txid}$`, 'm'));
});

test('restore from the recovery phrase: same addresses (gap-limit scan), same balance', async () => {
  const r = await node.walletJson<{ scanned: boolean; receiveIndex: number; changeIndex: number; fingerprint: string }>(
    ['--wallet', file('a-restored'), 'restore', ...FAST, ...mnemonicA.split(' ')],
  );
  expect(r).toMatchObject({ scanned: true, receiveIndex: 1, changeIndex: 1 });
  // The phrase on stdin (no terminal) works the same.
  await node.walletJson(['--wallet', file('a-stdin'), 'restore', ...FAST], { stdin: `${mnemonicA}\n` });

  type Info = { fingerprint: string; receiveAddresses: string[]; changeAddresses: string[] };
  const [orig, restored, viaStdin] = await Promise.all(
    ['a', 'a-restored', 'a-stdin'].map((n) => node.walletJson<Info>(['--wallet', file(n), 'info'])),
  );
  expect(restored!.receiveAddresses).toEqual([addrA]);
  for (const w of [restored!, viaStdin!]) {
    expect(w.fingerprint).toBe(orig!.fingerprint);
    expect(w.receiveAddresses).toEqual(orig!.receiveAddresses);
    expect(w.changeAddresses).toEqual(orig!.changeAddresses);
  }
  expect(await balance('a-restored')).toEqual(await balance('a'));
  // Both copies hand out the same next address.
  const next = await Promise.all(
    ['a', 'a-restored'].map((n) => node.walletJson<{ address: string }>(['--wallet', file(n), 'address'])),
  );
  expect(next[0]!.address).toBe(next[1]!.address);
});

test('a bad recovery phrase is refused with the reason, and no file is written', async () => {
  const bad = mnemonicA.split(' ');
  [bad[0], bad[1]] = [bad[1]!, bad[0]!];
  const r = await node.wallet(['--wallet', file('bad'), 'restore', ...FAST, ...bad]);
  if (bad[0] === bad[1]) return; // the same word twice: swapping changed nothing (vanishingly rare)
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim()).toMatch(/^powchain: the recovery phrase checksum does not match/);
  expect(() => statSync(file('bad'))).toThrow();
});
