import { bytesToHex, hashToHex, hexToBytes } from '../../src/encoding/index.js';
import { hash160, hmacSha256, sha256, sha256d } from '../../src/crypto/index.js';
import { hash160Equals } from '../../src/crypto/hash.js';
import { ripemd160 } from '../../src/crypto/ripemd160.js';
import { sha256dResume, sha256Midstate } from '../../src/crypto/sha256.js';
import { rng } from '../helpers/random.js';
import { sha256Vectors } from './fixtures.js';

/** Rebuilds the long inputs the fixture describes by a generator instead of listing. */
function generate(generator: string, length: number): Uint8Array {
  if (generator.startsWith("1000000 bytes of 'a'")) return new Uint8Array(length).fill(0x61);
  if (generator.startsWith('LongTestString')) {
    // Bitcoin Core's LongTestString(): for i in 0..199999, bytes i, i>>4, i>>8, i>>12, i>>16.
    const out = new Uint8Array(length);
    for (let i = 0; i < length / 5; i++) {
      out[5 * i] = i & 0xff;
      out[5 * i + 1] = (i >> 4) & 0xff;
      out[5 * i + 2] = (i >> 8) & 0xff;
      out[5 * i + 3] = (i >> 12) & 0xff;
      out[5 * i + 4] = (i >> 16) & 0xff;
    }
    return out;
  }
  throw new Error(`unknown generator in fixture: ${generator}`);
}

function inputOf(v: (typeof sha256Vectors.sha256)[number]): Uint8Array {
  if (v.inputHex !== undefined) return hexToBytes(v.inputHex);
  return generate(v.generator!, v.length);
}

describe('sha256 vectors', () => {
  it('the fixture keeps its provenance', () => {
    expect(sha256Vectors.source.length).toBeGreaterThan(0);
    expect(sha256Vectors.sha256.length).toBe(11);
    expect(sha256Vectors.hmacSha256.length).toBe(9);
    expect(sha256Vectors.sha256d.length).toBe(4);
  });

  it.each(sha256Vectors.sha256.map((v, i) => [i, v.inputAscii ?? v.generator, v] as const))(
    'sha256 #%i %j',
    (_i, _label, v) => {
      const input = inputOf(v);
      expect(input.length).toBe(v.length);
      if (v.inputAscii !== undefined) expect(new TextDecoder().decode(input)).toBe(v.inputAscii);
      if (v.first16Hex !== undefined) expect(bytesToHex(input.subarray(0, 16))).toBe(v.first16Hex);
      expect(bytesToHex(sha256(input))).toBe(v.sha256);
    },
  );

  it.each(sha256Vectors.hmacSha256.map((v) => [v.name, v] as const))('hmac-sha256 %s', (_name, v) => {
    expect(bytesToHex(hmacSha256(hexToBytes(v.keyHex), hexToBytes(v.dataHex)))).toBe(v.hmacSha256);
  });

  it.each(sha256Vectors.sha256d.map((v, i) => [i, v] as const))('sha256d #%i', (_i, v) => {
    const input = hexToBytes(v.inputHex);
    expect(bytesToHex(sha256(input))).toBe(v.sha256);
    const d = sha256d(input);
    expect(bytesToHex(d)).toBe(v.sha256d);
    if (v.sha256dReversed !== undefined) expect(hashToHex(d)).toBe(v.sha256dReversed);
  });
});

