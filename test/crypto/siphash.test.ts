import { readFileSync } from 'node:fs';
import { sipKey, siphash24 } from '../../src/crypto/siphash.js';
import { hexToBytes } from '../../src/encoding/hex.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/siphash24.json', import.meta.url), 'utf8')) as {
  key: string;
  vectors: { length: number; hash: string }[];
};

/** A slow, obviously-correct SipHash-2-4 on BigInts: the fast one must agree with it on random inputs. */
function referenceSiphash(key: Uint8Array, data: Uint8Array): bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M;
  const le = (b: Uint8Array, o: number, n: number) => {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i]!);
    return v;
  };
  const k0 = le(key, 0, 8);
  const k1 = le(key, 8, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & M;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & M;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & M;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const whole = data.length - (data.length % 8);
  const words: bigint[] = [];
  for (let i = 0; i < whole; i += 8) words.push(le(data, i, 8));
  words.push((BigInt(data.length & 0xff) << 56n) | le(data, whole, data.length - whole));
  for (const m of words) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

const asBigInt = (out: Uint32Array) => (BigInt(out[0]!) << 32n) | BigInt(out[1]!);

describe('siphash24', () => {
  const key = hexToBytes(fixture.key);
  const input = Uint8Array.from({ length: 64 }, (_, i) => i);

  it('matches the 64 reference vectors (messages of 0 to 63 bytes)', () => {
    expect(fixture.vectors).toHaveLength(64);
    for (const v of fixture.vectors) {
      expect(
        asBigInt(siphash24(sipKey(key), input.subarray(0, v.length)))
          .toString(16)
          .padStart(16, '0'),
      ).toBe(v.hash);
    }
  });

  it('agrees with a BigInt reference on random keys and 32-byte inputs (short ids hash txids)', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
    const out = new Uint32Array(2);
    for (let n = 0; n < 200; n++) {
      const k = Uint8Array.from({ length: 16 }, rand);
      const data = Uint8Array.from({ length: n % 3 === 0 ? 32 : n % 41 }, rand);
      expect(asBigInt(siphash24(sipKey(k), data, out))).toBe(referenceSiphash(k, data));
    }
  });

  it('reads the key at an offset (the first 16 bytes of a 32-byte SHA-256)', () => {
    const padded = new Uint8Array(20);
    padded.set(key, 4);
    expect(sipKey(padded, 4)).toEqual(sipKey(key));
  });
});
