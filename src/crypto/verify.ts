import { createRequire } from 'node:module';
import type * as NativeSecp256k1 from 'secp256k1';
import { hexToBytes } from '../encoding/index.js';
import { secp } from './noble.js';
import { passesVerifyPrechecks } from './signature.js';

export type VerifyBackendName = 'libsecp256k1' | 'noble';

/**
 * One ECDSA verifier. Consensus semantics, identical for every backend: true only for a
 * canonical signature (64 bytes, r in [1, n-1], s in [1, n/2]) that is valid for the 32-byte
 * digest under a valid 33-byte compressed public key. Every other input gives false; verify
 * never throws.
 */
export interface VerifyBackend {
  readonly name: VerifyBackendName;
  verify(sig64: Uint8Array, digest32: Uint8Array, pubkey33: Uint8Array): boolean;
}

type NativeModule = typeof NativeSecp256k1;

const requireCjs = createRequire(import.meta.url);

/**
 * `secp256k1/bindings` is the native half of the `secp256k1` package. Its main entry point
 * silently falls back to a pure-JS (elliptic) implementation about 30x slower when the
 * binding fails to load; requiring the bindings file directly fails loudly instead.
 */
export const NATIVE_BINDINGS_SPECIFIER = 'secp256k1/bindings';

// A known-good vector (d = 1, so the key is G) run once after loading, so that a binary that
// loads but computes nonsense is reported as unavailable instead of splitting consensus.
const SELF_TEST = {
  pubkey: hexToBytes('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'),
  digest: hexToBytes('06ef2b193b83b3d701f765f1db34672ab84897e1252343cc2197829af3a30456'),
  sig: hexToBytes(
    '33a69cd2065432a30f3d1ce4eb0d59b8ab58c74f27c41a7fdb5696ad4e6108c9' +
      '6f807982866f785d3f6418d24163ddae117b7db4d5fdf0071de069fa54342262',
  ),
};

function makeNativeBackend(native: NativeModule): VerifyBackend {
  return {
    name: 'libsecp256k1',
    verify(sig64, digest32, pubkey33) {
      if (!passesVerifyPrechecks(sig64, digest32, pubkey33)) return false;
      try {
        // Throws when the key is not a curve point; that is an invalid signature, not an error.
        return native.ecdsaVerify(sig64, digest32, pubkey33);
      } catch {
        return false;
      }
    },
  };
}

/** The pure-JS backend; always available. */
export const nobleBackend: VerifyBackend = {
  name: 'noble',
  verify(sig64, digest32, pubkey33) {
    if (!passesVerifyPrechecks(sig64, digest32, pubkey33)) return false;
    try {
      return secp.verify(sig64, digest32, pubkey33, { prehash: false, lowS: true, format: 'compact' });
    } catch {
      return false;
    }
  },
};

type NativeState = { backend: VerifyBackend; error?: undefined } | { backend?: undefined; error: Error };
let nativeState: NativeState | undefined;

function loadNative(): NativeState {
  try {
    const native = requireCjs(NATIVE_BINDINGS_SPECIFIER) as NativeModule;
    const backend = makeNativeBackend(native);
    const flipped = Uint8Array.from(SELF_TEST.digest);
    flipped[0]! ^= 1;
    if (!backend.verify(SELF_TEST.sig, SELF_TEST.digest, SELF_TEST.pubkey) || backend.verify(SELF_TEST.sig, flipped, SELF_TEST.pubkey)) {
      return { error: new Error('native libsecp256k1 binding loaded but failed its known-answer self-test') };
    }
    return { backend };
  } catch (err) {
    return { error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** The native backend, or undefined when the binding cannot be loaded (see nativeUnavailableReason). */
export function getNativeBackend(): VerifyBackend | undefined {
  nativeState ??= loadNative();
  return nativeState.backend;
}

/** Why the native backend is unavailable, for the node to log; undefined when it is available. */
export function nativeUnavailableReason(): Error | undefined {
  nativeState ??= loadNative();
  return nativeState.error;
}

/**
 * The backend to verify with: libsecp256k1 when its native binding works, else noble.
 * `prefer: 'noble'` forces the JS backend (for comparison or to rule out the binary).
 */
export function selectVerifyBackend(prefer?: VerifyBackendName): VerifyBackend {
  if (prefer === 'noble') return nobleBackend;
  return getNativeBackend() ?? nobleBackend;
}

/** Name of the backend selectVerifyBackend() picks by default, so the node can log it. */
export function activeBackendName(): VerifyBackendName {
  return selectVerifyBackend().name;
}

/** Verifies with the default backend. */
export function verifySignature(sig64: Uint8Array, digest32: Uint8Array, pubkey33: Uint8Array): boolean {
  return selectVerifyBackend().verify(sig64, digest32, pubkey33);
}
