import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../fsutil/package-root.js';
import { kernelFromEngine } from './types.js';
import type { HashKernel, ScanEngine } from './types.js';

/** File name of the compiled AssemblyScript kernel (assembly/sha256d.ts, scripts/build-wasm.mjs). */
export const WASM_FILE = 'sha256d.wasm';

/**
 * Glue between a compiled module and the ScanEngine interface, as JavaScript source so worker threads
 * run the very same code (see ts-engine-source.ts for why engines are strings).
 * Memory layout at io(): header [0, 80), target words [80, 112), found nonce [112, 116).
 */
export const WASM_ENGINE_SOURCE = `(function makeWasmEngine(module) {
'use strict';
const ex = new WebAssembly.Instance(module, {}).exports;
const io = ex.io();
// The module never grows its memory, so one view stays valid.
const view = new DataView(ex.memory.buffer);
const bytes = new Uint8Array(ex.memory.buffer);
return {
  prepare(header, target) {
    bytes.set(header, io);
    for (let i = 0; i < 8; i++) view.setUint32(io + 80 + 4 * i, target[i], true);
    ex.prepare();
  },
  scan(start, count) {
    // The wasm side counts in u32, so a full 2^32 range goes in two calls.
    while (count > 0) {
      const n = Math.min(count, 0x80000000);
      if (ex.scan(start, n) !== 0) return view.getUint32(io + 112, true);
      start += n;
      count -= n;
    }
    return -1;
  },
};
})`;

export { packageRoot };

/**
 * Where the .wasm may be, in order: next to this module (dist/mining/kernel/, the published
 * package), then <package root>/build/wasm/ (the source tree, where jest runs src/ directly).
 */
export function wasmCandidates(): string[] {
  const out = [join(dirname(fileURLToPath(import.meta.url)), WASM_FILE)];
  const root = packageRoot();
  if (root !== null) out.push(join(root, 'build', 'wasm', WASM_FILE));
  return out;
}

/** Path of the first existing candidate, or null when the kernel was never built. */
export function findWasmFile(): string | null {
  return wasmCandidates().find((p) => existsSync(p)) ?? null;
}

/**
 * A compiled WebAssembly.Module. Typed locally: the project's TypeScript libs (ES2023 + node)
 * declare no WebAssembly namespace. Modules can be posted to worker threads as they are.
 */
export type WasmModule = object;
const WASM = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule } }).WebAssembly;

let cachedModule: WasmModule | undefined;

/**
 * The compiled module, compiled once per thread. Synchronous compilation is fine in Node for a
 * few KB. Throws when the file is missing or the engine lacks SIMD.
 */
export function loadWasmModule(): WasmModule {
  if (cachedModule === undefined) {
    const file = findWasmFile();
    if (file === null) {
      throw new Error(`${WASM_FILE} not found (run npm run build:wasm); looked in ${wasmCandidates().join(', ')}`);
    }
    cachedModule = new WASM.Module(readFileSync(file));
  }
  return cachedModule;
}

/** A fresh engine over its own instance of the module (instances hold per-scan state). */
export function createWasmEngine(module: WasmModule = loadWasmModule()): ScanEngine {
  const factory = new Function(`return ${WASM_ENGINE_SOURCE};`)() as (m: WasmModule) => ScanEngine;
  return factory(module);
}

/** The WebAssembly SIMD kernel: 4 nonces per round function call. */
export function createWasmKernel(module?: WasmModule): HashKernel {
  return kernelFromEngine('wasm-simd', createWasmEngine(module));
}
