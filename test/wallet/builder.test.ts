import { COIN } from '../../src/consensus/amounts.js';
import { networks } from '../../src/consensus/params/networks.js';
import { checkTransaction, checkTxInputs, signatureItems } from '../../src/consensus/rules/index.js';
import { decodeTx, encodeTx, txSize, type Transaction } from '../../src/consensus/tx.js';
import type { Coin } from '../../src/consensus/coin.js';
import { verifySignature } from '../../src/crypto/verify.js';
import { hashToHex } from '../../src/encoding/hex.js';
import { buildTransaction, signTransaction, signedTxSize } from '../../src/wallet/builder.js';
import { DUST, feeFor, selectCoins, type Candidate } from '../../src/wallet/coin-select.js';
import { WalletError } from '../../src/wallet/errors.js';
import { CHANGE, RECEIVE, WalletKeys } from '../../src/wallet/keys.js';
import { mnemonicToSeed } from '../../src/wallet/mnemonic.js';

const net = networks.regtest;
const keys = new WalletKeys(
  mnemonicToSeed('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'),
  net,
);
const alice = keys.key(RECEIVE, 0);
const alice2 = keys.key(RECEIVE, 1);
const change = keys.key(CHANGE, 0);
const bob = new WalletKeys(new Uint8Array(64).fill(9), net).key(RECEIVE, 0);
const txidHex = (n: number) => n.toString(16).padStart(64, '0');

function failure(fn: () => unknown): WalletError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WalletError);
    return err as WalletError;
  }
  throw new Error('expected a WalletError');
}

describe('coin selection', () => {
  const rate = 1000n; // base units per kB: the regtest relay minimum
  const coin = (n: number, coins: bigint, height = 10): Candidate => ({
    txid: txidHex(n),
    index: 0,
    value: coins,
    height,
  });

  test('sizes and fees are exact: 134 bytes per signed input, 28 per output, fee rounded up', () => {
    expect(signedTxSize(1, 2)).toBe(200);
    expect(signedTxSize(2, 2)).toBe(334);
    expect(signedTxSize(1, 1)).toBe(172);
    expect(feeFor(200, 1000n)).toBe(200n);
    expect(feeFor(201, 1500n)).toBe(302n); // 301.5 up
  });

  test('the smallest single coin that pays wins; change is the rest minus the fee', () => {
    const s = selectCoins([coin(1, 50n * COIN), coin(2, 20n * COIN), coin(3, 5n * COIN)], 12n * COIN, rate);
    expect(s.coins.map((c) => c.txid)).toEqual([txidHex(2)]);
    expect(s.fee).toBe(200n);
    expect(s.change).toBe(8n * COIN - 200n);
    expect(s.size).toBe(200);
  });

  test('no single coin pays: largest first until they do', () => {
    const s = selectCoins([coin(1, 3n * COIN), coin(2, 5n * COIN), coin(3, 4n * COIN)], 8n * COIN + 1n, rate);
    expect(s.coins.map((c) => c.value)).toEqual([5n * COIN, 4n * COIN]);
    expect(s.fee).toBe(334n);
    expect(s.coins.reduce((t, c) => t + c.value, 0n)).toBe(8n * COIN + 1n + s.fee + s.change);
  });

  test('change below dust goes to the fee, with one output', () => {
    const s = selectCoins([coin(1, COIN + 200n + DUST - 1n)], COIN, rate);
    expect(s.change).toBe(0n);
    expect(s.size).toBe(172);
    expect(s.fee).toBe(200n + DUST - 1n);
  });

  test('confirmed coins first; unconfirmed ones only when needed', () => {
    const pending = coin(9, 30n * COIN, -1);
    expect(selectCoins([pending, coin(1, 40n * COIN)], 10n * COIN, rate).coins[0]!.txid).toBe(txidHex(1));
    expect(selectCoins([pending, coin(1, 4n * COIN)], 10n * COIN, rate).coins.map((c) => c.txid)).toEqual([txidHex(9)]);
  });

  test('not enough: insufficient-funds, with the numbers', () => {
    const e = failure(() => selectCoins([coin(1, 5n * COIN), coin(2, 5n * COIN)], 10n * COIN, rate));
    expect(e.code).toBe('insufficient-funds');
    expect(e.message).toMatch(/sending 10\.00000000 .* needs more than the 10\.00000000 spendable/);
    expect(failure(() => selectCoins([], 1n, rate)).code).toBe('insufficient-funds');
  });
});

