/**
 * What the node's start-up line reports about its own make-up. The hashing kernel: the fastest
 * that loads and passes its self-test, with the reason for every faster one it could not use (on
 * a machine where the native kernel was built and the CPU has SHA extensions that is `sha-ni`;
 * where it was not built, no C compiler at install, the node mines with WebAssembly and says
 * why). And the cache budget it was given with --dbcache.
 */
import { loadBestKernelExplained } from '../../src/mining/kernel/index.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey, tempDir } from './node-helpers.js';
import { join } from 'node:path';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

interface StartLine {
  hashing: string;
  hashingFallbackReason?: string;
  dbcache: number;
}

async function startupLine(node: NodeProcess): Promise<StartLine> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const line = node
      .output()
      .split('\n')
      .find((l) => l.includes('"powchain node started"'));
    if (line) return JSON.parse(line) as StartLine;
    if (Date.now() > deadline) throw new Error(`no start-up line:\n${node.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("the start-up line names this machine's best kernel, and why any faster one is not used", async () => {
  const here = loadBestKernelExplained();
  const node = await NodeProcess.start();
  try {
    const line = await startupLine(node);
    expect(line.dbcache).toBe(128);
    expect(line.hashing).toBe(here.kernel.name);
    if (here.kernel.name === 'sha-ni') {
      expect(line.hashingFallbackReason).toBeUndefined();
    } else {
      // Not built (no C compiler at install), or built on a CPU without SHA extensions.
      expect(line.hashingFallbackReason).toMatch(/^sha-ni: .*(is not built|no SHA extensions)/);
    }
  } finally {
    await node.kill();
  }
}, 120_000);

test('without the native module the node mines with WebAssembly and says why', async () => {
  const missing = join(tempDir('no-native'), 'powchain_mine.node');
  const node = await NodeProcess.start({ env: { POWCHAIN_MINER_MODULE: missing }, args: ['--dbcache', '16'] });
  try {
    const line = await startupLine(node);
    expect(line.dbcache).toBe(16);
    expect(line.hashing).toBe('wasm-simd');
    expect(line.hashingFallbackReason).toBe(
      `sha-ni: ${missing} is not built: npm install builds it with a C compiler (npm run build:native)`,
    );
    // And it mines: a regtest block found with the fallback kernel is connected.
    const { address } = regtestKey('kernels');
    const hashes = await node.call<string[]>('generatetoaddress', 2, address);
    expect(hashes).toHaveLength(2);
    expect(await node.call('getblockcount')).toBe(2);
    expect(await node.call('getmininginfo')).toMatchObject({ kernel: 'wasm-simd' });
  } finally {
    await node.kill();
  }
}, 120_000);
