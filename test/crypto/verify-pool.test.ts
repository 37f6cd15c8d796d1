import {
  VerifyPool,
  getBackend,
  isValidPrivateKey,
  nobleBackend,
  publicKeyFromPrivate,
  sign,
} from '../../src/crypto/index.js';
import type { VerifyBackend, VerifyItem } from '../../src/crypto/index.js';
import { SYSTEM_VERIFIER_BUILT, SYSTEM_VERIFIER_STATE } from '../helpers/system-verifier.js';
import { flipBit, flipS, seededBytes } from './helpers.js';

const native = getBackend('libsecp256k1') as VerifyBackend;
const system = getBackend('system-libsecp256k1');

/** `count` valid items from a few keys (key derivation is the slow part of building them). */
function validItems(count: number, seed: string): VerifyItem[] {
  const rand = seededBytes(seed);
  const keys = Array.from({ length: 8 }, () => {
    let priv = rand(32);
    while (!isValidPrivateKey(priv)) priv = rand(32);
    return { priv, pub: publicKeyFromPrivate(priv) };
  });
  return Array.from({ length: count }, (_, i) => {
    const { priv, pub } = keys[i % keys.length]!;
    const digest = rand(32);
    return { sig: sign(digest, priv), digest, pubkey: pub };
  });
}

function inlineFirstInvalid(backend: VerifyBackend, items: readonly VerifyItem[]): number {
  return items.findIndex((it) => !backend.verify(it.sig, it.digest, it.pubkey));
}

const ITEMS = validItems(500, 'verify-pool');
const withItem = (index: number, item: VerifyItem): VerifyItem[] => ITEMS.map((it, i) => (i === index ? item : it));
const tamperDigest = (it: VerifyItem): VerifyItem => ({ ...it, digest: flipBit(it.digest, 3) });

// The JS backend verifies ~400 signatures a second per core, so it gets fewer bad-index cases.
// The system backend where it is built (backends.test.ts checks that it loads exactly there).
const backends: [string, VerifyBackend, number[]][] = [
  ...(system ? [['system-libsecp256k1', system, [0, 1, 249, 250, 317, 499]] as [string, VerifyBackend, number[]]] : []),
  ['libsecp256k1', native, [0, 1, 249, 250, 317, 499]],
  ['noble', nobleBackend, [0, 317]],
];
describe.each(backends)('VerifyPool with the %s backend', (_name, backend, badIndexes) => {
  // Two workers even on one core, so that chunking and result merging are exercised everywhere.
  const pool = new VerifyPool({ backend, size: 2 });
  const workersOnly = new VerifyPool({ backend, size: 3, inlineThreshold: 0 });
  afterAll(async () => {
    await pool.close();
    await workersOnly.close();
  });

  it('all valid: -1', async () => {
    expect(pool.backend.name).toBe(backend.name);
    expect(await pool.verifyBatch(ITEMS)).toBe(-1);
    expect(await workersOnly.verifyBatch(ITEMS)).toBe(-1);
  });

  it.each(badIndexes)('one bad digest at %i: that index, as inline verification says', async (index) => {
    const items = withItem(index, tamperDigest(ITEMS[index]!));
    expect(inlineFirstInvalid(backend, items)).toBe(index);
    expect(await pool.verifyBatch(items)).toBe(index);
    expect(await workersOnly.verifyBatch(items)).toBe(index);
  });

  it('several bad items, structural and cryptographic: the first of them', async () => {
    const items = ITEMS.slice();
    items[400] = { ...items[400]!, sig: flipS(items[400]!.sig) }; // non-canonical, caught before the workers
    items[120] = tamperDigest(items[120]!); // caught by a worker
    items[450] = { ...items[450]!, pubkey: items[450]!.pubkey.subarray(0, 32) };
    expect(await pool.verifyBatch(items)).toBe(120);
    items[120] = ITEMS[120]!;
    expect(await pool.verifyBatch(items)).toBe(400);
    items[60] = { ...items[60]!, sig: new Uint8Array(64) };
    expect(await workersOnly.verifyBatch(items)).toBe(60);
  });

  it('small batches are answered the same way (inline, or off the thread when asked)', async () => {
    const small = ITEMS.slice(0, 10);
    expect(await pool.verifyBatch(small)).toBe(-1);
    expect(await pool.verifyOffThread(small)).toBe(-1);
    small[7] = tamperDigest(small[7]!);
    expect(await pool.verifyBatch(small)).toBe(7);
    expect(await pool.verifyOffThread(small)).toBe(7);
    small[3] = { ...small[3]!, sig: flipS(small[3]!.sig) }; // non-canonical: caught before the workers
    expect(await pool.verifyOffThread(small)).toBe(3);
    expect(await pool.verifyBatch([])).toBe(-1);
    expect(await pool.verifyOffThread([])).toBe(-1);
  });

  it('concurrent batches each get their own answer', async () => {
    const batches = [-1, 5, 123, 480].map((bad) => (bad < 0 ? ITEMS : withItem(bad, tamperDigest(ITEMS[bad]!))));
    expect(await Promise.all(batches.map((b) => workersOnly.verifyBatch(b)))).toEqual([-1, 5, 123, 480]);
  });
});

describe('VerifyPool lifecycle', () => {
  it(`defaults to at least one worker and the selected backend (${SYSTEM_VERIFIER_STATE})`, async () => {
    const pool = new VerifyPool();
    expect(pool.size).toBeGreaterThanOrEqual(1);
    expect(pool.backend.name).toBe(SYSTEM_VERIFIER_BUILT ? 'system-libsecp256k1' : 'libsecp256k1');
    expect(new VerifyPool({ size: 0 }).size).toBe(1);
    await pool.close();
  });

  it('a closed pool refuses work, and close() rejects batches still in flight', async () => {
    const pool = new VerifyPool({ backend: nobleBackend, size: 1, inlineThreshold: 0 });
    const inFlight = expect(pool.verifyBatch(ITEMS)).rejects.toThrow(/closed/);
    await pool.close();
    await inFlight;
    await expect(pool.verifyBatch(ITEMS)).rejects.toThrow(/closed/);
  });
});
