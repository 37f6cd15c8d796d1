import { join } from 'node:path';
import { Chain } from '../../src/chain/index.js';
import type { Block } from '../../src/consensus/block.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { Mempool } from '../../src/mempool/index.js';
import { generateBlocks } from '../../src/mining/generate.js';
import { createTsKernel } from '../../src/mining/kernel/index.js';
import type { Miner } from '../../src/mining/miner.js';
import type { ProcessResult } from '../../src/chain/index.js';
import { tempDir, TestClock } from '../chain/harness.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { coinsOf, type OwnedCoin } from '../helpers/tx.js';

/** A real Chain on a classic-level database in a temp dir, with its own clock and verifier. */
export interface ChainFixture {
  chain: Chain;
  clock: TestClock;
  close(): Promise<void>;
}

export async function openChain(
  params: NetworkParams,
  clock = new TestClock(params.genesis.header.time + 1_000_000),
): Promise<ChainFixture> {
  const { dir, cleanup } = tempDir(`powchain-mining-${params.name}`);
  const verifier = new VerifyPool({ size: 1 });
  try {
    const chain = await Chain.open({ params, location: join(dir, 'chain'), verifier, clock: clock.read });
    return {
      chain,
      clock,
      close: async () => {
        await chain.close();
        await verifier.close();
        cleanup();
      },
    };
  } catch (err) {
    await verifier.close();
    cleanup();
    throw err;
  }
}

/** The key regtest coinbases are generated to, so tests can spend them once mature. */
export const minerKey: TestKey = testKey('miner');

/**
 * A regtest chain with `blocks` blocks generated to `minerKey` (101 by default, so the coinbases
 * of heights 1 and 2 are spendable in the next block) and a mempool on top.
 */
export async function fundedRegtest(
  params: NetworkParams,
  blocks = 101,
): Promise<ChainFixture & { mempool: Mempool; coinbaseAt(height: number): OwnedCoin }> {
  const f = await openChain(params);
  try {
    await generateBlocks(
      { chain: f.chain, kernel: createTsKernel(), payTo: minerKey.pkh, clock: f.clock.read },
      blocks,
    );
    const mempool = new Mempool(f.chain, f.clock.read);
    const coinbaseAt = (height: number): OwnedCoin => {
      const entry = f.chain.atHeight(height)!;
      return coinsOf(f.chain.readBlock(entry).txs[0]!, height, minerKey)[0]!;
    };
    return { ...f, mempool, coinbaseAt };
  } catch (err) {
    await f.close();
    throw err;
  }
}

export interface Found {
  block: Block;
  result: ProcessResult;
}

/**
 * Collect the miner's next `n` 'found' events, stopping the miner at the n-th (synchronously, so
 * no further round starts), and failing after `timeoutMs` or on an 'error' event. `onFound` runs
 * inside each event, before the miner builds its next template.
 */
export function collectFound(
  miner: Miner,
  n: number,
  timeoutMs: number,
  onFound?: (f: Found, i: number) => void,
): Promise<Found[]> {
  return new Promise((resolve, reject) => {
    const got: Found[] = [];
    const done = (err?: Error): void => {
      clearTimeout(timer);
      miner.off('found', onEvent);
      miner.off('error', onError);
      if (err) reject(err);
      else resolve(got);
    };
    const onEvent = (f: Found): void => {
      got.push(f);
      onFound?.(f, got.length - 1);
      if (got.length === n) {
        void miner.stop();
        done();
      }
    };
    const onError = (err: Error): void => done(err);
    const timer = setTimeout(
      () => done(new Error(`only ${got.length} of ${n} blocks found in ${timeoutMs} ms`)),
      timeoutMs,
    );
    miner.on('found', onEvent);
    miner.on('error', onError);
  });
}

/** Poll `cond` every 10 ms until it holds; reject after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
