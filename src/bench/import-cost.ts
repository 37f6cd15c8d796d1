import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './context.js';
import { MB } from './files.js';
import { result, type Measured } from './types.js';

const run = promisify(execFile);

/**
 * What each dependency costs at start-up: a fresh Node process imports it alone, collects its
 * garbage, and reports its resident memory, heap and import time; each row is the difference
 * from a process that imports nothing. The processes run with a 1 MiB young generation, so that
 * the resident figure is what the module keeps, not how far loading it grew the young generation
 * (which a node's start-up holds: src/cli/startup-memory.ts). `startup` says whether a running
 * `powchain node` loads it at start-up, or only when asked for (a flag, a terminal, another
 * subcommand). Libraries share dependencies (the libp2p modules share most of theirs), so the
 * rows overlap and do not add up.
 */
const DEPENDENCIES: { name: string; load: string; startup: boolean }[] = [
  { name: 'libp2p', load: `import('libp2p')`, startup: true },
  { name: '@chainsafe/libp2p-gossipsub', load: `import('@chainsafe/libp2p-gossipsub')`, startup: true },
  { name: '@chainsafe/libp2p-noise', load: `import('@chainsafe/libp2p-noise')`, startup: true },
  { name: '@chainsafe/libp2p-yamux', load: `import('@chainsafe/libp2p-yamux')`, startup: true },
  { name: '@libp2p/tcp', load: `import('@libp2p/tcp')`, startup: true },
  { name: '@libp2p/identify', load: `import('@libp2p/identify')`, startup: true },
  { name: '@libp2p/ping', load: `import('@libp2p/ping')`, startup: true },
  { name: '@libp2p/crypto', load: `import('@libp2p/crypto')`, startup: true },
  { name: 'classic-level', load: `import('classic-level')`, startup: true },
  { name: 'pino', load: `import('pino')`, startup: true },
  { name: 'secp256k1', load: `import('secp256k1')`, startup: true },
  { name: '@noble/secp256k1', load: `import('@noble/secp256k1')`, startup: true },
  { name: '@noble/hashes', load: `import('@noble/hashes/sha2.js')`, startup: true },
  { name: '@scure/base', load: `import('@scure/base')`, startup: true },
  { name: 'commander', load: `import('commander')`, startup: true },
  { name: 'node:crypto', load: `import('node:crypto')`, startup: true },
  { name: 'node:http-require', load: `createRequire(import.meta.url)('node:http')`, startup: true },
  { name: 'node:http-import', load: `import('node:http')`, startup: false },
  { name: '@libp2p/mdns', load: `import('@libp2p/mdns')`, startup: false },
  { name: 'prom-client', load: `import('prom-client')`, startup: false },
  { name: 'pino-pretty', load: `import('pino-pretty')`, startup: false },
  { name: 'cli-progress', load: `import('cli-progress')`, startup: false },
  { name: 'cli-table3', load: `import('cli-table3')`, startup: false },
  { name: '@scure/bip32', load: `import('@scure/bip32')`, startup: false },
  { name: '@scure/bip39', load: `import('@scure/bip39')`, startup: false },
  { name: '@noble/ciphers', load: `import('@noble/ciphers/aes.js')`, startup: false },
];

interface Sample {
  rss: number;
  heap: number;
  ms: number;
}

/** One fresh process: `load` (nothing when null), a full GC, then its figures. */
async function sample(load: string | null): Promise<Sample> {
  const source = `import { createRequire } from 'node:module';
const t0 = performance.now();
${load === null ? '' : `await ${load};`}
const ms = performance.now() - t0;
await new Promise((r) => setTimeout(r, 300));
gc();
await new Promise((r) => setTimeout(r, 100));
const m = process.memoryUsage();
process.stdout.write(JSON.stringify({ rss: m.rss, heap: m.heapUsed, ms }));`;
  // From the package root, so that bare specifiers resolve to powchain's own node_modules.
  const cwd = fileURLToPath(new URL('../../', import.meta.url));
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--max-semi-space-size=1', '--input-type=module', '-e', source],
    { cwd },
  );
  return JSON.parse(stdout) as Sample;
}

/** The smaller of `runs` samples of each figure: the machine's noise only ever adds. */
async function least(load: string | null, runs: number): Promise<Sample> {
  const all: Sample[] = [];
  for (let i = 0; i < runs; i++) all.push(await sample(load));
  return {
    rss: Math.min(...all.map((s) => s.rss)),
    heap: Math.min(...all.map((s) => s.heap)),
    ms: Math.min(...all.map((s) => s.ms)),
  };
}

/**
 * Rows `memory.import.<name>` (what a node loads at start-up) and `memory.import-lazy.<name>`
 * (what it loads only when asked for): MB of resident memory the dependency adds to a plain Node
 * process, then its heap and its import time.
 */
export async function importCosts(ctx: BenchContext): Promise<Measured[]> {
  const runs = ctx.quick ? 1 : 3;
  const deps = ctx.quick
    ? DEPENDENCIES.filter((d) => d.name === 'libp2p' || d.name.startsWith('node:http'))
    : DEPENDENCIES;
  const bar = ctx.progress('memory: what each dependency costs at start-up', deps.length + 1);
  const plain = await least(null, runs);
  bar.update(1);
  const rows: Measured[] = [result('memory.plain-node-process', plain.rss / MB, 'MB')];
  for (const [i, d] of deps.entries()) {
    const s = await least(d.load, runs);
    const label = `memory.import${d.startup ? '' : '-lazy'}.${d.name}`;
    rows.push(
      result(label, (s.rss - plain.rss) / MB, 'MB'),
      result(`${label}.heap`, (s.heap - plain.heap) / MB, 'MB'),
      result(`${label}.time`, s.ms, 'ms'),
    );
    bar.update(i + 2);
  }
  bar.stop();
  return rows;
}
