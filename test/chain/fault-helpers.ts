/**
 * Shared by the storage-fault tests: a seeded chain with signed spends written to a template
 * directory, damage of its files (bit flips, torn tails, removed files), and the one judgement
 * every fault ends in: the chain opens consistent, or it is refused with a message naming the
 * way out; after the way out it is consistent. "Consistent" means verifyChain over the whole
 * chain passes and the UTXO set holds exactly the subsidy minted up to the tip (fees go back into
 * coinbases, so nothing else can change the total).
 */
import { openSync, readdirSync, readFileSync, statSync, writeFileSync, closeSync, writeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Chain, ChainError, reindexChain, reindexChainstate } from '../../src/chain/index.js';
import { blockSubsidy } from '../../src/consensus/amounts.js';
import type { Block } from '../../src/consensus/block.js';
import type { VerifyPool } from '../../src/crypto/verify-pool.js';
import { regtest } from '../helpers/mine.js';
import { ScriptBuilder, copyChain } from './crash-helpers.js';

export const NOW = regtest.genesis.header.time + 10_000_000;

/** A chain of `plain` blocks without transactions, then `paid` with signed spends. */
export function buildBlocks(plain: number, paid: number): Block[] {
  const b = new ScriptBuilder();
  const prefix = b.branch(b.genesis, plain, 1, false);
  const rest = b.branch(prefix.states[plain - 1]!, paid, 0x5eed, true);
  return [...prefix.blocks, ...rest.blocks];
}

export function chainOptions(location: string, pool: VerifyPool) {
  return { params: regtest, location, verifier: pool, clock: () => NOW };
}

/** Write `blocks` to a new chain at `location`, in runs as sync hands them in. */
export async function writeChain(location: string, blocks: Block[], pool: VerifyPool): Promise<void> {
  const chain = await Chain.open(chainOptions(location, pool));
  try {
    for (let i = 0; i < blocks.length; i += 16)
      await chain.processBlocks(blocks.slice(i, i + 16).map((block) => ({ block, opts: {} })));
  } finally {
    await chain.close();
  }
}

/** Rewrite every table of a LevelDB: the log's records end up in .ldb files. */
export async function compact(location: string): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    await db.compactRange(Uint8Array.of(0), Uint8Array.of(0xff, 0xff));
  } finally {
    await db.close();
  }
}

/** The files of a LevelDB directory matching `pattern`, largest first. */
export function filesOf(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
}

/** Flip `count` bytes from `fraction` of the way into `file` (what a bad sector or bit rot does). */
export function flipBytes(file: string, fraction: number, count = 10): number {
  const size = statSync(file).size;
  const at = Math.min(Math.max(0, Math.floor(size * fraction)), Math.max(0, size - count));
  flipAt(file, at, count);
  return at;
}

export function flipAt(file: string, at: number, count: number): void {
  const fd = openSync(file, 'r+');
  try {
    const buf = Buffer.alloc(count);
    const n = readSync(fd, buf, 0, count, at);
    for (let i = 0; i < n; i++) buf[i] = buf[i]! ^ 0xa5;
    writeSync(fd, buf, 0, n, at);
  } finally {
    closeSync(fd);
  }
}

/** Cut `file` short at `fraction` of its length (a torn tail). */
export function tearTail(file: string, fraction: number): void {
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** The subsidy minted from height 1 to `height`: all the UTXO set may hold. */
export function mintedTo(height: number): bigint {
  let total = 0n;
  for (let h = 1; h <= height; h++) total += blockSubsidy(h, regtest.halvingInterval);
  return total;
}

/** Consistent: verifyChain over every block passes and the set holds exactly what was minted. */
export async function expectConsistent(chain: Chain): Promise<void> {
  expect(await chain.verifyChain(chain.height)).toEqual({ ok: true, checked: chain.height });
  const info = await chain.utxoSetHash();
  expect({ height: info.height, total: info.totalValue }).toEqual({
    height: chain.height,
    total: mintedTo(chain.height),
  });
}

const WAY_OUT = /run the node once with (--reindex-chainstate|--reindex)\b/;

export type Outcome =
  | { kind: 'opened'; height: number }
  | { kind: 'refused'; code: string; wayOut: '--reindex' | '--reindex-chainstate'; message: string };

/**
 * Open the damaged chain and judge it. Opened: it must be consistent, or verifyChain must name the
 * damage and the way out (a block record that fails its checksum is not state: the chain is
 * still consistent, the block must be fetched again). Refused: the error must be a
 * ChainError whose message names the way out. Then the way out is taken and the result must be
 * consistent, at least at `floor`. Returns what happened first.
 */
export async function judge(location: string, pool: VerifyPool, floor: number): Promise<Outcome> {
  let outcome: Outcome;
  let wayOut: '--reindex' | '--reindex-chainstate' | undefined;
  try {
    const chain = await Chain.open(chainOptions(location, pool));
    try {
      const v = await chain.verifyChain(chain.height);
      if (!v.ok) {
        // Damage start-up does not read (a block record, an old block's undo record): the state
        // is whole, and verifyChain, reading everything, names the damage and the way out.
        const named = WAY_OUT.exec(v.reason);
        expect({ reason: v.reason, namesWayOut: !!named }).toMatchObject({ namesWayOut: true });
        wayOut = named![1] as '--reindex' | '--reindex-chainstate';
      } else await expectConsistent(chain);
      outcome = { kind: 'opened', height: chain.height };
    } finally {
      await chain.close();
    }
  } catch (err) {
    if (!(err instanceof ChainError)) throw err;
    const named = WAY_OUT.exec(err.message);
    expect({ code: err.code, message: err.message, namesWayOut: !!named }).toMatchObject({ namesWayOut: true });
    wayOut = named![1] as '--reindex' | '--reindex-chainstate';
    outcome = { kind: 'refused', code: err.code, wayOut, message: err.message };
  }
  if (wayOut) {
    // The way out may find more damage (--reindex-chainstate reading a damaged block): it then
    // fails naming the next way out, which is taken in turn; --reindex always ends it.
    let chain: Chain | undefined;
    for (let step = 0; !chain; step++) {
      const rebuild = wayOut === '--reindex' ? reindexChain : reindexChainstate;
      try {
        chain = await rebuild(chainOptions(location, pool));
      } catch (err) {
        const named = err instanceof ChainError && wayOut === '--reindex-chainstate' ? WAY_OUT.exec(err.message) : null;
        if (!named || step > 0) throw err;
        wayOut = named[1] as '--reindex' | '--reindex-chainstate';
      }
    }
    try {
      await expectConsistent(chain);
      expect(chain.height).toBeGreaterThanOrEqual(floor);
    } finally {
      await chain.close();
    }
    // And it starts normally afterwards.
    const again = await Chain.open(chainOptions(location, pool));
    await expectConsistent(again);
    await again.close();
  }
  return outcome;
}

/** A fresh copy of the template chain for one fault. */
export function copyTemplate(template: string, dir: string, name: string): string {
  const location = join(dir, name);
  copyChain(template, location);
  return location;
}
