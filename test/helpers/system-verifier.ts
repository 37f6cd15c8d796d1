import { existsSync } from 'node:fs';
import { SYSTEM_VERIFIER_PATH } from '../../src/crypto/verify.js';

/**
 * Whether `npm install` built powchain's native verifier here. It needs libsecp256k1's headers
 * (Debian/Ubuntu: libsecp256k1-dev), which the README makes optional: where the module is built,
 * every test of the system backend runs and it must load; where it is not, the tests check the
 * fallback to the `secp256k1` package's bundled library instead, and say so in their names.
 * CI runs the suite both ways (.ci/run).
 */
export const SYSTEM_VERIFIER_BUILT = existsSync(SYSTEM_VERIFIER_PATH);

/** For test names: which of the two cases this run checks. */
export const SYSTEM_VERIFIER_STATE = SYSTEM_VERIFIER_BUILT
  ? 'system verifier built'
  : 'system verifier not built: no libsecp256k1 headers at install';
