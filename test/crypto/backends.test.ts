import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { concatBytes, hexToBytes } from '../../src/encoding/index.js';
import {
  CURVE_ORDER,
  HALF_CURVE_ORDER,
  activeBackendName,
  backendUnavailableReason,
  getBackend,
  isCanonicalSignature,
  isLowS,
  isValidPrivateKey,
  loadSystemVerifier,
  verifyFallbackReasons,
  nobleBackend,
  publicKeyFromPrivate,
  randomPrivateKey,
  selectVerifyBackend,
  sha256d,
  sign,
} from '../../src/crypto/index.js';
import type { VerifyBackend } from '../../src/crypto/index.js';
import { ROOT, childEnv, ensureBuilt } from '../helpers/dist.js';
import { SYSTEM_VERIFIER_BUILT, SYSTEM_VERIFIER_STATE } from '../helpers/system-verifier.js';
import { N, flipBit, flipS, rawNative, rawNoble, seededBytes, to32, toBig } from './helpers.js';

const native = getBackend('libsecp256k1') as VerifyBackend;
const system = getBackend('system-libsecp256k1');
/** The native backends this machine has: the package's always, the system's where it is built. */
const natives: VerifyBackend[] = [native, ...(system ? [system] : [])];

describe(`backend selection (${SYSTEM_VERIFIER_STATE})`, () => {
  it('the package binding loads, and the system module exactly where it is built', () => {
    expect(backendUnavailableReason('libsecp256k1')).toBeUndefined();
    expect(native.name).toBe('libsecp256k1');
    expect(system?.name).toBe(SYSTEM_VERIFIER_BUILT ? 'system-libsecp256k1' : undefined);
    expect(selectVerifyBackend('libsecp256k1')).toBe(native);
    expect(selectVerifyBackend('noble')).toBe(nobleBackend);
  });

  if (SYSTEM_VERIFIER_BUILT) {
    it('prefers the system libsecp256k1, then the package binding, then noble, and says so', () => {
      expect(backendUnavailableReason('system-libsecp256k1')).toBeUndefined();
      expect(selectVerifyBackend()).toBe(system);
      expect(activeBackendName()).toBe('system-libsecp256k1');
      expect(verifyFallbackReasons()).toEqual([]);
    });
  } else {
    it("without the module, verifies with the package's bundled libsecp256k1 and says why and how to build it", () => {
      expect(selectVerifyBackend()).toBe(native);
      expect(selectVerifyBackend('system-libsecp256k1')).toBe(native);
      expect(activeBackendName()).toBe('libsecp256k1');
      expect(backendUnavailableReason('system-libsecp256k1')?.message).toMatch(
        /not built.*libsecp256k1-dev.*build:native/,
      );
      expect(verifyFallbackReasons()).toEqual([
        expect.stringMatching(/^system-libsecp256k1: .*not built.*libsecp256k1-dev/),
      ]);
    });
  }

  it('without the module, a process falls back to the package binding and says why', async () => {
    // A real process: the backends are chosen once per process, at first use.
    await ensureBuilt();
    const script = `const v = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'crypto', 'verify.js')).href)});
      console.log(JSON.stringify({ active: v.activeBackendName(), reasons: v.verifyFallbackReasons() }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: childEnv({ POWCHAIN_VERIFIER_MODULE: '/nonexistent/powchain_verify.node' }),
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as { active: string; reasons: string[] };
    expect(out.active).toBe('libsecp256k1');
    expect(out.reasons).toEqual([
      expect.stringMatching(/^system-libsecp256k1: .*nonexistent.*not built.*libsecp256k1-dev/),
    ]);
  });

  it('a module that is not built is reported with how to build it, not thrown at a caller', () => {
    expect(() => loadSystemVerifier('/nonexistent/powchain_verify.node')).toThrow(
      /not built.*libsecp256k1-dev.*build:native/,
    );
  });
});

// The module's own entry points, where it is built (elsewhere there is nothing to call).
if (SYSTEM_VERIFIER_BUILT)
  describe(`the system module itself (${SYSTEM_VERIFIER_STATE})`, () => {
    const addon = loadSystemVerifier();
    const priv = to32(0xbeefn);
    const pub = publicKeyFromPrivate(priv);
    const digests = Array.from({ length: 5 }, (_, i) => sha256d(Uint8Array.of(i)));
    const packed = (n: number, bad = -1) => {
      const out = new Uint8Array(n * 129);
      for (let i = 0; i < n; i++) {
        const d = digests[i % digests.length]!;
        out.set(sign(d, priv), i * 129);
        out.set(i === bad ? flipBit(d, 9) : d, i * 129 + 64);
        out.set(pub, i * 129 + 96);
      }
      return out;
    };

    it('verifyBatch names the first invalid record, or -1', () => {
      expect(addon.verifyBatch(packed(5))).toBe(-1);
      expect(addon.verifyBatch(packed(5, 0))).toBe(0);
      expect(addon.verifyBatch(packed(5, 3))).toBe(3);
      expect(addon.verifyBatch(packed(5, 4))).toBe(4);
      expect(addon.verifyBatch(new Uint8Array(0))).toBe(-1);
      // A subarray at an offset: the module reads the view, not its buffer's start.
      const outer = new Uint8Array(7 + 2 * 129 + 5);
      outer.set(packed(2, 1), 7);
      expect(addon.verifyBatch(outer.subarray(7, 7 + 2 * 129))).toBe(1);
      expect(addon.verifyBatch(outer.subarray(7, 7 + 129))).toBe(-1);
    });

    it('refuses what is not its input with a typed error, never a crash', () => {
      // Errors made by native code belong to another realm than jest's globals: compare name and code.
      const thrown = (f: () => unknown): unknown => {
        try {
          f();
        } catch (err) {
          return err;
        }
        return undefined;
      };
      const range = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
      const type = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
      // Not whole records: a record cut short, or bytes past the last one.
      expect(thrown(() => addon.verifyBatch(packed(2).subarray(0, 200)))).toMatchObject(range);
      expect(thrown(() => addon.verifyBatch(new Uint8Array(130)))).toMatchObject(range);
      expect(thrown(() => addon.verifyBatch('x' as unknown as Uint8Array))).toMatchObject(type);
      expect(thrown(() => addon.verifyBatch(new Uint16Array(129) as unknown as Uint8Array))).toMatchObject(type);
      expect(thrown(() => (addon.verifyBatch as (...a: unknown[]) => number)(packed(1), 1))).toMatchObject(type);
      expect(thrown(() => (addon.verify as (...a: unknown[]) => boolean)(new Uint8Array(64)))).toMatchObject(type);
    });

    it('verify checks lengths itself (false, not a read past the end)', () => {
      const sig = sign(digests[0]!, priv);
      expect(addon.verify(sig, digests[0]!, pub)).toBe(true);
      expect(addon.verify(sig.subarray(0, 63), digests[0]!, pub)).toBe(false);
      expect(addon.verify(sig, digests[0]!.subarray(0, 31), pub)).toBe(false);
      expect(addon.verify(sig, digests[0]!, pub.subarray(0, 32))).toBe(false);
      // High S: libsecp256k1 refuses it by itself too, before powchain's own prechecks.
      expect(addon.verify(flipS(sig), digests[0]!, pub)).toBe(false);
    });
  });

describe('canonical signature rules', () => {
  const one = to32(1n);
  const sig = (r: bigint, s: bigint) => concatBytes(to32(r), to32(s));

  it('accepts the range edges r = n-1 and s = n/2', () => {
    expect(isCanonicalSignature(sig(N - 1n, N / 2n))).toBe(true);
    expect(isCanonicalSignature(sig(1n, 1n))).toBe(true);
    expect(isLowS(sig(1n, N / 2n))).toBe(true);
  });

  it('rejects zero, r >= n, s > n/2 and wrong lengths', () => {
    expect(isCanonicalSignature(sig(0n, 1n))).toBe(false);
    expect(isCanonicalSignature(sig(1n, 0n))).toBe(false);
    expect(isCanonicalSignature(sig(N, 1n))).toBe(false);
    expect(isCanonicalSignature(sig(1n, N / 2n + 1n))).toBe(false);
    expect(isLowS(sig(1n, N / 2n + 1n))).toBe(false);
    expect(isCanonicalSignature(concatBytes(one, one).subarray(0, 63))).toBe(false);
    expect(isCanonicalSignature(concatBytes(one, one, Uint8Array.of(0)))).toBe(false);
    expect(isLowS(new Uint8Array(65))).toBe(false);
  });

  it('exports n and n/2 correctly', () => {
    expect(toBig(CURVE_ORDER)).toBe(N);
    expect(toBig(HALF_CURVE_ORDER)).toBe(N / 2n);
  });
});

describe('malformed inputs: every backend says false and never throws', () => {
  const priv = to32(0xc0ffeen);
  const digest = sha256d(Uint8Array.of(1, 2, 3));
  const pub = publicKeyFromPrivate(priv);
  const sig = sign(digest, priv);
  const uncompressed = rawNoble.getPublicKey(priv, false);
  const hybrid = Uint8Array.from(uncompressed);
  hybrid[0] = 0x06 + (uncompressed[64]! & 1);
  const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [
    ['uncompressed key the libraries would accept', sig, digest, uncompressed],
    ['hybrid key', sig, digest, hybrid],
    ['key with prefix 0x04 and 33 bytes', sig, digest, concatBytes(Uint8Array.of(4), pub.subarray(1))],
    ['key x >= p', sig, digest, hexToBytes('02' + 'ff'.repeat(32))],
    ['key x not on the curve', sig, digest, hexToBytes('02' + '00'.repeat(31) + '05')],
    ['empty key', sig, digest, new Uint8Array(0)],
    ['31-byte digest', sig, digest.subarray(0, 31), pub],
    ['33-byte digest', sig, concatBytes(digest, Uint8Array.of(0)), pub],
    ['65-byte recoverable signature', concatBytes(sig, Uint8Array.of(0)), digest, pub],
    ['63-byte signature', sig.subarray(0, 63), digest, pub],
    ['all-zero signature', new Uint8Array(64), digest, pub],
    ['high-S twin', flipS(sig), digest, pub],
  ];

  it('the unmodified triple verifies', () => {
    for (const b of [nobleBackend, ...natives]) expect([b.name, b.verify(sig, digest, pub)]).toEqual([b.name, true]);
  });

  it.each(cases)('%s', (_name, s, d, p) => {
    for (const b of [nobleBackend, ...natives]) expect([b.name, b.verify(s, d, p)]).toEqual([b.name, false]);
  });

  it('non-Uint8Array garbage', () => {
    const junk = [undefined, null, 'ab', [1, 2], 42] as unknown as Uint8Array[];
    for (const j of junk) {
      for (const b of [nobleBackend, ...natives]) {
        expect(b.verify(j, digest, pub)).toBe(false);
        expect(b.verify(sig, j, pub)).toBe(false);
        expect(b.verify(sig, digest, j)).toBe(false);
      }
    }
  });
});

describe('random sign / verify / tamper: every backend agrees with the others and with the truth', () => {
  const SEED = 'powchain-crypto-agreement-1';
  const CASES = 1000;

  it(`${CASES} cases (seed ${SEED})`, () => {
    const rand = seededBytes(SEED);
    let checked = 0;
    for (let i = 0; i < CASES; i++) {
      let priv = rand(32);
      while (!isValidPrivateKey(priv)) priv = rand(32);
      const digest = rand(32);
      const pub = publicKeyFromPrivate(priv);
      const sig = sign(digest, priv);
      const pick = rand(2);
      const tampered: [string, Uint8Array, Uint8Array, Uint8Array][] = [['high-S', flipS(sig), digest, pub]];
      // One bit flip per case, rotating over what is flipped, keeps the slow JS backend's share in bounds.
      if (i % 3 === 0) tampered.push(['sig bit', flipBit(sig, pick[0]! * 2 + (pick[1]! & 1)), digest, pub]);
      if (i % 3 === 1) tampered.push(['digest bit', sig, flipBit(digest, pick[0]!), pub]);
      if (i % 3 === 2) tampered.push(['pubkey bit', sig, digest, flipBit(pub, 8 + pick[0]!)]);

      const context = `case ${i} (seed ${SEED})`;
      expect([context, isLowS(sig), isCanonicalSignature(sig)]).toEqual([context, true, true]);
      expect([context, rawNative!.ecdsaSign(digest, priv).signature]).toEqual([context, sig]);
      const all = [nobleBackend, ...natives];
      expect([context, all.map((b) => b.verify(sig, digest, pub))]).toEqual([context, all.map(() => true)]);
      for (const [what, s, d, p] of tampered) {
        const got = all.map((b) => b.verify(s, d, p));
        expect([context, what, got]).toEqual([context, what, all.map(() => false)]);
        checked++;
      }
      // The libraries' own low-S rules agree with ours on the malleated twin: libsecp256k1
      // refuses it by itself, and it is a valid signature to a verifier that allows high S
      // (checked on every 20th case only: that is a full JS verify).
      const high = flipS(sig);
      expect([context, rawNative!.ecdsaVerify(high, digest, pub)]).toEqual([context, false]);
      if (i % 20 === 0) {
        expect([context, rawNoble.verify(high, digest, pub, { prehash: false, lowS: false })]).toEqual([context, true]);
      }
    }
    expect(checked).toBe(2 * CASES);
  });

  it('keys from randomPrivateKey() are valid and sign verifiably on every backend', () => {
    for (let i = 0; i < 20; i++) {
      const priv = randomPrivateKey();
      expect(isValidPrivateKey(priv)).toBe(true);
      const digest = sha256d(priv);
      const sig = sign(digest, priv);
      const pub = publicKeyFromPrivate(priv);
      for (const b of [nobleBackend, ...natives]) expect([b.name, b.verify(sig, digest, pub)]).toEqual([b.name, true]);
    }
  });
});
