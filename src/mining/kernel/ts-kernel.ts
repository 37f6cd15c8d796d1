import { generateTsEngineSource } from './ts-engine-source.js';
import { kernelFromEngine } from './types.js';
import type { HashKernel, ScanEngine } from './types.js';

let source: string | undefined;

/** JS source of the pure-JS engine factory; generated once, shared with the worker threads. */
export function tsEngineSource(): string {
  source ??= generateTsEngineSource();
  return source;
}

/** A fresh engine (engines hold per-scan state, so each kernel gets its own). */
export function createTsEngine(): ScanEngine {
  const factory = new Function(`return ${tsEngineSource()};`)() as () => ScanEngine;
  return factory();
}

/** The pure TypeScript/JavaScript kernel: ~2.5 M hashes/s on one core, works everywhere. */
export function createTsKernel(): HashKernel {
  return kernelFromEngine('typescript', createTsEngine());
}
