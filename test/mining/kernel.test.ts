import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256d } from '../../src/crypto/hash.js';
import {
  createNativeKernel,
  createTsKernel,
  createWasmKernel,
  findWasmFile,
  loadBestKernel,
  loadBestKernelExplained,
  loadKernel,
  loadNativeMiner,
  packageRoot,
  selfTest,
} from '../../src/mining/kernel/index.js';
import type { HashKernel, KernelName } from '../../src/mining/kernel/index.js';
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
  invalidHeaders: { header: string; bits: number }[];
};

/** Bitcoin compact bits to target (positive, non-overflowing encodings only: all these fixtures). */
function compactToTarget(bits: number): bigint {
  const size = bits >>> 24;
  const mantissa = BigInt(bits & 0x7fffff);
  return size <= 3 ? mantissa >> BigInt(8 * (3 - size)) : mantissa << BigInt(8 * (size - 3));
}

/** The reference: @noble/hashes sha256d per nonce, the hash read as a LE integer. */
function hashValue(header: Uint8Array, nonce: number): bigint {
  const h = new Uint8Array(header);
  new DataView(h.buffer).setUint32(76, nonce, true);
  const d = sha256d(h);
  let v = 0n;
  for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(d[i]!);
  return v;
}

function referenceScan(header: Uint8Array, target: bigint, start: number, count: number): number {
  for (let n = start; n < start + count; n++) if (hashValue(header, n) <= target) return n;
  return -1;
}

/** xorshift32: reproducible random cases. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

beforeAll(() => {
  // The .wasm is a build product (npm run build); make sure it exists and is current.
  execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs')], { stdio: 'pipe' });
});

const create: Record<KernelName, () => HashKernel> = {
  typescript: createTsKernel,
  'wasm-simd': () => createWasmKernel(),
  'sha-ni': () => createNativeKernel(),
};
// The native kernel is tested wherever npm install built it and the CPU runs it; where not, the
// selection tests below check that it is reported unavailable, with its reason.
const kernels: KernelName[] = ['typescript', 'wasm-simd', ...(nativeKernelHere() ? (['sha-ni'] as const) : [])];

describe.each(kernels)(`%s kernel (${nativeKernelState()})`, (name) => {
  let kernel: HashKernel;
  beforeAll(() => {
    kernel = create[name]();
  });

  it('passes its self-test', () => {
    expect(kernel.name).toBe(name);
    expect(() => selfTest(kernel)).not.toThrow();
  });

  it.each(fixtures.headers.map((h) => [h.height, h] as const))('finds the real nonce of block %i', (_, h) => {
    const header = hex(h.header);
    const before = new Uint8Array(header);
    const target = compactToTarget(h.bits);
    const start = Math.max(0, h.nonce - 3001);
    expect(kernel.scan(header, target, start, h.nonce - start + 1003)).toBe(h.nonce);
    // the range ending right before the nonce must not report it
    expect(kernel.scan(header, target, start, h.nonce - start)).toBe(-1);
    expect(header).toEqual(before);
  });

  it('rejects the fixture header whose nonce misses the target', () => {
    const bad = fixtures.invalidHeaders[0]!;
    expect(kernel.scan(hex(bad.header), compactToTarget(bad.bits), 0, 1)).toBe(-1);
  });

  it('agrees with the reference on 10,000 random headers and easy targets', () => {
    const next = rng(kernels.indexOf(name) + 1);
    const header = new Uint8Array(80);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) {
      for (let j = 0; j < 80; j++) header[j] = next() & 0xff;
      // Random target below 2^(256 - shift): each nonce hits with probability ~2^-shift.
      let target = 0n;
      for (let j = 0; j < 8; j++) target = (target << 32n) | BigInt(next());
      target >>= BigInt(next() % 10);
      const count = next() % 24;
      const start = i % 5 === 0 ? 2 ** 32 - Math.max(count, 1) - (next() % 4) : next() % (2 ** 32 - count);
      const expected = referenceScan(header, target, start, count);
      if (expected >= 0) hits++;
      expect([i, kernel.scan(header, target, start, count)]).toEqual([i, expected]);
    }
    expect(hits).toBeGreaterThan(1000);
  });

  it('compares every word: a target equal to the hash hits, one below misses', () => {
    const next = rng(3);
    const header = new Uint8Array(80);
    for (let i = 0; i < 300; i++) {
      for (let j = 0; j < 80; j++) header[j] = next() & 0xff;
      const nonce = next();
      const value = hashValue(header, nonce);
      // each lane position (4 SIMD lanes in WASM, 3 headers at once natively): the nonce is the last of 1..4 scanned
      const lead = Math.min(i % 4, nonce);
      const start = nonce - lead;
      expect(kernel.scan(header, value, nonce, 1)).toBe(nonce);
      expect(kernel.scan(header, value - 1n, nonce, 1)).toBe(-1);
      expect(kernel.scan(header, value, start, lead + 1)).toBe(referenceScan(header, value, start, lead + 1));
    }
  });

  it('handles the ends of the nonce space and degenerate targets', () => {
    const header = hex(fixtures.headers[0]!.header);
    const all = (1n << 256n) - 1n;
    expect(kernel.scan(header, all, 2 ** 32 - 1, 1)).toBe(2 ** 32 - 1);
    expect(kernel.scan(header, all, 2 ** 32 - 3, 3)).toBe(2 ** 32 - 3);
    expect(kernel.scan(header, all, 2 ** 32 - 1, 0)).toBe(-1);
    expect(kernel.scan(header, all, 0, 0)).toBe(-1);
    expect(kernel.scan(header, all, 0, 2 ** 32)).toBe(0);
    expect(kernel.scan(header, all, 2 ** 31, 2 ** 31)).toBe(2 ** 31);
    expect(kernel.scan(header, 1n << 300n, 7, 1)).toBe(7);
    expect(kernel.scan(header, -1n, 0, 100)).toBe(-1);
    expect(kernel.scan(header, 0n, 0, 1000)).toBe(-1);
    const tail = 2 ** 32 - 6;
    const target = hashValue(header, 2 ** 32 - 1);
    expect(kernel.scan(header, target, tail, 6)).toBe(referenceScan(header, target, tail, 6));
  });

  it('rejects bad arguments', () => {
    const header = new Uint8Array(80);
    expect(() => kernel.scan(new Uint8Array(79), 1n, 0, 1)).toThrow(RangeError);
    expect(() => kernel.scan(header, 1n, -1, 1)).toThrow(RangeError);
    expect(() => kernel.scan(header, 1n, 2 ** 32, 0)).toThrow(RangeError);
    expect(() => kernel.scan(header, 1n, 2 ** 32 - 1, 2)).toThrow(RangeError);
    expect(() => kernel.scan(header, 1n, 0.5, 1)).toThrow(RangeError);
    expect(() => kernel.scan(header, 1n, 0, Number.NaN)).toThrow(RangeError);
  });
});

// The module's own argument checks, for callers that reach it without kernelFromEngine's (where it
// runs: see nativeKernelHere).
/** The error's name and code: the module's errors come from another realm than jest's classes. */
function failure(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    const e = err as { name: string; code?: string };
    return `${e.name} ${e.code}`;
  }
  return 'no error';
}