describe('buildTransaction + signTransaction', () => {
  const funding = { txid: txidHex(0xabc), index: 1, value: 50n * COIN, address: alice.address };
  const funding2 = { txid: txidHex(0xdef), index: 0, value: 3n * COIN, pubKeyHash: alice2.pubKeyHash };
  const coinsOf = (tx: Transaction, values: bigint[], pkhs: Uint8Array[]): Coin[] =>
    tx.inputs.map((_, i) => ({ value: values[i]!, pubKeyHash: pkhs[i]!, height: 1, coinbase: false }));

  test('a payment with change passes checkTransaction, the input rules, and every signature verifies', () => {
    const unsigned = buildTransaction(net, {
      inputs: [funding, funding2],
      outputs: [
        { address: bob.address, value: 12n * COIN + 50_000_000n },
        { pubKeyHash: change.pubKeyHash, value: 40n * COIN },
      ],
    });
    expect(unsigned.fee).toBe(50n * COIN + 3n * COIN - 52n * COIN - 50_000_000n);
    expect(unsigned.tx.inputs.every((i) => i.unlock.length === 0)).toBe(true);
    const signed = signTransaction(unsigned, [alice.privateKey, alice2.privateKey], net);
    expect(unsigned.tx.inputs[0]!.unlock.length).toBe(0); // not mutated
    expect(txSize(signed)).toBe(unsigned.signedSize);
    expect(signed.inputs[0]!.prevIndex).toBe(1);
    expect(hashToHex(signed.inputs[0]!.prevTxid)).toBe(funding.txid);

    const back = decodeTx(encodeTx(signed));
    expect(checkTransaction(back, net.maxBlockBytes)).toEqual({ ok: true });
    const coins = coinsOf(back, [funding.value, funding2.value], [alice.pubKeyHash, alice2.pubKeyHash]);
    expect(checkTxInputs(back, coins, 10, net.coinbaseMaturity)).toEqual({ ok: true, fee: unsigned.fee });
    const items = signatureItems(back, coins, net.genesisHash);
    expect(items).toHaveLength(2);
    for (const it of items) expect(verifySignature(it.sig, it.digest, it.pubkey)).toBe(true);
    // Replay protection: the same signatures mean nothing on another network.
    const onMain = signatureItems(back, coins, networks.main.genesisHash);
    expect(onMain.some((it) => verifySignature(it.sig, it.digest, it.pubkey))).toBe(false);
  });

  test('signing is deterministic (RFC 6979) and keys can come from a lookup by pubKeyHash', () => {
    const unsigned = buildTransaction(net, { inputs: [funding], outputs: [{ address: bob.address, value: COIN }] });
    const byIndex = signTransaction(unsigned, [alice.privateKey], net);
    const byLookup = signTransaction(
      unsigned,
      (pkh) => (pkh.every((b, i) => b === alice.pubKeyHash[i]) ? alice.privateKey : undefined),
      net,
    );
    expect(encodeTx(byLookup)).toEqual(encodeTx(byIndex));
  });

  test('a key that does not own the coin, or no key, is refused', () => {
    const unsigned = buildTransaction(net, { inputs: [funding], outputs: [{ address: bob.address, value: COIN }] });
    expect(failure(() => signTransaction(unsigned, [bob.privateKey], net)).code).toBe('wrong-key');
    expect(failure(() => signTransaction(unsigned, [], net)).code).toBe('wrong-key');
    expect(failure(() => signTransaction(unsigned, () => undefined, net)).message).toMatch(
      /no valid private key for input 0/,
    );
  });

  test('bad inputs and outputs are WalletErrors with a reason', () => {
    const pay = [{ address: bob.address, value: COIN }];
    expect(failure(() => buildTransaction(net, { inputs: [], outputs: pay })).code).toBe('bad-transaction');
    expect(failure(() => buildTransaction(net, { inputs: [funding], outputs: [] })).code).toBe('bad-transaction');
    expect(failure(() => buildTransaction(net, { inputs: [funding, { ...funding }], outputs: pay })).message).toMatch(
      /same coin/,
    );
    expect(
      failure(() => buildTransaction(net, { inputs: [funding], outputs: [{ address: bob.address, value: 0n }] }))
        .message,
    ).toMatch(/outside 1\.\.MAX_MONEY/);
    expect(
      failure(() =>
        buildTransaction(net, { inputs: [funding], outputs: [{ address: bob.address, value: 51n * COIN }] }),
      ).code,
    ).toBe('insufficient-funds');
    expect(
      failure(() => buildTransaction(net, { inputs: [{ ...funding, txid: 'xyz' }], outputs: pay })).message,
    ).toMatch(/64 hex/);
    const testnetAddr = new WalletKeys(new Uint8Array(64).fill(9), networks.testnet).address(RECEIVE, 0);
    expect(
      failure(() => buildTransaction(net, { inputs: [funding], outputs: [{ address: testnetAddr, value: COIN }] }))
        .code,
    ).toBe('wrong-network');
    const typo = bob.address.slice(0, -1) + (bob.address.endsWith('q') ? 'p' : 'q');
    expect(
      failure(() => buildTransaction(net, { inputs: [funding], outputs: [{ address: typo, value: COIN }] })).code,
    ).toBe('bad-address');
  });

  test('selection, build and sign agree on the size and the fee', () => {
    const cands = [
      { txid: txidHex(1), index: 0, value: 50n * COIN, height: 1, key: alice },
      { txid: txidHex(2), index: 3, value: 2n * COIN, height: 2, key: alice2 },
    ];
    const sel = selectCoins(cands, 51n * COIN, 2500n);
    const unsigned = buildTransaction(net, {
      inputs: sel.coins.map((c) => ({ txid: c.txid, index: c.index, value: c.value, pubKeyHash: c.key.pubKeyHash })),
      outputs: [
        { address: bob.address, value: 51n * COIN },
        { address: change.address, value: sel.change },
      ],
    });
    const signed = signTransaction(
      unsigned,
      sel.coins.map((c) => c.key.privateKey),
      net,
    );
    expect(encodeTx(signed).length).toBe(sel.size);
    expect(unsigned.fee).toBe(sel.fee);
    expect(sel.fee).toBe(feeFor(334, 2500n));
  });
});
