import { bytesToHex, hexToBytes } from '../../src/encoding/index.js';
import {
  getBackend,
  isCanonicalSignature,
  isLowS,
  isValidPrivateKey,
  nobleBackend,
  publicKeyFromPrivate,
  sign,
} from '../../src/crypto/index.js';
import type { VerifyBackend } from '../../src/crypto/index.js';
import { secp256k1Vectors as V } from './fixtures.js';
import { SYSTEM_VERIFIER_BUILT, SYSTEM_VERIFIER_STATE } from '../helpers/system-verifier.js';
import { N, flipS, rFromNonce, rawNative, rawNoble, rfc6979Candidates, sha256Text, to32, toBig } from './helpers.js';

const native = getBackend('libsecp256k1');
const system = getBackend('system-libsecp256k1');
// The package's binary ships for this platform; powchain's module is built by the install where
// libsecp256k1's headers are. Where either should load and does not, that is a failure to see here.
it(`the package backend loads, and the system backend where it is built (${SYSTEM_VERIFIER_STATE})`, () => {
  expect(native?.name).toBe('libsecp256k1');
  expect(system?.name).toBe(SYSTEM_VERIFIER_BUILT ? 'system-libsecp256k1' : undefined);
  expect(rawNative).toBeDefined();
});

const backends: VerifyBackend[] = [nobleBackend, ...(native ? [native] : []), ...(system ? [system] : [])];
const h = hexToBytes;

describe('fixture', () => {
  it('keeps its provenance and sizes', () => {
    expect(V.source.length).toBe(3);
    expect(V.ecdsaRfc6979.length).toBe(25);
    expect(V.rfc6979Nonces.length).toBe(10);
    expect(V.ecdsaInvalidSign.length).toBe(4);
    expect(V.ecdsaInvalidVerify.length).toBe(6);
    expect(toBig(h(V.curve.halfN))).toBe(N / 2n);
    expect(toBig(h(V.curve.n))).toBe(N);
  });
});

describe.each(V.ecdsaRfc6979.map((v, i) => [i, v.description ?? '', v] as const))(
  'RFC 6979 ECDSA vector #%i %s',
  (_i, _d, v) => {
    const d = h(v.d);
    const m = h(v.m);
    const sig = h(v.signatureCompact);

    it('signs to the exact r || s, low S', () => {
      expect(v.signatureCompact).toBe(v.r + v.s);
      const got = sign(m, d);
      expect(bytesToHex(got)).toBe(v.signatureCompact);
      expect(isLowS(got)).toBe(true);
      expect(isCanonicalSignature(got)).toBe(true);
    });

    // libsecp256k1 seeds its RFC 6979 DRBG with the digest as-is, not reduced mod n as the RFC
    // says, so for the (astronomically rare) digests >= n it picks another nonce. Both
    // signatures are valid; sign() follows the RFC, which is why it does not use the native lib.
    it('native libsecp256k1 signs identically when m < n, differently but validly when m >= n', () => {
      const out = rawNative!.ecdsaSign(m, d).signature;
      if (toBig(m) < N) {
        expect(bytesToHex(out)).toBe(v.signatureCompact);
      } else {
        expect(bytesToHex(out)).not.toBe(v.signatureCompact);
        const pub = h(v.derived.pubkeyCompressed);
        for (const b of backends) expect(b.verify(out, m, pub)).toBe(true);
      }
    });

    it('derives the compressed public key', () => {
      expect(bytesToHex(publicKeyFromPrivate(d))).toBe(v.derived.pubkeyCompressed);
    });

    it('uses the RFC 6979 nonce: independent DRBG gives derived.k, and r = x(kG) mod n', () => {
      if (v.mIsSha256OfDescription) expect(bytesToHex(sha256Text(v.description!))).toBe(v.m);
      const [k0] = rfc6979Candidates(d, m, 1);
      expect(bytesToHex(k0!)).toBe(v.derived.k);
      expect(rFromNonce(k0!)).toBe(toBig(h(v.r)));
    });

    it('normalizes S exactly when the raw S was high', () => {
      const raw = rawNoble.sign(m, d, { prehash: false, lowS: false, extraEntropy: false });
      const rawS = toBig(raw.subarray(32));
      expect(rawS > N / 2n).toBe(v.sWasHighBeforeNormalization);
      expect(bytesToHex(to32(v.sWasHighBeforeNormalization ? N - rawS : rawS))).toBe(v.s);
    });

    it.each(backends.map((b) => [b.name, b] as const))('%s verifies it and rejects its high-S twin', (_n, b) => {
      const pub = h(v.derived.pubkeyCompressed);
      expect(b.verify(sig, m, pub)).toBe(true);
      expect(b.verify(flipS(sig), m, pub)).toBe(false);
    });
  },
);

