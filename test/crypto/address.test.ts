import { bech32, bech32m } from '@scure/base';
import { bytesToHex, hexToBytes } from '../../src/encoding/index.js';
import {
  AddressError,
  addressFromPublicKey,
  decodeAddress,
  encodeAddress,
  hash160,
  isValidAddress,
} from '../../src/crypto/index.js';
import type { AddressErrorCode } from '../../src/crypto/index.js';
import { seededBytes } from './helpers.js';

const G = hexToBytes('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
const HASH_G = hexToBytes('751e76e8199196d454941c45d1b3a323f1433bd6');

function codeOf(fn: () => unknown): AddressErrorCode | 'no-error' | 'other-error' {
  try {
    fn();
    return 'no-error';
  } catch (err) {
    return err instanceof AddressError ? err.code : 'other-error';
  }
}

/** Replaces the character at `i` with another bech32 character. */
function mutateChar(s: string, i: number): string {
  const alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const next = alphabet[(alphabet.indexOf(s[i]!) + 1) % 32]!;
  return s.slice(0, i) + next + s.slice(i + 1);
}

describe('bech32m addresses', () => {
  const addr = encodeAddress('pow', HASH_G);

  it('encodes version 0 followed by the hash in 5-bit words', () => {
    const { prefix, words } = bech32m.decode(addr as `${string}1${string}`);
    expect(prefix).toBe('pow');
    expect(words[0]).toBe(0);
    expect(words.length).toBe(33);
    expect(bytesToHex(Uint8Array.from(bech32m.fromWords(words.slice(1))))).toBe(bytesToHex(HASH_G));
  });

  it('addressFromPublicKey pays to hash160 of the compressed key', () => {
    expect(bytesToHex(hash160(G))).toBe(bytesToHex(HASH_G));
    expect(addressFromPublicKey('pow', G)).toBe(addr);
  });

  it('round-trips random hashes under several prefixes, and upper case decodes too', () => {
    const rand = seededBytes('address-roundtrip');
    for (const hrp of ['pow', 'tpow', 'rpow']) {
      for (let i = 0; i < 50; i++) {
        const h = rand(20);
        const a = encodeAddress(hrp, h);
        expect(a.startsWith(`${hrp}1`)).toBe(true);
        expect(bytesToHex(decodeAddress(a, hrp))).toBe(bytesToHex(h));
        expect(bytesToHex(decodeAddress(a.toUpperCase(), hrp))).toBe(bytesToHex(h));
      }
    }
  });

  it('another network prefix with a valid checksum is wrong-network', () => {
    const testnet = encodeAddress('tpow', HASH_G);
    expect(codeOf(() => decodeAddress(testnet, 'pow'))).toBe('wrong-network');
    expect(isValidAddress(testnet, 'pow')).toBe(false);
    expect(isValidAddress(testnet, 'tpow')).toBe(true);
  });

  it('every single-character substitution is bad-checksum', () => {
    for (let i = 4; i < addr.length; i++) {
      expect([i, codeOf(() => decodeAddress(mutateChar(addr, i), 'pow'))]).toEqual([i, 'bad-checksum']);
    }
  });

  it('a swapped pair of adjacent characters is bad-checksum', () => {
    const i = addr.length - 10;
    const swapped = addr.slice(0, i) + addr[i + 1] + addr[i] + addr.slice(i + 2);
    expect(swapped).not.toBe(addr);
    expect(codeOf(() => decodeAddress(swapped, 'pow'))).toBe('bad-checksum');
  });

  it('plain bech32 (BIP 173) is bad-checksum with a hint', () => {
    const legacy = bech32.encode('pow', [0, ...bech32.toWords(HASH_G)]);
    expect(codeOf(() => decodeAddress(legacy, 'pow'))).toBe('bad-checksum');
    expect(() => decodeAddress(legacy, 'pow')).toThrow(/bech32m/);
  });

  it('a version other than 0 is bad-version', () => {
    const v1 = bech32m.encode('pow', [1, ...bech32m.toWords(HASH_G)]);
    expect(codeOf(() => decodeAddress(v1, 'pow'))).toBe('bad-version');
  });

  it('a payload that is not 20 bytes is bad-length', () => {
    const short = bech32m.encode('pow', [0, ...bech32m.toWords(new Uint8Array(19))]);
    const long = bech32m.encode('pow', [0, ...bech32m.toWords(new Uint8Array(32))]);
    const empty = bech32m.encode('pow', []);
    for (const a of [short, long, empty]) expect(codeOf(() => decodeAddress(a, 'pow'))).toBe('bad-length');
    expect(codeOf(() => encodeAddress('pow', new Uint8Array(19)))).toBe('bad-length');
    expect(codeOf(() => addressFromPublicKey('pow', new Uint8Array(65)))).toBe('bad-length');
  });

  it.each([
    ['empty string', ''],
    ['no separator', 'powqqqqqqqqqqqqqq'],
    ['empty prefix', '1qqqqqqqqqqqqqqq'],
    ['mixed case', addr.slice(0, 10) + addr.slice(10).toUpperCase()],
    ['character outside the alphabet (b)', addr.slice(0, -8) + 'b' + addr.slice(-7)],
    ['character outside the alphabet (i)', addr.slice(0, -8) + 'i' + addr.slice(-7)],
    ['too short for a checksum', 'pow1qqqq'],
    ['longer than 90 characters', 'pow1' + 'q'.repeat(90)],
    ['not a string', 42 as unknown as string],
  ])('%s is bad-format', (_name, a) => {
    expect(codeOf(() => decodeAddress(a, 'pow'))).toBe('bad-format');
  });

  it('encodeAddress refuses an upper-case or empty prefix', () => {
    expect(codeOf(() => encodeAddress('POW', HASH_G))).toBe('bad-format');
    expect(codeOf(() => encodeAddress('', HASH_G))).toBe('bad-format');
  });

  it('errors carry a readable message', () => {
    try {
      decodeAddress(encodeAddress('tpow', HASH_G), 'pow');
      throw new Error('expected an AddressError');
    } catch (err) {
      expect(err).toBeInstanceOf(AddressError);
      expect((err as AddressError).message).toMatch(/wrong-network: .*"tpow".*"pow"/);
    }
  });
});
