/**
 * Wallet logic against a scripted node (a fake RpcClient): the gap-limit scan, the node's
 * network check, the wallet's own memory of spent coins when the node forgets them, and that a
 * refused transaction leaves the wallet file as it was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COIN } from '../../src/consensus/amounts.js';
import { networks } from '../../src/consensus/params/networks.js';
import { decodeTx, txid } from '../../src/consensus/tx.js';
import { hashToHex, hexToBytes } from '../../src/encoding/hex.js';
import type { RpcClient } from '../../src/rpc/client.js';
import { RpcError } from '../../src/rpc/errors.js';
import { Coins, parseJsonExact, toJson } from '../../src/rpc/json.js';
import { WalletError } from '../../src/wallet/errors.js';
import { CHANGE, RECEIVE, WalletKeys } from '../../src/wallet/keys.js';
import { Keystore } from '../../src/wallet/keystore.js';
import { mnemonicToSeed } from '../../src/wallet/mnemonic.js';
import { LOCK_SECONDS, Wallet } from '../../src/wallet/wallet.js';

const net = networks.regtest;
const SEED = mnemonicToSeed(
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
);
const keys = new WalletKeys(SEED, net);
const FAST = { n: 2 ** 12, r: 8, p: 1 };
const PASS = 'pw';
const other = new WalletKeys(new Uint8Array(64).fill(5), net).address(RECEIVE, 0);

interface Utxo {
  txid: string;
  outputIndex: number;
  value: bigint;
  height: number;
  spendable: boolean;
}

/** A node that answers from tables and, like one that lost its mempool, never marks a coin spent. */
class FakeNode {
  genesis = hashToHex(net.genesisHash);
  used = new Set<string>();
  utxos = new Map<string, Utxo[]>();
  sent: string[] = [];
  reject: string | undefined;

  async call<T>(method: string, params: unknown[]): Promise<T> {
    // Round-trip through JSON text like the real client, so amounts arrive as RawNumber.
    return parseJsonExact(toJson(this.answer(method, params))) as T;
  }

  private answer(method: string, params: unknown[]): unknown {
    const addr = params[0] as string;
    switch (method) {
      case 'getblockhash':
        return this.genesis;
      case 'getaddresshistory':
        return this.used.has(addr) || this.utxos.has(addr)
          ? [{ txid: '00'.repeat(32), height: 1, confirmations: 1, received: new Coins(1n), sent: new Coins(0n) }]
          : [];
      case 'getaddressutxos':
        return (this.utxos.get(addr) ?? []).map((u) => ({
          address: addr,
          ...u,
          value: new Coins(u.value),
          satoshis: u.value,
          coinbase: false,
        }));
      case 'getaddressbalance': {
        const coins = this.utxos.get(addr) ?? [];
        const sum = (f: (u: Utxo) => boolean) => new Coins(coins.filter(f).reduce((t, u) => t + u.value, 0n));
        return {
          balance: sum((u) => u.height >= 0),
          spendable: sum((u) => u.height >= 0 && u.spendable),
          immature: sum((u) => !u.spendable),
          unconfirmed: sum((u) => u.height < 0),
        };
      }
      case 'estimatesmartfee':
        return { feerate: new Coins(1000n), blocks: params[0] };
      case 'sendrawtransaction': {
        if (this.reject) throw new RpcError(-26, this.reject);
        this.sent.push(params[0] as string);
        return hashToHex(txid(decodeTx(hexToBytes(params[0] as string))));
      }
      default:
        throw new RpcError(-32601, `Method not found: ${method}`);
    }
  }
}

let dir = '';
let node: FakeNode;
let clock = 1_700_000_000;
const path = () => join(dir, 'w.json');
const open = () => Wallet.open(path(), PASS, net, node as unknown as RpcClient, () => clock);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'powchain-wallet-'));
  node = new FakeNode();
  Wallet.create(path(), PASS, net, SEED, undefined, FAST).close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<WalletError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WalletError);
    return err as WalletError;
  }
  throw new Error('expected a WalletError');
}

test('restore scan: finds used addresses up to 20 unused past the last used one, saves the indexes', async () => {
  for (const i of [0, 5, 24, 50]) node.used.add(keys.address(RECEIVE, i));
  node.used.add(keys.address(CHANGE, 3));
  const w = open();
  try {
    expect(await w.sync()).toBe(true);
    // 24 lies within 20 of 5; 50 lies 25 past 24, beyond the gap limit.
    expect(w.keystore.state).toMatchObject({ receive: 25, change: 4 });
    expect(await w.sync()).toBe(false);
  } finally {
    w.close();
  }
  expect(Keystore.open(path(), PASS).state).toMatchObject({ receive: 25, change: 4 });
});

