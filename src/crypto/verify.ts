import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import type * as NativeSecp256k1 from 'secp256k1';
import { hexToBytes } from '../encoding/index.js';
import { secp } from './noble.js';
import { passesVerifyPrechecks } from './signature.js';
import { packItems } from './verify-items.js';

export type VerifyBackendName = 'system-libsecp256k1' | 'libsecp256k1' | 'noble';

/**
 * One ECDSA verifier. Consensus semantics, identical for every backend: true only for a
 * canonical signature (64 bytes, r in [1, n-1], s in [1, n/2]) that is valid for the 32-byte
 * digest under a valid 33-byte compressed public key. Every other input gives false; verify
 * never throws.
 *
 * The backends, fastest first:
 * - `system-libsecp256k1`: the system's libsecp256k1 (0.2 or later inverts with safegcd) through
 *   powchain's own Node-API module, native/verify.c, built by `npm install` when the library's
 *   headers are there (Debian/Ubuntu: libsecp256k1-dev). About 41 µs a signature here.
 * - `libsecp256k1`: the `secp256k1` npm package, which bundles a libsecp256k1 of 2019. About 55 µs.
 * - `noble`: @noble/secp256k1, pure JavaScript; always available, some 40 times slower.
 */
export interface VerifyBackend {
  readonly name: VerifyBackendName;
  verify(sig64: Uint8Array, digest32: Uint8Array, pubkey33: Uint8Array): boolean;
}

type NativeModule = typeof NativeSecp256k1;

/** What native/verify.c exports. */
export interface SystemVerifier {
  verify(sig64: Uint8Array, digest32: Uint8Array, pubkey33: Uint8Array): boolean;
  /** `items`: whole records of sig (64) | digest (32) | pubkey (33); the first invalid index, or -1. */
  verifyBatch(items: Uint8Array): number;
}

const requireCjs = createRequire(import.meta.url);

/**
 * `secp256k1/bindings` is the native half of the `secp256k1` package. Its main entry point
 * silently falls back to a pure-JS (elliptic) implementation about 30x slower when the
 * binding fails to load; requiring the bindings file directly fails loudly instead.
 */
export const NATIVE_BINDINGS_SPECIFIER = 'secp256k1/bindings';

/**
 * Where scripts/build-native.mjs puts powchain's verifier (the same place from src/ and dist/),
 * unless POWCHAIN_VERIFIER_MODULE names another build of native/verify.c (a packager's, say).
 */
export const SYSTEM_VERIFIER_PATH =
  process.env.POWCHAIN_VERIFIER_MODULE ||
  fileURLToPath(new URL('../../native/build/Release/powchain_verify.node', import.meta.url));

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
/** The same digest with one bit flipped: the signature must fail against it. */
const SELF_TEST_FLIPPED = Uint8Array.from(SELF_TEST.digest, (b, i) => (i === 0 ? b ^ 1 : b));

function guarded(
  name: VerifyBackendName,
  curveCheck: (sig64: Uint8Array, digest32: Uint8Array, pubkey33: Uint8Array) => boolean,
): VerifyBackend {
  return {
    name,
    verify(sig64, digest32, pubkey33) {
      if (!passesVerifyPrechecks(sig64, digest32, pubkey33)) return false;
      try {
        // Throws when the key is not a curve point; that is an invalid signature, not an error.
        return curveCheck(sig64, digest32, pubkey33);
      } catch {
        return false;
      }
    },
  };
}

/** The pure-JS backend; always available. */
export const nobleBackend: VerifyBackend = guarded('noble', (sig, digest, pub) =>
  secp.verify(sig, digest, pub, { prehash: false, lowS: true, format: 'compact' }),
);

/** A binary that loads but computes nonsense must count as unavailable rather than split consensus. */
function selfTest(backend: VerifyBackend): Error | undefined {
  if (
    !backend.verify(SELF_TEST.sig, SELF_TEST.digest, SELF_TEST.pubkey) ||
    backend.verify(SELF_TEST.sig, SELF_TEST_FLIPPED, SELF_TEST.pubkey)
  ) {
    return new Error(`the ${backend.name} backend loaded but failed its known-answer self-test`);
  }
  return undefined;
}

