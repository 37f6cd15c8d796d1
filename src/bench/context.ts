import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import type { Measured } from './types.js';
import type { GossipParams } from '../net/host.js';

/** A progress bar, or nothing when stderr is not a terminal. */
export interface Progress {
  update(value: number): void;
  increment(by?: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, increment() {}, stop() {} };

/** What a benchmark gets: its size, where to keep files, how to show progress, and the run's shared state. */
export interface BenchContext {
  readonly quick: boolean;
  /** gossipsub parameters the scale benchmark runs with (`--gossip`); unset ones keep the defaults. */
  readonly gossip?: Partial<GossipParams>;
  /** Nodes the scale benchmark runs (`--peers`; default 100, 32 with --quick). */
  readonly peers?: number;
  /** bench/cache: generated chains, kept between runs. */
  readonly cacheDir: string;
  /** A temporary directory for this run, removed at the end. */
  readonly tmpDir: string;
  progress(label: string, total: number): Progress;
  /** A one-line note on stderr (only on a terminal, so CI logs stay short). */
  note(message: string): void;
  /** Results of benchmarks earlier in the run, by result name (a later benchmark's baseline). */
  readonly results: Map<string, Measured>;
  /** Objects a benchmark leaves for a later one (the connect database for sync). */
  readonly shared: Map<string, unknown>;
  /** Called when the run ends, last registered first (children, servers, pools). */
  onCleanup(fn: () => Promise<void> | void): void;
}

/** `bench/` of the repository: two levels above this file both in src/ (jest) and dist/. */
export function benchRoot(): string {
  return fileURLToPath(new URL('../../bench/', import.meta.url));
}

export interface ContextOptions {
  quick: boolean;
  /** Show bars and notes (a terminal on stderr). */
  interactive: boolean;
  cacheDir?: string;
  gossip?: Partial<GossipParams>;
  peers?: number;
}

export function createContext(o: ContextOptions): BenchContext & { close(): Promise<void> } {
  const cacheDir = o.cacheDir ?? join(benchRoot(), 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const tmpDir = mkdtempSync(join(tmpdir(), 'powchain-bench-'));
  const cleanups: (() => Promise<void> | void)[] = [];
  return {
    quick: o.quick,
    ...(o.gossip ? { gossip: o.gossip } : {}),
    ...(o.peers ? { peers: o.peers } : {}),
    cacheDir,
    tmpDir,
    results: new Map(),
    shared: new Map(),
    progress(label, total) {
      if (!o.interactive) return silent;
      const bar = new cliProgress.SingleBar(
        {
          format: `  ${label.padEnd(34)} {bar} {percentage}% | {value}/{total} | {duration_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(1, total), 0);
      return {
        update: (v) => bar.update(v),
        increment: (by = 1) => bar.increment(by),
        stop: () => bar.stop(),
      };
    },
    note(message) {
      if (o.interactive) process.stderr.write(`  ${message}\n`);
    },
    onCleanup(fn) {
      cleanups.push(fn);
    },
    async close() {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch {
          // cleanup is best effort: the run's results are already in
        }
      }
      rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}