test('a node of another network is refused before anything else', async () => {
  node.genesis = hashToHex(networks.testnet.genesisHash);
  const w = open();
  try {
    const e = await failure(w.balance());
    expect(e.code).toBe('wrong-network');
    expect(e.message).toMatch(/not a regtest node/);
  } finally {
    w.close();
  }
});

test('the wallet never spends its own recent inputs twice, even when the node forgets the spend', async () => {
  const a0 = keys.address(RECEIVE, 0);
  node.utxos.set(a0, [
    { txid: '11'.repeat(32), outputIndex: 0, value: 50n * COIN, height: 1, spendable: true },
    { txid: '22'.repeat(32), outputIndex: 1, value: 50n * COIN, height: 2, spendable: true },
    { txid: '33'.repeat(32), outputIndex: 0, value: 50n * COIN, height: 3, spendable: false }, // immature
  ]);
  const w = open();
  try {
    await w.sync();
    const one = await w.send(other, 10n * COIN);
    const two = await w.send(other, 10n * COIN);
    expect(one.inputs.map((i) => i.txid)).toEqual(['11'.repeat(32)]);
    expect(two.inputs.map((i) => i.txid)).toEqual(['22'.repeat(32)]);
    expect(one.change!.address).toBe(keys.address(CHANGE, 0));
    expect(two.change!.address).toBe(keys.address(CHANGE, 1));
    expect(node.sent).toHaveLength(2);
    const third = await failure(w.send(other, 10n * COIN));
    expect(third.code).toBe('insufficient-funds');
    expect(node.sent).toHaveLength(2);
    // A day later a transaction the node never kept releases its coins.
    clock += LOCK_SECONDS + 1;
    expect((await w.send(other, 10n * COIN)).inputs[0]!.txid).toBe('11'.repeat(32));
  } finally {
    w.close();
  }
});

test("unconfirmed coins: its own change is spendable, a stranger's payment is not", async () => {
  const w = open();
  try {
    node.utxos.set(keys.address(RECEIVE, 0), [
      { txid: '44'.repeat(32), outputIndex: 0, value: 5n * COIN, height: 7, spendable: true },
    ]);
    await w.sync();
    const first = await w.send(other, 1n * COIN);
    const change = keys.address(CHANGE, 0);
    node.utxos.set(keys.address(RECEIVE, 0), [
      { txid: '55'.repeat(32), outputIndex: 0, value: 9n * COIN, height: -1, spendable: true },
    ]);
    node.utxos.set(change, [
      { txid: first.txid, outputIndex: 1, value: first.change!.value, height: -1, spendable: true },
    ]);
    await w.sync();
    const second = await w.send(other, 2n * COIN);
    expect(second.inputs).toEqual([{ txid: first.txid, index: 1, value: first.change!.value }]);
    expect((await failure(w.send(other, 3n * COIN))).code).toBe('insufficient-funds');
  } finally {
    w.close();
  }
});

test('a transaction the node refuses leaves the wallet file exactly as it was', async () => {
  node.utxos.set(keys.address(RECEIVE, 0), [
    { txid: '66'.repeat(32), outputIndex: 0, value: 50n * COIN, height: 1, spendable: true },
  ]);
  const w = open();
  try {
    await w.sync();
    const before = JSON.stringify(w.keystore.state);
    node.reject = 'min-relay-fee-not-met: fee rate 500 < minimum 1000 per kB';
    const e = await failure(w.send(other, COIN, 500n));
    expect(e.code).toBe('node-error');
    expect(e.message).toBe(
      'the node rejected the transaction: min-relay-fee-not-met: fee rate 500 < minimum 1000 per kB',
    );
    expect(JSON.stringify(w.keystore.state)).toBe(before);
    expect(JSON.stringify(Keystore.open(path(), PASS).state)).toBe(before);
  } finally {
    w.close();
  }
});

test('one holder at a time: a second open of the same wallet is refused while the first holds it', () => {
  const w = open();
  try {
    let code = '';
    try {
      Wallet.open(path(), PASS, net).close();
    } catch (err) {
      code = (err as WalletError).code;
    }
    expect(code).toBe('wallet-locked');
  } finally {
    w.close();
  }
  open().close(); // released: the next command gets it
});
