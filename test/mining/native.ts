import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NATIVE_MINER_PATH, type NativeMiner } from '../../src/mining/kernel/index.js';

/**
 * Whether the native kernel runs here: npm install built it (it needs a C compiler) and the CPU has
 * SHA extensions. Tests of the native kernel run exactly where this is true. Where the module
 * exists it must load: a module that fails to is a test failure, not a reason to leave it out.
 */
export function nativeKernelHere(): boolean {
  if (!existsSync(NATIVE_MINER_PATH)) return false;
  return (createRequire(import.meta.url)(NATIVE_MINER_PATH) as NativeMiner).kernel !== null;
}

/** For test names: which case this run checks, and why the native kernel's own tests are left out. */
export function nativeKernelState(): string {
  if (!existsSync(NATIVE_MINER_PATH)) return 'native kernel not built: no C compiler, or it failed, at install';
  return nativeKernelHere() ? 'native kernel built' : 'native kernel built, but this CPU has no SHA extensions';
}
