import { readFileSync } from 'node:fs';
import { decodeHeader, encodeHeader, headerHash } from '../../src/consensus/header.js';
import { networks } from '../../src/consensus/params/networks.js';
import { bitsToTarget, checkProofOfWork } from '../../src/consensus/pow.js';
import { checkHeaderPow } from '../../src/consensus/rules/block.js';
import { bytesToHex, hashToHex, hexToBytes } from '../../src/encoding/hex.js';

/**
 * Real Bitcoin headers (test/fixtures/headers.json, copied verbatim from the shared vectors):
 * powchain's header layout and hash are Bitcoin's, so these must decode, hash and meet their
 * targets under our code exactly as they did on Bitcoin.
 */

interface HeaderVector {
  height: number;
  network: string;
  hash: string;
  header: string;
  version: number;
  prevHash: string;
  merkleRoot: string;
  time: number;
  bits: number;
  bitsHex: string;
  nonce: number;
  target: string;
  meetsTarget: boolean;
}
interface InvalidHeader {
  description: string;
  hash: string;
  header: string;
  bits: number;
  target: string;
  meetsTarget: boolean;
}
interface HeaderFile {
  headers: HeaderVector[];
  invalidHeaders: InvalidHeader[];
  mainnetChain0to255: { firstHeight: number; headers: string[]; hashes: string[] };
}

const file = JSON.parse(readFileSync(new URL('../fixtures/headers.json', import.meta.url), 'utf8')) as HeaderFile &
  Record<string, unknown>;

/**
 * Bitcoin mainnet's powLimit, 2^224 - 1 (compact 0x1d00ffff is the easiest target it allows).
 * Not a powchain network: it is here only so that Bitcoin's own headers are judged by Bitcoin's limit.
 */
const BITCOIN_MAIN_POW_LIMIT = (1n << 224n) - 1n;
/** A params object that differs from powchain main only in powLimit, for checkHeaderPow's reject code. */
const bitcoinPowParams = { ...networks.main, powLimit: BITCOIN_MAIN_POW_LIMIT };

describe('headers.json: individual headers', () => {
  test('the fixture is the expected one (sections present, no raw blocks to decode)', () => {
    expect(file.headers).toHaveLength(14);
    expect(file.invalidHeaders).toHaveLength(1);
    expect(file.mainnetChain0to255.headers).toHaveLength(256);
    // Only headers are carried; full Bitcoin blocks would not be powchain transactions anyway.
    expect(Object.keys(file).sort()).toEqual([
      'conventions',
      'description',
      'headers',
      'invalidHeaders',
      'mainnetChain0to255',
      'source',
    ]);
  });

  test.each(file.headers.map((h) => [`${h.network} ${h.height}`, h] as const))('%s', (_name, v) => {
    const bytes = hexToBytes(v.header);
    const h = decodeHeader(bytes);
    expect(bytesToHex(encodeHeader(h))).toBe(v.header);
    expect(h.version).toBe(v.version);
    expect(hashToHex(h.prevHash)).toBe(v.prevHash);
    expect(hashToHex(h.merkleRoot)).toBe(v.merkleRoot);
    expect([h.time, h.bits, h.nonce]).toEqual([v.time, v.bits, v.nonce]);
    expect(h.bits).toBe(Number.parseInt(v.bitsHex, 16));

    const hash = headerHash(h);
    expect(hashToHex(hash)).toBe(v.hash);
    expect(bitsToTarget(h.bits).target).toBe(BigInt(`0x${v.target}`));
    expect(v.meetsTarget).toBe(true);
    expect(checkProofOfWork(hash, h.bits, BITCOIN_MAIN_POW_LIMIT)).toBe(true);
    expect(checkHeaderPow(hash, h.bits, bitcoinPowParams)).toEqual({ ok: true });
  });

  test('a header from the fixture with one bit of its nonce flipped no longer has its hash', () => {
    const v = file.headers[0]!;
    const h = decodeHeader(hexToBytes(v.header));
    expect(hashToHex(headerHash({ ...h, nonce: h.nonce ^ 1 }))).not.toBe(v.hash);
  });
});

describe('headers.json: invalid headers fail as the file says', () => {
  test.each(file.invalidHeaders.map((h) => [h.description, h] as const))('%s', (_name, v) => {
    expect(v.meetsTarget).toBe(false);
    const h = decodeHeader(hexToBytes(v.header));
    expect(bytesToHex(encodeHeader(h))).toBe(v.header);
    expect(h.bits).toBe(v.bits);
    const hash = headerHash(h);
    expect(hashToHex(hash)).toBe(v.hash);
    expect(bitsToTarget(h.bits).target).toBe(BigInt(`0x${v.target}`));
    // The target itself is in range: it fails on the hash alone.
    expect(bitsToTarget(h.bits).target <= BITCOIN_MAIN_POW_LIMIT).toBe(true);
    expect(checkProofOfWork(hash, h.bits, BITCOIN_MAIN_POW_LIMIT)).toBe(false);
    const r = checkHeaderPow(hash, h.bits, bitcoinPowParams);
    expect(r.ok ? undefined : r.code).toBe('high-hash');
  });
});

describe('headers.json: contiguous mainnet chain 0..255', () => {
  const chain = file.mainnetChain0to255;
  const decoded = chain.headers.map((hex) => decodeHeader(hexToBytes(hex)));
  const hashes = decoded.map(headerHash);

  test('every header re-encodes byte-identically and hashes to its listed hash', () => {
    expect(chain.firstHeight).toBe(0);
    expect(chain.hashes).toHaveLength(chain.headers.length);
    decoded.forEach((h, i) => {
      expect(bytesToHex(encodeHeader(h))).toBe(chain.headers[i]);
      expect(hashToHex(hashes[i]!)).toBe(chain.hashes[i]);
    });
  });

  test('each prevHash is the previous header hash, starting from the all-zero genesis parent', () => {
    expect(decoded[0]!.prevHash).toEqual(new Uint8Array(32));
    for (let i = 1; i < decoded.length; i++) expect(decoded[i]!.prevHash).toEqual(hashes[i - 1]);
  });

  test('every header meets its own target at bits 0x1d00ffff, and the chain agrees with the single-header entries', () => {
    decoded.forEach((h, i) => {
      expect(h.bits).toBe(0x1d00ffff);
      expect(checkProofOfWork(hashes[i]!, h.bits, BITCOIN_MAIN_POW_LIMIT)).toBe(true);
    });
    for (const v of file.headers.filter((x) => x.network === 'mainnet' && x.height < chain.headers.length)) {
      expect(chain.headers[v.height]).toBe(v.header);
    }
  });
});
