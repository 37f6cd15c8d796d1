import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain, type ChainOptions, type ProcessResult } from '../../src/chain/index.js';
import type { Block } from '../../src/consensus/block.js';
import { headerHash } from '../../src/consensus/header.js';
import type { Transaction } from '../../src/consensus/tx.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { hashToHex } from '../../src/encoding/hex.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { mineBlock, regtest } from '../helpers/mine.js';
import { coinsOf, type OwnedCoin } from '../helpers/tx.js';

/** A temporary data directory removed by `cleanup`. */
export function tempDir(label = 'powchain-test'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A controllable clock: tests move time instead of sleeping. */
export class TestClock {
  constructor(public now = regtest.genesis.header.time + 1_000_000) {}
  readonly read = (): number => this.now;
}

export interface NamedBlock {
  name: string;
  block: Block;
  hash: Uint8Array;
  hashHex: string;
  height: number;
  time: number;
  /** The coinbase's coins, owned by the miner key. */
  coinbase: OwnedCoin[];
}

/**
 * A script of named blocks on regtest, in the style of a full-block test generator:
 * `h.block('b3', 'b2', { txs })` builds a block on top of `b2`, and `accept`/`reject` hand it to
 * a real Chain on a real classic-level database in a temporary directory.
 */
export class ChainHarness {
  readonly blocks = new Map<string, NamedBlock>();
  readonly miner: TestKey = testKey('miner');
  private extra = 0n;

  private constructor(
    readonly chain: Chain,
    readonly dir: string,
    readonly clock: TestClock,
    private readonly pool: VerifyPool,
    private readonly cleanupDir: () => void,
  ) {
    const g = regtest.genesis;
    this.blocks.set('genesis', { name: 'genesis', block: g, hash: regtest.genesisHash, hashHex: hashToHex(regtest.genesisHash), height: 0, time: g.header.time, coinbase: [] });
  }

  static async create(opts: Partial<ChainOptions> = {}): Promise<ChainHarness> {
    const { dir, cleanup } = tempDir('powchain-chain');
    const clock = new TestClock();
    const pool = new VerifyPool();
    const chain = await Chain.open({ params: regtest, location: join(dir, 'chain'), verifier: pool, clock: clock.read, ...opts });
    return new ChainHarness(chain, dir, clock, pool, cleanup);
  }

  get(name: string): NamedBlock {
    const b = this.blocks.get(name);
    if (!b) throw new Error(`no block named ${name}`);
    return b;
  }

  /** Build (not submit) a valid block named `name` on top of `parent`. */
  block(name: string, parent: string, opts: { txs?: Transaction[]; fees?: bigint; coinbaseValue?: bigint; timeDelta?: number; minerKey?: TestKey } = {}): NamedBlock {
    const p = this.get(parent);
    const height = p.height + 1;
    const time = p.time + (opts.timeDelta ?? 60);
    const block = mineBlock({ prevHash: p.hash, height, time, txs: opts.txs, fees: opts.fees, coinbaseValue: opts.coinbaseValue, extraNonce: this.extra++, minerKey: opts.minerKey });
    const hash = headerHash(block.header);
    const nb: NamedBlock = { name, block, hash, hashHex: hashToHex(hash), height, time, coinbase: coinsOf(block.txs[0]!, height, opts.minerKey ?? this.miner) };
    this.blocks.set(name, nb);
    return nb;
  }

  /** Register a block built elsewhere under a name. */
  named(name: string, block: Block, height: number): NamedBlock {
    const hash = headerHash(block.header);
    const nb: NamedBlock = { name, block, hash, hashHex: hashToHex(hash), height, time: block.header.time, coinbase: coinsOf(block.txs[0]!, height, this.miner) };
    this.blocks.set(name, nb);
    return nb;
  }

  submit(name: string, source = 'test'): Promise<ProcessResult> {
    return this.chain.processBlock(this.get(name).block, { source });
  }

  /** Build `count` empty blocks on `parent` named `${prefix}1..n`; returns the last name. */
  async extend(prefix: string, parent: string, count: number, submit = true): Promise<string> {
    let prev = parent;
    for (let i = 1; i <= count; i++) {
      const name = `${prefix}${i}`;
      this.block(name, prev);
      if (submit) {
        const r = await this.submit(name);
        if (r.status !== 'connected') throw new Error(`${name}: ${JSON.stringify(r)}`);
      }
      prev = name;
    }
    return prev;
  }

  tipName(): string | undefined {
    const tip = hashToHex(this.chain.tip.hash);
    for (const [n, b] of this.blocks) if (b.hashHex === tip) return n;
    return undefined;
  }

  /** Close the chain and reopen it on the same directory (a restart). */
  async reopen(opts: Partial<ChainOptions> = {}): Promise<void> {
    await this.chain.close();
    (this as { chain: Chain }).chain = await Chain.open({ params: regtest, location: join(this.dir, 'chain'), verifier: this.pool, clock: this.clock.read, ...opts });
  }

  async close(): Promise<void> {
    await this.chain.close();
    await this.pool.close();
    this.cleanupDir();
  }
}