function loadPackage(): VerifyBackend {
  const native = requireCjs(NATIVE_BINDINGS_SPECIFIER) as NativeModule;
  return guarded('libsecp256k1', (sig, digest, pub) => native.ecdsaVerify(sig, digest, pub));
}

/** The module native/verify.c, once loaded and self-tested (what the verify workers load too). */
export function loadSystemVerifier(path = SYSTEM_VERIFIER_PATH): SystemVerifier {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is not built: install libsecp256k1's headers (Debian/Ubuntu: apt-get install libsecp256k1-dev), then run npm run build:native`,
    );
  }
  const addon = requireCjs(path) as SystemVerifier;
  // Two records, the second with a flipped digest: the batch entry point must name item 1.
  const items = packItems([
    { sig: SELF_TEST.sig, digest: SELF_TEST.digest, pubkey: SELF_TEST.pubkey },
    { sig: SELF_TEST.sig, digest: SELF_TEST_FLIPPED, pubkey: SELF_TEST.pubkey },
  ]);
  if (addon.verifyBatch(items) !== 1)
    throw new Error('the system-libsecp256k1 batch check failed its known-answer self-test');
  return addon;
}

function loadSystem(): VerifyBackend {
  const addon = loadSystemVerifier();
  return guarded('system-libsecp256k1', (sig, digest, pub) => addon.verify(sig, digest, pub));
}

type BackendState = { backend: VerifyBackend; error?: undefined } | { backend?: undefined; error: Error };
const loaders: Record<Exclude<VerifyBackendName, 'noble'>, () => VerifyBackend> = {
  'system-libsecp256k1': loadSystem,
  libsecp256k1: loadPackage,
};
const states = new Map<VerifyBackendName, BackendState>();

function stateOf(name: VerifyBackendName): BackendState {
  if (name === 'noble') return { backend: nobleBackend };
  let state = states.get(name);
  if (!state) {
    try {
      const backend = loaders[name]();
      const error = selfTest(backend);
      state = error ? { error } : { backend };
    } catch (err) {
      state = { error: err instanceof Error ? err : new Error(String(err)) };
    }
    states.set(name, state);
  }
  return state;
}

/** The backend of that name, or undefined when it cannot be loaded here (see backendUnavailableReason). */
export function getBackend(name: VerifyBackendName): VerifyBackend | undefined {
  return stateOf(name).backend;
}

/** Why that backend is unavailable, for the node to log; undefined when it is available. */
export function backendUnavailableReason(name: VerifyBackendName): Error | undefined {
  return stateOf(name).error;
}

/** Every backend name, fastest first: the order selectVerifyBackend tries them in. */
export const VERIFY_BACKENDS: readonly VerifyBackendName[] = ['system-libsecp256k1', 'libsecp256k1', 'noble'];

/**
 * The backend to verify with: the fastest that loads and passes its self-test, or the one named
 * by `prefer` when it does (to compare backends, or to rule out a binary).
 */
export function selectVerifyBackend(prefer?: VerifyBackendName): VerifyBackend {
  if (prefer) {
    const chosen = getBackend(prefer);
    if (chosen) return chosen;
  }
  for (const name of VERIFY_BACKENDS) {
    const backend = getBackend(name);
    if (backend) return backend;
  }
  return nobleBackend;
}

/** Name of the backend selectVerifyBackend() picks by default, so the node can log it. */
export function activeBackendName(): VerifyBackendName {
  return selectVerifyBackend().name;
}

/** Why each faster backend than the active one is not in use (empty when the fastest is). */
export function verifyFallbackReasons(): string[] {
  const active = activeBackendName();
  const reasons: string[] = [];
  for (const name of VERIFY_BACKENDS) {
    if (name === active) break;
    reasons.push(`${name}: ${backendUnavailableReason(name)?.message ?? 'unavailable'}`);
  }
  return reasons;
}

/** Verifies with the default backend. */
export function verifySignature(sig64: Uint8Array, digest32: Uint8Array, pubkey33: Uint8Array): boolean {
  return selectVerifyBackend().verify(sig64, digest32, pubkey33);
}
