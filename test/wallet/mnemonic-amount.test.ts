import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { COIN, MAX_MONEY } from '../../src/consensus/amounts.js';
import { networks } from '../../src/consensus/params/networks.js';
import { hash160 } from '../../src/crypto/hash.js';
import { publicKeyFromPrivate } from '../../src/crypto/keys.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { formatCoins, parseAmount, parseFeeRate } from '../../src/wallet/amount.js';
import { WalletError } from '../../src/wallet/errors.js';
import { accountPath, CHANGE, RECEIVE, WalletKeys } from '../../src/wallet/keys.js';
import { checkMnemonic, mnemonicToSeed, newMnemonic, normalizeMnemonic } from '../../src/wallet/mnemonic.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WalletError);
    return { code: (err as WalletError).code, message: (err as Error).message };
  }
  throw new Error('expected a WalletError');
}

describe('BIP39', () => {
  test('the reference vector: "abandon ... about" and its seed (empty BIP39 passphrase)', () => {
    expect(bytesToHex(mnemonicToSeed(ABANDON))).toBe(
      '5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4',
    );
    // BIP84's own vector through the same seed and BIP32 code: m/84'/0'/0'/0/0.
    const k = HDKey.fromMasterSeed(mnemonicToSeedSync(ABANDON, '')).derive("m/84'/0'/0'/0/0");
    expect(bytesToHex(k.publicKey!)).toBe('0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c');
  });

  test('new phrases are 24 valid words and never repeat', () => {
    const a = newMnemonic();
    expect(a.split(' ')).toHaveLength(24);
    expect(checkMnemonic(a)).toBe(a);
    expect(newMnemonic()).not.toBe(a);
  });

  test('input is normalized: case, extra spaces, newlines', () => {
    expect(normalizeMnemonic(`  ${ABANDON.toUpperCase().replace(/ /g, ' \n  ')}\n`)).toBe(ABANDON);
    expect(checkMnemonic(ABANDON.toUpperCase())).toBe(ABANDON);
  });

  test('a wrong checksum, an unknown word and a wrong length each say what is wrong', () => {
    const swapped = ABANDON.replace(/about$/, 'abandon');
    expect(failure(() => checkMnemonic(swapped))).toEqual({
      code: 'bad-mnemonic',
      message: 'the recovery phrase checksum does not match: a word is wrong or two are swapped',
    });
    expect(failure(() => checkMnemonic(ABANDON.replace('about', 'aboot'))).message).toBe(
      "word 12 ('aboot') is not in the BIP39 English word list",
    );
    expect(failure(() => checkMnemonic('abandon about')).message).toMatch(/12, 15, 18, 21 or 24 words, this one has 2/);
    expect(failure(() => checkMnemonic('')).code).toBe('bad-mnemonic');
    expect(failure(() => mnemonicToSeed(swapped)).code).toBe('bad-mnemonic');
  });
});

describe('HD keys', () => {
  const seed = mnemonicToSeed(ABANDON);

  test('one fixed path per network, with a distinct coin type each', () => {
    expect(accountPath('main')).toBe("m/84'/8732'/0'");
    expect(accountPath('testnet')).toBe("m/84'/18732'/0'");
    expect(accountPath('regtest')).toBe("m/84'/28732'/0'");
    const k = new WalletKeys(seed, networks.regtest).key(CHANGE, 7);
    expect(k.path).toBe("m/84'/28732'/0'/1/7");
    const direct = HDKey.fromMasterSeed(seed).derive(k.path);
    expect(k.privateKey).toEqual(direct.privateKey);
    expect(k.publicKey).toEqual(publicKeyFromPrivate(k.privateKey));
    expect(k.pubKeyHash).toEqual(hash160(k.publicKey));
  });

  test('pinned addresses for the reference phrase (a changed path would lose coins)', () => {
    const reg = new WalletKeys(seed, networks.regtest);
    expect(reg.fingerprint).toBe('73c5da0a');
    expect(reg.address(RECEIVE, 0)).toBe('rpow1q2p6pfkx4vrh840l3wqmp9fpcsw0t78mjht38gq');
    expect(reg.address(CHANGE, 0)).toBe('rpow1qe5pf0jd9pxy2y99kktex73ckxkrx0rq96zf76c');
    expect(new WalletKeys(seed, networks.testnet).address(RECEIVE, 0)).toBe(
      'tpow1q97ff3zrmtslvgj0efkk6kgpkzgt5dxs9vurxfa',
    );
    expect(new WalletKeys(seed, networks.main).address(RECEIVE, 0)).toBe('pow1q4ztrvh6vja3u9utzjyw9ny3j0w22w5ejyh0pej');
  });
});

describe('amounts', () => {
  test('decimal strings with up to 8 decimals parse exactly to base units', () => {
    expect(parseAmount('12.5')).toBe(1_250_000_000n);
    expect(parseAmount('0.00000001')).toBe(1n);
    expect(parseAmount('0.1')).toBe(10_000_000n);
    expect(parseAmount('20999999.99999999')).toBe(MAX_MONEY - 1n); // no float rounding anywhere
    expect(parseAmount('21000000')).toBe(MAX_MONEY);
    expect(parseAmount(' 7 ')).toBe(7n * COIN);
  });

  test.each([
    ['1e3', /not a decimal number of coins/],
    ['0.000000001', /more than 8 decimals/],
    ['-1', /must be positive/],
    ['abc', /not a decimal number of coins/],
    ['0', /greater than zero/],
    ['0.00000000', /greater than zero/],
    ['', /missing/],
    ['1,5', /not a decimal number/],
    ['0x10', /not a decimal number/],
    ['Infinity', /not a decimal number/],
    ['21000000.00000001', /more than the 21,000,000 coins/],
  ])('%j is refused', (text, reason) => {
    const f = failure(() => parseAmount(text));
    expect(f.code).toBe('bad-amount');
    expect(f.message).toMatch(reason);
  });

  test('fee rates: positive, exact, bounded', () => {
    expect(parseFeeRate('0.00001')).toBe(1000n);
    expect(failure(() => parseFeeRate('0')).code).toBe('bad-fee-rate');
    expect(failure(() => parseFeeRate('1e-5')).code).toBe('bad-fee-rate');
    expect(failure(() => parseFeeRate('0.5')).message).toMatch(/safety limit/);
  });

  test('formatting is exact, 8 decimals', () => {
    expect(formatCoins(1_250_000_000n)).toBe('12.50000000');
    expect(formatCoins(1n)).toBe('0.00000001');
    expect(formatCoins(-1_375_000_400n)).toBe('-13.75000400');
  });
});