if (nativeKernelHere()) {
  describe(`native module (${nativeKernelState()})`, () => {
    it('refuses wrong types, lengths and ranges with typed errors', () => {
      const addon = loadNativeMiner();
      const header = new Uint8Array(80);
      const target = new Uint32Array(8).fill(0xffffffff);
      expect(addon.scan(header, target, 5, 1)).toBe(5);
      expect(addon.scan(header, target, 0, 0)).toBe(-1);
      expect(failure(() => addon.scan(new Uint8Array(79), target, 0, 1))).toBe('RangeError ERR_OUT_OF_RANGE');
      expect(failure(() => addon.scan(header, new Uint32Array(7), 0, 1))).toBe('RangeError ERR_OUT_OF_RANGE');
      expect(failure(() => addon.scan(new Uint32Array(20) as unknown as Uint8Array, target, 0, 1))).toBe(
        'TypeError ERR_INVALID_ARG_TYPE',
      );
      expect(failure(() => addon.scan(header, new Uint8Array(32) as unknown as Uint32Array, 0, 1))).toBe(
        'TypeError ERR_INVALID_ARG_TYPE',
      );
      expect(failure(() => addon.scan(header, target, 2 ** 32, 0))).toBe('RangeError ERR_OUT_OF_RANGE');
      expect(failure(() => addon.scan(header, target, -1, 1))).toBe('RangeError ERR_OUT_OF_RANGE');
      expect(failure(() => addon.scan(header, target, 0.5, 1))).toBe('RangeError ERR_OUT_OF_RANGE');
      expect(failure(() => addon.scan(header, target, 2 ** 32 - 1, 2))).toBe('RangeError ERR_OUT_OF_RANGE');
      expect(failure(() => addon.scan(header, target, 0, Number.NaN))).toBe('RangeError ERR_OUT_OF_RANGE');
      expect(failure(() => addon.scan(header, target, '0' as unknown as number, 1))).toBe(
        'TypeError ERR_INVALID_ARG_TYPE',
      );
      expect(failure(() => (addon.scan as (...a: unknown[]) => number)(header, target, 0))).toBe(
        'TypeError ERR_INVALID_ARG_TYPE',
      );
    });
  });
}

describe(`kernel selection (${nativeKernelState()})`, () => {
  it('prefers the native kernel where it runs, WASM where not, and says why', () => {
    expect(findWasmFile()).not.toBeNull();
    const { kernel, fallbackReasons } = loadBestKernelExplained();
    if (nativeKernelHere()) {
      expect(kernel.name).toBe('sha-ni');
      expect(fallbackReasons).toEqual([]);
    } else {
      expect(kernel.name).toBe('wasm-simd');
      expect(fallbackReasons).toHaveLength(1);
      expect(fallbackReasons[0]).toMatch(/^sha-ni: .*(is not built|no SHA extensions)/);
    }
    expect(loadBestKernel().name).toBe(kernel.name);
  });

  it('can be forced by name', () => {
    expect(loadBestKernel({ kernel: 'typescript' }).name).toBe('typescript');
    expect(loadKernel('wasm-simd').name).toBe('wasm-simd');
  });

  it('reports a native module that is not built', () => {
    const missing = join(root, 'native', 'build', 'no-such-dir', 'powchain_mine.node');
    expect(() => loadNativeMiner(missing)).toThrow(`${missing} is not built`);
  });

  it('self-test catches a wrong kernel', () => {
    const broken: HashKernel = { name: 'typescript', scan: () => -1 };
    expect(() => selfTest(broken)).toThrow(/self-test/);
  });
});
