/**
 * Shared by the crash tests (crash.test.ts, crash-pipeline.test.ts): seeded scripts of blocks with
 * signed spends, a clean replay recording the state after every step, a digest of the whole
 * database, and the machinery that transpiles test/chain/crash-child.ts, runs it on a directory
 * and SIGKILLs it at a chosen point of its journal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';
import { Chain, type ProcessResult } from '../../src/chain/index.js';
import type { BatchOp } from '../../src/chain/store.js';
import { encodeBlock, type Block } from '../../src/consensus/block.js';
import { headerHash } from '../../src/consensus/header.js';
import { outpointKey, txid, type Transaction, type TxOutput } from '../../src/consensus/tx.js';
import { sign } from '../../src/crypto/keys.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { mineBlock, regtest } from '../helpers/mine.js';
import { coinsOf, payTo, signSpend, type OwnedCoin } from '../helpers/tx.js';
import type { CrashScript } from './crash-child.js';
import { rng } from '../helpers/random.js';
import { TestClock, internals, tempDir } from './harness.js';

/** Copy a chain's database and its block store (`<dir>-blocks`) to `to` and `<to>-blocks`. */
export function copyChain(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  cpSync(`${from}-blocks`, `${to}-blocks`, { recursive: true });
}

/** Remove a chain's database and its block store. */
export function removeChain(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}-blocks`, { recursive: true, force: true });
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Seeded randomness (mulberry32), so every run builds the same blocks and delays. */
export { rng };

export interface BuiltState {
  hash: Uint8Array;
  height: number;
  time: number;
  utxos: Map<string, OwnedCoin>;
}

/**
 * Builds branches of valid blocks. Blocks above the prefix carry signed transactions: one spends
 * the coinbase that just matured into five outputs, three to six more spend one or two earlier
 * non-coinbase outputs, so every step changes UTXOs, undo records and the address index, and
 * the branches double-spend each other's coins.
 */
export class ScriptBuilder {
  readonly miner = testKey('miner');
  private readonly payees: TestKey[] = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((l) => testKey(l));
  private extraNonce = 0n;
  readonly genesis: BuiltState = {
    hash: regtest.genesisHash,
    height: 0,
    time: regtest.genesis.header.time,
    utxos: new Map(),
  };

  /** `count` blocks on `from`; the one at height `badAt` gets a transaction with a wrong signature. */
  branch(
    from: BuiltState,
    count: number,
    seed: number,
    withTxs: boolean,
    badAt = -1,
  ): { blocks: Block[]; states: BuiltState[] } {
    const r = rng(seed);
    const blocks: Block[] = [];
    const states: BuiltState[] = [];
    let parent = from;
    for (let i = 0; i < count; i++) {
      const { block, state } = this.next(parent, withTxs ? r : undefined, parent.height + 1 === badAt);
      blocks.push(block);
      states.push(state);
      parent = state;
    }
    return { blocks, states };
  }

  private next(
    parent: BuiltState,
    r: ReturnType<typeof rng> | undefined,
    bad: boolean,
  ): { block: Block; state: BuiltState } {
    const height = parent.height + 1;
    const utxos = new Map(parent.utxos);
    const txs: Transaction[] = [];
    let fees = 0n;
    const spend = (inputs: OwnedCoin[], outputs: number, fee: bigint) => {
      const total = inputs.reduce((s, c) => s + c.coin.value, 0n);
      if (total <= fee + BigInt(outputs) * 1000n) return;
      const each = (total - fee) / BigInt(outputs);
      const payees = Array.from({ length: outputs }, () => this.payees[r!.int(this.payees.length)]!);
      const outs: TxOutput[] = payees.map((k, j) =>
        payTo(k, j === outputs - 1 ? total - fee - each * BigInt(outputs - 1) : each),
      );
      const tx = signSpend({ inputs, outputs: outs, genesisHash: regtest.genesisHash });
      const id = txid(tx);
      for (const c of inputs) utxos.delete(outpointKey(c.outpoint.txid, c.outpoint.index));
      outs.forEach((o, index) => {
        utxos.set(outpointKey(id, index), {
          outpoint: { txid: id, index },
          coin: { ...o, height, coinbase: false },
          key: payees[index]!,
        });
      });
      txs.push(tx);
      fees += fee;
    };
    if (r) {
      const before = [...parent.utxos.values()];
      const matured = before.find((c) => c.coin.coinbase && c.coin.height === height - regtest.coinbaseMaturity);
      if (matured) spend([matured], 5, 10_000n);
      const pool = before.filter((c) => !c.coin.coinbase);
      for (let i = pool.length - 1; i > 0; i--) {
        const j = r.int(i + 1);
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      for (let n = 3 + r.int(4); n > 0 && pool.length > 0; n--)
        spend(pool.splice(0, 1 + r.int(2)), 2 + r.int(2), 1_000n);
      if (bad) {
        // A well-formed low-S signature by the right key, over another digest: only the
        // verifier, when the block is connected, can tell.
        const tx = txs[txs.length - 1]!;
        tx.inputs[0]!.unlock.set(
          sign(
            new Uint8Array(32).fill(7),
            parent.utxos.get(outpointKey(tx.inputs[0]!.prevTxid, tx.inputs[0]!.prevIndex))!.key.priv,
          ),
          33,
        );
      }
    }
    const time = parent.time + regtest.targetSpacing;
    const block = mineBlock({
      prevHash: parent.hash,
      height,
      time,
      txs,
      fees,
      extraNonce: this.extraNonce++,
      minerKey: this.miner,
    });
    for (const c of coinsOf(block.txs[0]!, height, this.miner))
      utxos.set(outpointKey(c.outpoint.txid, c.outpoint.index), c);
    return { block, state: { hash: headerHash(block.header), height, time, utxos } };
  }
}

// ---- the clean replay -------------------------------------------------------------------------

/**
 * Everything in the database, digested per key space (the first key byte, see layout.ts). Block
 * bytes are stored under their own hash, so for them the keys are enough.
 */
export async function stateDigest(chain: Chain): Promise<Record<string, string>> {
  return chain.withLock(async () => {
    const spaces = new Map<number, { h: ReturnType<typeof createHash>; n: number }>();
    for await (const [k, v] of internals(chain).store.db.iterator()) {
      let s = spaces.get(k[0]!);
      if (!s) spaces.set(k[0]!, (s = { h: createHash('sha256'), n: 0 }));
      s.h.update(k).update(Buffer.from([0]));
      if (k[0] !== 0x62) s.h.update(v);
      s.n++;
    }
    const out: Record<string, string> = {};
    for (const [p, s] of [...spaces].sort((x, y) => x[0] - y[0]))
      out[String.fromCharCode(p)] = `${s.n}:${s.h.digest('hex').slice(0, 16)}`;
    return out;
  });
}

export interface Expected {
  tip: string;
  height: number;
  utxo: string;
  state: Record<string, string>;
}

export interface Replay {
  /** expected[c]: the state after the first c steps (expected[0]: a fresh database). */
  expected: Expected[];
  results: ProcessResult[];
  /** Milliseconds of each step's processBlock on this machine (scales the random delays). */
  stepMs: number[];
  reorgs: Map<number, { disconnected: number; connected: number }>;
}

/** A fresh chain fed the script in one process, recording the state after every step. */
export async function cleanReplay(dir: string, blocks: Block[], now: number): Promise<Replay> {
  const verifier = new VerifyPool({ size: 1 });
  const chain = await Chain.open({ params: regtest, location: dir, verifier, clock: () => now });
  try {
    const snap = async (): Promise<Expected> => ({
      tip: bytesToHex(chain.tip.hash),
      height: chain.height,
      utxo: bytesToHex((await chain.utxoSetHash()).hash),
      state: await stateDigest(chain),
    });
    const replay: Replay = { expected: [await snap()], results: [], stepMs: [], reorgs: new Map() };
    let step = -1;
    let batches = 0;
    const { store } = internals(chain);
    const batch = store.batch.bind(store);
    store.batch = (ops: BatchOp[]) => {
      batches++;
      return batch(ops);
    };
    chain.on('reorg', (info) =>
      replay.reorgs.set(step, { disconnected: info.disconnected.length, connected: info.connected.length }),
    );
    for (const [i, block] of blocks.entries()) {
      step = i;
      batches = 0;
      const t0 = performance.now();
      replay.results.push(await chain.processBlock(block, { source: 'replay' }));
      replay.stepMs.push(performance.now() - t0);
      // One step, one batch: what makes "old or new" well defined for every kill.
      if (batches !== 1) throw new Error(`step ${i} wrote ${batches} batches`);
      replay.expected.push(await snap());
    }
    return replay;
  } finally {
    await chain.close();
    await verifier.close();
  }
}

// ---- the child ------------------------------------------------------------------------------

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Transpile src/ and the child script into `out`; returns the child's path. */
export function buildChild(out: string): string {
  const files = [
    ...walk(join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    join(ROOT, 'test/chain/crash-child.ts'),
  ];
  for (const file of files) {
    let code: string;
    try {
      code = swc.transformFileSync(file, {
        swcrc: false,
        configFile: false,
        sourceMaps: 'inline',
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'es6' },
      }).code;
    } catch {
      // A file the child does not import may be mid-edit; one it imports fails loudly at run time.
      continue;
    }
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'), 'junction');
  return join(out, 'test/chain/crash-child.js');
}

/**
 * When to kill: `ms` after the parent sees the child's `<on> <step>` line (or after the spawn).
 * With `pause` the child stops itself right after that line; the parent kills it there (ms 0),
 * or lets it go on and kills it `ms` later, timed from the moment it continues.
 */
export type Trigger =
  | { on: 'spawn'; ms: number }
  | { on: 'begin' | 'begin-batch' | 'batch-start' | 'batch-end' | 'done'; step: number; ms: number; pause?: boolean };

export interface ChildRun {
  killed: boolean;
  /** The journal's lines, each split into words with the trailing `@ms` stamp taken off. */
  journal: { words: string[]; at: number }[];
  stderr: string;
}

export const live = new Set<ChildProcess>();

export function busyWait(ms: number): void {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  void spins;
}

export function parseLine(line: string): { words: string[]; at: number } {
  const words = line.split(' ');
  const stamp = words[words.length - 1]!;
  return stamp.startsWith('@') ? { words: words.slice(0, -1), at: Number(stamp.slice(1)) } : { words, at: NaN };
}

/** Wait until `pid` is stopped (Linux /proc; elsewhere a short sleep has to do). */
export function waitStopped(pid: number): void {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return busyWait(50);
  const until = performance.now() + 5_000;
  while (performance.now() < until) {
    const text = readFileSync(stat, 'utf8');
    if (text[text.lastIndexOf(')') + 2] === 'T') return;
  }
  throw new Error(`child ${pid} did not stop`);
}

export function triggerMatches(t: Trigger, line: string): boolean {
  if (t.on === 'spawn') return false;
  const [word, step] = line.split(' ');
  return word === t.on && Number(step) === t.step;
}

/**
 * Follows the child's journal as it grows. The parent watches the journal, not stdout: the
 * journal is written with a synchronous write() before anything else happens, while Node writes
 * a pipe asynchronously on POSIX, so stdout can lag behind (or, with the child stopped, never
 * arrive).
 */
export class JournalTail {
  private fd: number | undefined;
  private pos = 0;
  private partial = '';
  last = '';

  constructor(private readonly path: string) {}

  /** The complete lines written since the last call. */
  read(): string[] {
    if (this.fd === undefined) {
      if (!existsSync(this.path)) return [];
      this.fd = openSync(this.path, 'r');
    }
    const buf = Buffer.alloc(64 * 1024);
    let text = '';
    for (let n; (n = readSync(this.fd, buf, 0, buf.length, this.pos)) > 0;) {
      this.pos += n;
      text += buf.toString('utf8', 0, n);
    }
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    if (lines.length) this.last = lines[lines.length - 1]!;
    return lines;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

/**
 * Run the child on `chainDir`. With a trigger, SIGKILL it: `ms` after the spawn, or `ms` after
 * its journal shows the trigger's line (polled every millisecond); with `pause` the child has
 * stopped itself right after that line, and is killed there (ms 0) or continued and killed
 * `ms` later.
 */
export async function runChild(
  childJs: string,
  chainDir: string,
  scriptPath: string,
  journalPath: string,
  opts: { trigger?: Trigger; stopBefore?: number; identityOnly?: boolean; env?: Record<string, string> } = {},
): Promise<ChildRun> {
  rmSync(journalPath, { force: true });
  const args = opts.identityOnly
    ? [childJs, chainDir, '--identity-only', journalPath]
    : [childJs, chainDir, scriptPath, journalPath, ...(opts.stopBefore === undefined ? [] : [String(opts.stopBefore)])];
  const trigger = opts.trigger;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', ...opts.env };
  if (!opts.env?.CRASH_BATCH) delete env.CRASH_BATCH;
  if (trigger && trigger.on !== 'spawn' && trigger.pause) env.CRASH_PAUSE_AT = `${trigger.on} ${trigger.step}`;
  else delete env.CRASH_PAUSE_AT;
  const child = spawn(process.execPath, ['--enable-source-maps', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  live.add(child);
  const tail = new JournalTail(journalPath);
  let stderr = '';
  let fired = false;
  let exited = false;
  let guard: NodeJS.Timeout | undefined;
  let poller: NodeJS.Timeout | undefined;
  const kill = () => {
    if (!fired) {
      fired = true;
      child.kill('SIGKILL');
    }
  };
  try {
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => (exited = true));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    if (trigger?.on === 'spawn') child.on('spawn', () => setTimeout(kill, trigger.ms));
    else if (trigger) {
      const poll = () => {
        if (exited || fired) return;
        if (!tail.read().some((l) => triggerMatches(trigger, l))) {
          poller = setTimeout(poll, 1);
          return;
        }
        // Blocking on purpose: sub-millisecond delays, and nothing else should run meanwhile.
        if (trigger.pause) {
          waitStopped(child.pid!);
          if (trigger.ms > 0) child.kill('SIGCONT');
        }
        busyWait(trigger.ms);
        kill();
      };
      poll();
    }
    let hung = '';
    guard = setTimeout(() => {
      const stat = `/proc/${child.pid}/stat`;
      hung = `process state ${existsSync(stat) ? readFileSync(stat, 'utf8').split(' ')[2] : '?'}, last journal line seen ${JSON.stringify(tail.last)}`;
      child.kill('SIGKILL');
    }, 30_000);
    const { code, signal } = await closed;
    // A kill during start-up can come before the child has created its journal.
    const lines = existsSync(journalPath)
      ? readFileSync(journalPath, 'utf8')
          .split('\n')
          .filter((l) => l.length > 0)
      : [];
    const errorLine = lines.find((l) => l.startsWith('error '));
    if (errorLine) throw new Error(`child failed: ${errorLine}\n${stderr}`);
    if (signal === 'SIGKILL' && !fired && !opts.identityOnly)
      throw new Error(
        `child hung and was killed by the guard (${hung}); journal ends ${JSON.stringify(lines.slice(-3))}\n${stderr}`,
      );
    if (signal !== 'SIGKILL' && code !== 0) throw new Error(`child exited with ${code} ${signal}\n${stderr}`);
    return { killed: signal === 'SIGKILL', journal: lines.map(parseLine), stderr };
  } finally {
    clearTimeout(guard);
    clearTimeout(poller);
    tail.close();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    live.delete(child);
  }
}

/** What every crash suite sets up once: a temp dir, the transpiled child, its script file and a clean replay. */
export interface CrashRig {
  tmp: { dir: string; cleanup: () => void };
  childJs: string;
  scriptPath: string;
  replay: Replay;
  /** Kill any child still running and remove everything. */
  close(): void;
}

export async function crashRig(label: string, blocks: Block[], now: number): Promise<CrashRig> {
  const tmp = tempDir(label);
  const childJs = buildChild(join(tmp.dir, 'build'));
  const scriptPath = join(tmp.dir, 'script.json');
  const script: CrashScript = { now, blocks: blocks.map((b) => bytesToHex(encodeBlock(b))) };
  writeFileSync(scriptPath, JSON.stringify(script));
  const replay = await cleanReplay(join(tmp.dir, 'replay'), blocks, now);
  return {
    tmp,
    childJs,
    scriptPath,
    replay,
    close() {
      for (const c of live) c.kill('SIGKILL');
      // The link to the project's node_modules goes first, so nothing can follow it.
      rmSync(join(tmp.dir, 'build', 'node_modules'), { force: true });
      tmp.cleanup();
    },
  };
}

const VERBOSE_SETUP = process.env.CRASH_TEST_VERBOSE === '1';

/**
 * What a crash suite shares across its tests: the script's blocks and their hashes, the rig
 * (temp dir, transpiled child, script file, clean replay), the clock's fixed time and a verify
 * pool. `useCrashSuite` fills it in before the suite's first test and removes it after the last.
 */
export interface CrashSuite {
  readonly now: number;
  readonly pool: VerifyPool;
  blocks: Block[];
  hashes: string[];
  tmp: CrashRig['tmp'];
  childJs: string;
  scriptPath: string;
  replay: Replay;
  /** A fresh journal file's path each call. */
  journal(): string;
}

/** Register the set-up and tear-down of a crash suite (call inside its describe). */
export function useCrashSuite(label: string, build: () => Block[]): CrashSuite {
  let rig: CrashRig | undefined;
  let journals = 0;
  const suite = {
    now: new TestClock().now,
    pool: new VerifyPool({ size: 1 }),
    journal: () => join(suite.tmp.dir, `journal-${journals++}.log`),
  } as CrashSuite;
  beforeAll(async () => {
    suite.blocks = build();
    suite.hashes = suite.blocks.map((b) => bytesToHex(headerHash(b.header)));
    const t0 = performance.now();
    rig = await crashRig(label, suite.blocks, suite.now);
    Object.assign(suite, { tmp: rig.tmp, childJs: rig.childJs, scriptPath: rig.scriptPath, replay: rig.replay });
    if (VERBOSE_SETUP) console.log(`set-up (transpile and replay) ${(performance.now() - t0).toFixed(0)} ms`);
  }, 60_000);
  afterAll(async () => {
    rig?.close();
    await suite.pool.close();
  });
  return suite;
}