describe.each(V.rfc6979Nonces.map((v) => [v.message, v] as const))('RFC 6979 nonces for %j', (_m, v) => {
  const d = h(v.d);
  const h1 = h(v.h1);

  it('h1 is sha256 of the message', () => {
    expect(bytesToHex(sha256Text(v.message))).toBe(v.h1);
  });

  it('the independent DRBG reproduces k0, k1 and k15', () => {
    const ks = rfc6979Candidates(d, h1, 16).map(bytesToHex);
    expect([ks[0], ks[1], ks[15]]).toEqual([v.k0, v.k1, v.k15]);
  });

  it('sign() uses k0 and both backends accept the result', () => {
    const sig = sign(h1, d);
    expect(toBig(sig.subarray(0, 32))).toBe(rFromNonce(h(v.k0)));
    expect(bytesToHex(rawNative!.ecdsaSign(h1, d).signature)).toBe(bytesToHex(sig));
    const pub = publicKeyFromPrivate(d);
    for (const b of backends) expect(b.verify(sig, h1, pub)).toBe(true);
  });
});

describe.each(V.ecdsaInvalidSign.map((v) => [v.description, v.d, v] as const))('invalid sign: %s (%s)', (_d, _k, v) => {
  it('the key is invalid and sign / publicKeyFromPrivate throw', () => {
    const d = h(v.d);
    expect(isValidPrivateKey(d)).toBe(false);
    expect(() => sign(h(v.m), d)).toThrow(RangeError);
    expect(() => publicKeyFromPrivate(d)).toThrow(RangeError);
  });
});

describe.each(V.ecdsaInvalidVerify.map((v) => [v.description, v] as const))('invalid verify: %s', (_d, v) => {
  const q = h(v.Q);
  const m = h(v.m);
  const sig = h(v.signatureCompact);

  it.each(backends.map((b) => [b.name, b] as const))('%s rejects it without throwing', (_n, b) => {
    expect(b.verify(sig, m, q)).toBe(false);
  });

  it('is not canonical', () => {
    expect(isCanonicalSignature(sig)).toBe(false);
  });

  if (v.validIfHighSAllowed) {
    it('is a high-S signature that is otherwise valid, and its low-S twin verifies', () => {
      expect(v.validUnderLowSRule).toBe(false);
      expect(isLowS(sig)).toBe(false);
      // Only a verifier that tolerates high S accepts it: that is the malleability being closed.
      expect(rawNoble.verify(sig, m, q, { prehash: false, lowS: false })).toBe(true);
      expect(rawNative!.ecdsaVerify(sig, m, q)).toBe(false);
      const low = flipS(sig);
      expect(bytesToHex(low.subarray(32))).toBe(v.normalizedS);
      expect(isCanonicalSignature(low)).toBe(true);
      for (const b of backends) expect(b.verify(low, m, q)).toBe(true);
    });
  } else {
    it('is rejected for its r/s range', () => {
      expect(v.expectValid).toBe(false);
      const r = toBig(sig.subarray(0, 32));
      const s = toBig(sig.subarray(32));
      expect(r === 0n || s === 0n || r >= N || s >= N).toBe(true);
    });
  }
});
