import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import {
  BlockStatus,
  Chain,
  reindexChain,
  reindexChainstate,
  type BatchVerifier,
  type ChainEntry,
  type ChainOptions,
  type ProcessResult,
} from '../../src/chain/index.js';
import type { ChainState } from '../../src/chain/state.js';
import { decodeBlockWithTxids, encodeBlock, type Block } from '../../src/consensus/block.js';
import type { RejectCode } from '../../src/consensus/errors.js';
import { headerHash } from '../../src/consensus/header.js';
import type { Transaction, TxOutput } from '../../src/consensus/tx.js';
import { ChainStore } from '../../src/chain/store.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { bytesToHex, hashToHex } from '../../src/encoding/hex.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { mineBlock, regtest } from '../helpers/mine.js';
import { coinsOf, signSpend, type OwnedCoin } from '../helpers/tx.js';

/**
 * What a chain holds, for tests that look at the database or the caches directly. `Chain` keeps
 * its state private; TypeScript lets a test reach it by name.
 */
export function internals(chain: Chain): ChainState {
  return chain['state'];
}

/** A temporary data directory removed by `cleanup`. */
export function tempDir(label = 'powchain-test'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Before each test, a regtest ChainStore in a new temp dir, handed to `use`; after it, closed and removed. */
export function useTempStore(label: string, use: (store: ChainStore) => void): void {
  let store: ChainStore | undefined;
  let cleanup = (): void => undefined;
  beforeEach(async () => {
    const t = tempDir(label);
    cleanup = t.cleanup;
    store = (await ChainStore.open(join(t.dir, 'db'), regtest)).store;
    use(store);
  });
  afterEach(async () => {
    await store?.close();
    cleanup();
  });
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

export interface BlockOpts {
  txs?: Transaction[];
  fees?: bigint;
  coinbaseValue?: bigint;
  /** Seconds after the parent's time (default 60). */
  timeDelta?: number;
  minerKey?: TestKey;
}

/** One chain event, with block hashes resolved to the harness's names. */
export type LoggedEvent =
  | { type: 'tip'; name: string }
  | { type: 'connect' | 'disconnect'; name: string }
  | { type: 'reorg'; fork: string; disconnected: string[]; connected: string[] }
  | { type: 'block-invalid'; name: string; code: RejectCode }
  | { type: 'orphan'; name: string; missing: string };

/**
 * A script of named blocks on regtest, in the style of a full-block test generator:
 * `h.block('b3', 'b2', { txs })` builds a block on top of `b2`, and `accept`/`reject` hand it to
 * a real Chain on a real classic-level database in a temporary directory.
 */
export class ChainHarness {
  readonly blocks = new Map<string, NamedBlock>();
  readonly miner: TestKey = testKey('miner');
  /** Events of the current chain object (re-attached by reopen/reindex). */
  readonly events: LoggedEvent[] = [];
  private extra = 0n;

  private constructor(
    readonly chain: Chain,
    readonly dir: string,
    readonly clock: TestClock,
    private readonly pool: VerifyPool,
    /** The pool behind a counter of verifyBatch calls. */
    readonly verifier: BatchVerifier & { calls: number },
    private readonly cleanupDir: () => void,
    private readonly extraOpts: Partial<ChainOptions>,
  ) {
    const g = regtest.genesis;
    this.blocks.set('genesis', {
      name: 'genesis',
      block: g,
      hash: regtest.genesisHash,
      hashHex: hashToHex(regtest.genesisHash),
      height: 0,
      time: g.header.time,
      coinbase: [],
    });
    this.attach();
  }

  static async create(opts: Partial<ChainOptions> = {}): Promise<ChainHarness> {
    const { dir, cleanup } = tempDir('powchain-chain');
    const clock = new TestClock();
    const pool = new VerifyPool({ size: 1 });
    const verifier = {
      calls: 0,
      verifyBatch(items: Parameters<BatchVerifier['verifyBatch']>[0]) {
        verifier.calls++;
        return pool.verifyBatch(items);
      },
    };
    const chain = await Chain.open({
      params: regtest,
      location: join(dir, 'chain'),
      verifier,
      clock: clock.read,
      ...opts,
    });
    return new ChainHarness(chain, dir, clock, pool, verifier, cleanup, opts);
  }

  /** A second harness on a fresh directory holding the named blocks of `source`, connected in order. */
  static async replay(source: ChainHarness, names: string[]): Promise<ChainHarness> {
    const h = await ChainHarness.create();
    h.clock.now = source.clock.now;
    for (const n of names) {
      const nb = source.get(n);
      h.blocks.set(n, nb);
      const r = await h.submit(n);
      if (r.status !== 'connected') throw new Error(`replay ${n}: ${JSON.stringify(r)}`);
    }
    return h;
  }

  /** A harness on a fresh directory that knows (but has not been given) every block `source` built. */
  static async sharing(source: ChainHarness, opts: Partial<ChainOptions> = {}): Promise<ChainHarness> {
    const h = await ChainHarness.create(opts);
    h.clock.now = source.clock.now;
    for (const [n, b] of source.blocks) h.blocks.set(n, b);
    return h;
  }

  /** Options that open this harness's database (what reopen and reindex use). */
  options(opts: Partial<ChainOptions> = {}): ChainOptions {
    return {
      params: regtest,
      location: this.location,
      verifier: this.verifier,
      clock: this.clock.read,
      ...this.extraOpts,
      ...opts,
    };
  }

  get location(): string {
    return join(this.dir, 'chain');
  }

  get(name: string): NamedBlock {
    const b = this.blocks.get(name);
    if (!b) throw new Error(`no block named ${name}`);
    return b;
  }

  /** The name of a block, from its hash (internal bytes, or display-order hex as results give it). */
  nameOf(hash: Uint8Array | string): string {
    const display = typeof hash === 'string' ? hash : hashToHex(hash);
    for (const [n, b] of this.blocks) if (b.hashHex === display) return n;
    return `?${display.slice(0, 12)}`;
  }

  /** Build (not submit) a valid block named `name` on top of `parent`. */
  block(name: string, parent: string, opts: BlockOpts = {}): NamedBlock {
    const p = this.get(parent);
    const height = p.height + 1;
    const time = p.time + (opts.timeDelta ?? 60);
    const block = mineBlock({
      prevHash: p.hash,
      height,
      time,
      txs: opts.txs,
      fees: opts.fees,
      coinbaseValue: opts.coinbaseValue,
      extraNonce: this.extra++,
      minerKey: opts.minerKey,
    });
    return this.named(name, block, height, opts.minerKey);
  }

  /** Register a block built elsewhere under a name. */
  named(name: string, block: Block, height: number, minerKey: TestKey = this.miner): NamedBlock {
    const hash = headerHash(block.header);
    const nb: NamedBlock = {
      name,
      block,
      hash,
      hashHex: hashToHex(hash),
      height,
      time: block.header.time,
      coinbase: coinsOf(block.txs[0]!, height, minerKey),
    };
    this.blocks.set(name, nb);
    return nb;
  }

  /** A signed regtest spend of `inputs` to `outputs`. */
  spend(inputs: readonly OwnedCoin[], outputs: TxOutput[]): Transaction {
    return signSpend({ inputs, outputs, genesisHash: regtest.genesisHash });
  }

  /** Submit `name` as a peer's block arrives: decoded from its bytes (so its fields are views into them). */
  submit(name: string, source = 'test'): Promise<ProcessResult> {
    const bytes = encodeBlock(this.get(name).block);
    const block = decodeBlockWithTxids(bytes);
    return this.chain.processBlock(block, { source, bytes, txids: block.txids });
  }

  /**
   * Submit `name` and expect it stored and valid: connected onto the main chain, or (`mainChain`
   * false) stored on a side branch.
   */
  async accept(name: string, mainChain = true): Promise<void> {
    expect(await this.submit(name)).toEqual({
      status: mainChain ? 'connected' : 'stored',
      hash: this.get(name).hash,
      height: this.get(name).height,
    });
  }

  /** Submit `name` and expect the reject code. */
  async reject(name: string, code: RejectCode, status: 'invalid' | 'temporary' = 'invalid'): Promise<void> {
    expect(await this.submit(name)).toMatchObject({ status, hash: this.get(name).hash, code });
  }

  /**
   * Submit `name`, a child of the tip, and expect the full verdict of a contextual rule: rejected
   * with `code`, recorded invalid by hash (so a resubmission is answered from the index without
   * verifying a signature), a 'block-invalid' event, and tip and UTXO set untouched.
   */
  async rejectAndRecord(name: string, code: RejectCode): Promise<void> {
    const tip = this.tipName();
    const utxo = await this.utxoHash();
    this.clearEvents();
    await this.reject(name, code);
    expect(this.entry(name)).toMatchObject({ status: BlockStatus.Invalid, invalidCode: code });
    expect(this.events).toEqual([{ type: 'block-invalid', name, code }]);
    expect(this.tipName()).toBe(tip);
    expect(await this.utxoHash()).toBe(utxo);
    const calls = this.verifier.calls;
    await this.reject(name, code);
    expect(this.verifier.calls).toBe(calls);
    expect(this.events).toHaveLength(1);
  }

  /** Submit `name` and expect it held as an orphan waiting for `missing`. */
  async orphan(name: string, missing: string): Promise<void> {
    expect(await this.submit(name)).toEqual({
      status: 'orphan',
      hash: this.get(name).hash,
      missing: this.get(missing).hash,
    });
  }

  expectTip(name: string): void {
    expect(this.tipName()).toBe(name);
    expect(this.chain.height).toBe(this.get(name).height);
  }

  /** The index entry of a named block (undefined when the chain never stored it). */
  entry(name: string): ChainEntry | undefined {
    return this.chain.entry(this.get(name).hash);
  }

  /** Whether the orphan pool holds the named block. */
  inOrphanPool(name: string): boolean {
    return this.chain.orphan(this.get(name).hash) !== undefined;
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

  utxoHash(): Promise<string> {
    return this.chain.utxoSetHash().then((u) => bytesToHex(u.hash));
  }

  /** Close the chain and reopen it on the same directory (a restart). */
  async reopen(opts: Partial<ChainOptions> = {}): Promise<void> {
    await this.chain.close();
    this.setChain(await Chain.open(this.options(opts)));
  }

  /** Close the chain and rebuild its state from the stored blocks (reindexChain). */
  async reindex(): Promise<void> {
    await this.chain.close();
    this.setChain(await reindexChain(this.options()));
  }

  /** Close the chain and rebuild only its state, keeping the block index (reindexChainstate). */
  async reindexChainstate(): Promise<void> {
    await this.chain.close();
    this.setChain(await reindexChainstate(this.options()));
  }

  /** With the chain closed, edit the database through a raw classic-level handle. */
  async raw(edit: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
    await this.chain.close();
    const db = new ClassicLevel<Uint8Array, Uint8Array>(this.location, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    try {
      await edit(db);
    } finally {
      await db.close();
    }
  }

  async close(): Promise<void> {
    await this.chain.close();
    await this.pool.close();
    this.cleanupDir();
  }

  private setChain(chain: Chain): void {
    (this as { chain: Chain }).chain = chain;
    this.attach();
  }

  private attach(): void {
    const c = this.chain;
    const log = (e: LoggedEvent) => this.events.push(e);
    c.on('tip', (e) => log({ type: 'tip', name: this.nameOf(e.hash) }));
    c.on('connect', (e) => log({ type: 'connect', name: this.nameOf(e.entry.hash) }));
    c.on('disconnect', (e) => log({ type: 'disconnect', name: this.nameOf(e.entry.hash) }));
    c.on('reorg', (e) =>
      log({
        type: 'reorg',
        fork: this.nameOf(e.fork.hash),
        disconnected: e.disconnected.map((d) => this.nameOf(d.hash)),
        connected: e.connected.map((d) => this.nameOf(d.hash)),
      }),
    );
    c.on('block-invalid', (e) => log({ type: 'block-invalid', name: this.nameOf(e.hash), code: e.code }));
    c.on('orphan', (e) => log({ type: 'orphan', name: this.nameOf(e.hash), missing: this.nameOf(e.missing) }));
  }

  /** Forget the events logged so far. */
  clearEvents(): void {
    this.events.length = 0;
  }
}

/** A deterministic PRNG (mulberry32, the benchmark generator's) so shuffled deliveries reproduce. */
export { prng as seededRandom } from '../../src/bench/gen/keys.js';

export function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