describe('hash160', () => {
  it('is ripemd160(sha256(x)) of the compressed generator point (a well-known key hash)', () => {
    // Public key of private key 1; its hash160 is the payload of Bitcoin's 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH.
    const g = hexToBytes('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
    expect(bytesToHex(hash160(g))).toBe('751e76e8199196d454941c45d1b3a323f1433bd6');
  });

  it('hash160Equals says whether hash160(x) is the given hash, for every byte that could differ', () => {
    for (let len = 0; len <= 250; len += 7) {
      const x = Uint8Array.from({ length: len }, (_, i) => (i * 31 + len) & 0xff);
      const h = hash160(x);
      expect([len, hash160Equals(x, h)]).toEqual([len, true]);
      for (let i = 0; i < 20; i++) {
        const other = h.slice();
        other[i]! ^= 0x40;
        expect([len, i, hash160Equals(x, other)]).toEqual([len, i, false]);
      }
      expect(hash160Equals(x, h.subarray(0, 19))).toBe(false);
    }
  });
});

describe('the hot-path RIPEMD-160 (src/crypto/ripemd160.ts)', () => {
  // The test vectors of the RIPEMD-160 specification's page (Bosselaers, KU Leuven COSIC).
  it.each([
    ['', '9c1185a5c5e9fc54612808977ee8f548b2258d31'],
    ['a', '0bdc9d2d256b3ee9daae347be6f4dc835a467ffe'],
    ['abc', '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc'],
    ['message digest', '5d0689ef49d2fae572b881b123a85ffa21595f36'],
    ['abcdefghijklmnopqrstuvwxyz', 'f71c27109c692c1b56bbdceb5b9d2865b3708dbc'],
    ['1234567890'.repeat(8), '9b752e45573d4b39f4dbd3323cab82bf63326bfb'],
  ])('published vector %j', (input, digest) => {
    expect(bytesToHex(ripemd160(new TextEncoder().encode(input)))).toBe(digest);
  });

  it('agrees with @noble/hashes on every length from 0 to 300 bytes, and on a view into a larger buffer', async () => {
    const { ripemd160: noble } = await import('@noble/hashes/legacy.js');
    const rand = rng(11).bytes;
    for (let len = 0; len <= 300; len++) {
      const data = rand(len);
      expect(bytesToHex(ripemd160(data))).toBe(bytesToHex(noble(data)));
    }
    const big = rand(100);
    const view = big.subarray(7, 40);
    expect(bytesToHex(ripemd160(view))).toBe(bytesToHex(noble(view.slice())));
    expect(bytesToHex(hash160(view))).toBe(bytesToHex(noble(sha256(view.slice()))));
  });
});

describe('the hot-path SHA-256 (src/crypto/sha256.ts) against @noble/hashes', () => {
  it('agrees on every length from 0 to 1,100 bytes (each padding case: 55, 56, 63, 64, 119, 120 ...)', async () => {
    const { sha256: noble } = await import('@noble/hashes/sha2.js');
    const rand = rng(7).bytes;
    for (let len = 0; len <= 1100; len++) {
      const data = rand(len);
      expect(bytesToHex(sha256(data))).toBe(bytesToHex(noble(data)));
      expect(bytesToHex(sha256d(data))).toBe(bytesToHex(noble(noble(data))));
    }
  });

  it('hashes a view into a larger buffer by its own bytes only', () => {
    const big = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const view = big.subarray(37, 37 + 100);
    expect(bytesToHex(sha256(view))).toBe(bytesToHex(sha256(view.slice())));
  });

  it('resumes from a midstate: sha256dResume(midstate of the first 64 bytes, rest) is sha256d of the whole', async () => {
    const { sha256: noble } = await import('@noble/hashes/sha2.js');
    const head = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    const mid = sha256Midstate(head);
    for (let len = 0; len <= 200; len++) {
      const rest = Uint8Array.from({ length: len }, (_, i) => (i * 101 + len) & 0xff);
      const whole = new Uint8Array(64 + len);
      whole.set(head);
      whole.set(rest, 64);
      expect([len, bytesToHex(sha256dResume(mid, rest))]).toEqual([len, bytesToHex(noble(noble(whole)))]);
    }
    // The midstate is the caller's own copy: hashing in between does not disturb it.
    sha256d(new Uint8Array(500));
    expect(bytesToHex(sha256dResume(mid, new Uint8Array(0)))).toBe(bytesToHex(noble(noble(head))));
    expect(() => sha256Midstate(new Uint8Array(63))).toThrow(RangeError);
  });

  it('returns a fresh array each call (callers keep results while hashing more)', () => {
    const a = sha256d(new Uint8Array([1]));
    const b = sha256d(new Uint8Array([2]));
    expect(a).not.toBe(b);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(bytesToHex(a)).toBe(bytesToHex(sha256d(new Uint8Array([1]))));
  });
});
