import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HasherPool } from '../../src/mining/hasher/index.js';
import { packageRoot, type KernelName } from '../../src/mining/kernel/index.js';
import { nativeKernelHere, nativeKernelState } from './native.js';

interface FixtureHeader {
  height: number;
  header: string;
  bits: number;
  nonce: number;
}

const root = packageRoot()!;
const fixtures = JSON.parse(readFileSync(join(root, 'test/fixtures/headers.json'), 'utf8')) as {
  headers: FixtureHeader[];
};

/** Bitcoin compact bits to target (positive, non-overflowing encodings only: all these fixtures). */
function compactToTarget(bits: number): bigint {
  const size = bits >>> 24;
  const mantissa = BigInt(bits & 0x7fffff);
  return size <= 3 ? mantissa >> BigInt(8 * (3 - size)) : mantissa << BigInt(8 * (size - 3));
}

const block = (height: number): FixtureHeader => fixtures.headers.find((h) => h.height === height)!;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs')], { stdio: 'pipe' });
});

// The native kernel where it runs here (see native.ts); the others everywhere.
const kernels: KernelName[] = [...(nativeKernelHere() ? (['sha-ni'] as const) : []), 'wasm-simd', 'typescript'];

describe.each(kernels)(`hasher pool (%s; ${nativeKernelState()})`, (kernel) => {
  let pool: HasherPool;
  beforeAll(async () => {
    pool = await HasherPool.create({ threads: 2, kernel, chunkSize: 4096 });
  });
  afterAll(() => pool.close());

  it('uses the requested kernel', () => {
    expect(pool.kernel).toBe(kernel);
    expect(pool.threads).toBe(2);
  });

  it.each([100000, 170, 301321])('finds the real nonce of block %i in a range around it', async (height) => {
    const h = block(height);
    const startNonce = h.nonce - 50_000;
    const result = await pool.search(hex(h.header), compactToTarget(h.bits), {
      startNonce,
      endNonce: h.nonce + 20_000,
    });
    expect(result).toMatchObject({ found: true, nonce: h.nonce });
    expect(result.hashes).toBeGreaterThan(0);
  });

  it('reports a range without a hit as not found', async () => {
    const h = block(100000);
    const result = await pool.search(hex(h.header), compactToTarget(h.bits), {
      startNonce: h.nonce + 1,
      endNonce: h.nonce + 30_001,
    });
    expect(result).toEqual({ found: false, hashes: 30_000, aborted: false });
  });

  it('aborts a hopeless search through its AbortSignal', async () => {
    const controller = new AbortController();
    const search = pool.search(hex(block(0).header), 0n, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const result = await search;
    expect(result.found).toBe(false);
    expect(result).toMatchObject({ aborted: true });
    expect(result.hashes).toBeGreaterThan(0);
    expect(result.hashes).toBeLessThan(2 ** 32);
  });

  it('returns at once for an already aborted signal, an empty range or an impossible target', async () => {
    const header = hex(block(0).header);
    expect(await pool.search(header, 1n << 255n, { signal: AbortSignal.abort() })).toEqual({
      found: false,
      hashes: 0,
      aborted: true,
    });
    expect(await pool.search(header, 1n << 255n, { startNonce: 5, endNonce: 5 })).toEqual({
      found: false,
      hashes: 0,
      aborted: false,
    });
    expect(await pool.search(header, -1n)).toEqual({ found: false, hashes: 0, aborted: false });
  });

  it('runs overlapping searches one after the other', async () => {
    const a = block(2016);
    const b = block(301322);
    const [ra, rb] = await Promise.all([
      pool.search(hex(a.header), compactToTarget(a.bits), { startNonce: a.nonce - 9000, endNonce: a.nonce + 9000 }),
      pool.search(hex(b.header), compactToTarget(b.bits), { startNonce: b.nonce - 9000, endNonce: b.nonce + 9000 }),
    ]);
    expect(ra).toMatchObject({ found: true, nonce: a.nonce });
    expect(rb).toMatchObject({ found: true, nonce: b.nonce });
  });

  it('counts hashes and reports a rate', () => {
    expect(pool.totalHashes).toBeGreaterThan(100_000);
    expect(pool.hashRate()).toBeGreaterThan(0);
  });

  it('rejects bad ranges and headers', async () => {
    const header = hex(block(0).header);
    await expect(pool.search(new Uint8Array(79), 1n)).rejects.toThrow(RangeError);
    await expect(pool.search(header, 1n, { startNonce: 10, endNonce: 9 })).rejects.toThrow(RangeError);
    await expect(pool.search(header, 1n, { endNonce: 2 ** 32 + 1 })).rejects.toThrow(RangeError);
  });
});

describe('hasher pool lifecycle', () => {
  it('close() ends a running search as aborted and later searches fail', async () => {
    const pool = await HasherPool.create({ threads: 1 });
    const search = pool.search(hex(block(0).header), 0n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await pool.close();
    expect(await search).toMatchObject({ found: false, aborted: true });
    await expect(pool.search(hex(block(0).header), 1n)).rejects.toThrow(/closed/);
  });

  it('rejects bad options', async () => {
    await expect(HasherPool.create({ threads: 0 })).rejects.toThrow(RangeError);
    await expect(HasherPool.create({ chunkSize: 16 })).rejects.toThrow(RangeError);
  });
});
