import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { kernelFromEngine } from './types.js';
import type { HashKernel, ScanEngine } from './types.js';

/** What native/mine.c exports. */
export interface NativeMiner {
  /** The scanner this CPU runs ('sha-ni'), or null when it has no SHA extensions. */
  readonly kernel: string | null;
  /** First nonce in [start, start + count) whose sha256d is <= target (8 LE words), or -1. */
  scan(header80: Uint8Array, target: Uint32Array, start: number, count: number): number;
}

/**
 * Where scripts/build-native.mjs puts the mining kernel (the same place from src/ and dist/), unless
 * POWCHAIN_MINER_MODULE names another build of native/mine.c (a packager's, or none at all: the
 * tests point it at a missing file to see the node fall back and say why).
 */
export const NATIVE_MINER_PATH =
  process.env.POWCHAIN_MINER_MODULE ||
  fileURLToPath(new URL('../../../native/build/Release/powchain_mine.node', import.meta.url));

/**
 * Glue between the module and the ScanEngine interface, as JavaScript source so worker threads run
 * the very same code (see ts-engine-source.ts for why engines are strings). The module keeps no
 * state: prepare only remembers its arguments, and each scan is one call, its nonce loop in C.
 */
export const NATIVE_ENGINE_SOURCE = `(function makeNativeEngine(addon) {
'use strict';
let header = null;
let target = null;
return {
  prepare(h, t) {
    header = h;
    target = t;
  },
  scan(start, count) {
    return addon.scan(header, target, start, count);
  },
};
})`;

const requireCjs = createRequire(import.meta.url);

/**
 * The module at `path`, loaded; throws, saying why, when it is not built or this CPU has no SHA
 * extensions for it.
 */
export function loadNativeMiner(path = NATIVE_MINER_PATH): NativeMiner {
  if (!existsSync(path)) {
    throw new Error(`${path} is not built: npm install builds it with a C compiler (npm run build:native)`);
  }
  const addon = requireCjs(path) as NativeMiner;
  if (addon.kernel === null) throw new Error('this CPU has no SHA extensions (SHA-NI) for the native kernel');
  return addon;
}

/** A fresh engine over the module. */
export function createNativeEngine(addon: NativeMiner = loadNativeMiner()): ScanEngine {
  const factory = new Function(`return ${NATIVE_ENGINE_SOURCE};`)() as (m: NativeMiner) => ScanEngine;
  return factory(addon);
}

/** The native kernel: three headers at a time through the CPU's SHA instructions, about 30 M/s here. */
export function createNativeKernel(addon?: NativeMiner): HashKernel {
  return kernelFromEngine('sha-ni', createNativeEngine(addon));
}
