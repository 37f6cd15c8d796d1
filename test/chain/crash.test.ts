/**
 * Crash safety (design §4): "a crash at any instant leaves the database at the old tip or the
 * new one". A real child process (test/chain/crash-child.ts) connects and reorganises blocks on
 * a real classic-level database and is killed with SIGKILL at 30-odd points: during start-up,
 * between steps, while a step computes, inside and right after its batch write, on plain
 * extensions, side-branch blocks and three reorgs (20 blocks out and 21 in; 10 out and 11 in;
 * one that fails on a bad signature and is dropped). Each step (one processBlock) is one batch.
 * After every kill the parent reopens the database and checks that
 *   - exactly the steps before the one in progress are stored, plus possibly that one: the state
 *     is the old one or the new one, never a mix (index, tip, height index, UTXOs, undo records,
 *     address index byte for byte equal to a clean replay's at that step);
 *   - the tip is the clean replay's tip at that step, and start-up has nothing left to finish;
 *   - verifyChain over the whole chain passes;
 *   - utxoSetHash equals the clean replay's;
 * and the next child resumes on the same directory, where each new step must give the replay's
 * result. Delays are seeded; a failure names its kill point and the last lines of the journal.
 *
 * How the child runs the TypeScript sources: before the kills, this file transpiles src/ and the
 * child with @swc/core (the transpiler jest itself uses, so the child runs exactly the code the
 * other tests run, never a stale dist/) into a temporary directory holding a package.json with
 * "type": "module" and a symlink to the project's node_modules, then runs it with plain
 * `node` (process.execPath): no loader hooks, no experimental flags, about a tenth of a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';
import { Chain, utxoSetHash, verifyChain, type ProcessResult } from '../../src/chain/index.js';
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
import { tempDir, TestClock } from './harness.js';
import type { CrashScript } from './crash-child.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERBOSE = process.env.CRASH_TEST_VERBOSE === '1';

// ---- the script of blocks -------------------------------------------------------------------

/** Heights 1..100: empty blocks, so the first coinbases mature. */
const PREFIX = 100;
/** Branch A: heights 101..130 with spends. */
const A_TOP = 130;
/** Branch B forks from A at 110 and runs to 135: its block 131 is reorg 1 (20 out, 21 in). */
const B_FORK = 110;
const B_TOP = 135;
/** Branch C forks from B at 125 and runs to 140: its block 136 is reorg 2 (10 out, 11 in). */
const C_FORK = 125;
const C_TOP = 140;
/**
 * Branch D forks from C at 132 and runs to 141, but its block 137 carries a bad signature: block
 * 141 starts reorg 3, which disconnects 8 blocks, connects 4, fails at 137 and is dropped whole;
 * 137..141 are marked invalid and the tip stays at C's 140.
 */
const D_FORK = 132;
const D_BAD = 137;
const D_TOP = 141;

const A_FIRST = PREFIX; // the step (index in the script) of A's first block
const B_FIRST = A_FIRST + (A_TOP - PREFIX);
const REORG1 = B_FIRST + (A_TOP + 1 - (B_FORK + 1));
const C_FIRST = B_FIRST + (B_TOP - B_FORK);
const REORG2 = C_FIRST + (B_TOP + 1 - (C_FORK + 1));
const D_FIRST = C_FIRST + (C_TOP - C_FORK);
const REORG3 = D_FIRST + (D_TOP - (D_FORK + 1));
const STEPS = D_FIRST + (D_TOP - D_FORK);

function region(step: number): string {
  if (step < A_FIRST) return 'prefix';
  if (step < B_FIRST) return 'A extend';
  if (step < REORG1) return 'B side';
  if (step === REORG1) return 'reorg 1';
  if (step < C_FIRST) return 'B extend';
  if (step < REORG2) return 'C side';
  if (step === REORG2) return 'reorg 2';
  if (step < D_FIRST) return 'C extend';
  if (step < REORG3) return 'D side';
  return 'reorg 3 (fails)';
}

/** mulberry32: a small seeded generator, so every run builds the same blocks and delays. */
function rng(seed: number): { next: () => number; int: (n: number) => number } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

interface BuiltState {
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
class ScriptBuilder {
  readonly miner = testKey('miner');
  private readonly payees: TestKey[] = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((l) => testKey(l));
  private extraNonce = 0n;
  readonly genesis: BuiltState = { hash: regtest.genesisHash, height: 0, time: regtest.genesis.header.time, utxos: new Map() };

  /** `count` blocks on `from`; the one at height `badAt` gets a transaction with a wrong signature. */
  branch(from: BuiltState, count: number, seed: number, withTxs: boolean, badAt = -1): { blocks: Block[]; states: BuiltState[] } {
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

  private next(parent: BuiltState, r: ReturnType<typeof rng> | undefined, bad: boolean): { block: Block; state: BuiltState } {
    const height = parent.height + 1;
    const utxos = new Map(parent.utxos);
    const txs: Transaction[] = [];
    let fees = 0n;
    const spend = (inputs: OwnedCoin[], outputs: number, fee: bigint) => {
      const total = inputs.reduce((s, c) => s + c.coin.value, 0n);
      if (total <= fee + BigInt(outputs) * 1000n) return;
      const each = (total - fee) / BigInt(outputs);
      const payees = Array.from({ length: outputs }, () => this.payees[r!.int(this.payees.length)]!);
      const outs: TxOutput[] = payees.map((k, j) => payTo(k, j === outputs - 1 ? total - fee - each * BigInt(outputs - 1) : each));
      const tx = signSpend({ inputs, outputs: outs, genesisHash: regtest.genesisHash });
      const id = txid(tx);
      for (const c of inputs) utxos.delete(outpointKey(c.outpoint.txid, c.outpoint.index));
      outs.forEach((o, index) => {
        utxos.set(outpointKey(id, index), { outpoint: { txid: id, index }, coin: { ...o, height, coinbase: false }, key: payees[index]! });
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
      for (let n = 3 + r.int(4); n > 0 && pool.length > 0; n--) spend(pool.splice(0, 1 + r.int(2)), 2 + r.int(2), 1_000n);
      if (bad) {
        // A well-formed low-S signature by the right key, over another digest: only the
        // verifier, when the block is connected, can tell.
        const tx = txs[txs.length - 1]!;
        tx.inputs[0]!.unlock.set(sign(new Uint8Array(32).fill(7), parent.utxos.get(outpointKey(tx.inputs[0]!.prevTxid, tx.inputs[0]!.prevIndex))!.key.priv), 33);
      }
    }
    const time = parent.time + regtest.targetSpacing;
    const block = mineBlock({ prevHash: parent.hash, height, time, txs, fees, extraNonce: this.extraNonce++, minerKey: this.miner });
    for (const c of coinsOf(block.txs[0]!, height, this.miner)) utxos.set(outpointKey(c.outpoint.txid, c.outpoint.index), c);
    return { block, state: { hash: headerHash(block.header), height, time, utxos } };
  }
}

function buildScript(): Block[] {
  const b = new ScriptBuilder();
  const prefix = b.branch(b.genesis, PREFIX, 1, false);
  const a = b.branch(prefix.states[PREFIX - 1]!, A_TOP - PREFIX, 0xa, true);
  const b1 = b.branch(a.states[B_FORK - PREFIX - 1]!, B_TOP - B_FORK, 0xb, true);
  const c = b.branch(b1.states[C_FORK - B_FORK - 1]!, C_TOP - C_FORK, 0xc, true);
  const d = b.branch(c.states[D_FORK - C_FORK - 1]!, D_TOP - D_FORK, 0xd, true, D_BAD);
  const blocks = [...prefix.blocks, ...a.blocks, ...b1.blocks, ...c.blocks, ...d.blocks];
  if (blocks.length !== STEPS) throw new Error(`script has ${blocks.length} blocks, expected ${STEPS}`);
  return blocks;
}

// ---- the clean replay -------------------------------------------------------------------------

/**
 * Everything in the database, digested per key space (the first key byte, see layout.ts). Block
 * bytes are stored under their own hash, so for them the keys are enough.
 */
async function stateDigest(chain: Chain): Promise<Record<string, string>> {
  return chain.withLock(async () => {
    const spaces = new Map<number, { h: ReturnType<typeof createHash>; n: number }>();
    for await (const [k, v] of chain.store.db.iterator()) {
      let s = spaces.get(k[0]!);
      if (!s) spaces.set(k[0]!, (s = { h: createHash('sha256'), n: 0 }));
      s.h.update(k).update(Buffer.from([0]));
      if (k[0] !== 0x62) s.h.update(v);
      s.n++;
    }
    const out: Record<string, string> = {};
    for (const [p, s] of [...spaces].sort((x, y) => x[0] - y[0])) out[String.fromCharCode(p)] = `${s.n}:${s.h.digest('hex').slice(0, 16)}`;
    return out;
  });
}

interface Expected {
  tip: string;
  height: number;
  utxo: string;
  state: Record<string, string>;
}

interface Replay {
  /** expected[c]: the state after the first c steps (expected[0]: a fresh database). */
  expected: Expected[];
  results: ProcessResult[];
  /** Milliseconds of each step's processBlock on this machine (scales the random delays). */
  stepMs: number[];
  reorgs: Map<number, { disconnected: number; connected: number }>;
}

/** A fresh chain fed the script in one process, recording the state after every step. */
async function cleanReplay(dir: string, blocks: Block[], now: number): Promise<Replay> {
  const verifier = new VerifyPool({ size: 1 });
  const chain = await Chain.open({ params: regtest, location: dir, verifier, clock: () => now });
  try {
    const snap = async (): Promise<Expected> => ({
      tip: bytesToHex(chain.tip.hash),
      height: chain.height,
      utxo: (await utxoSetHash(chain)).hash,
      state: await stateDigest(chain),
    });
    const replay: Replay = { expected: [await snap()], results: [], stepMs: [], reorgs: new Map() };
    let step = -1;
    let batches = 0;
    const batch = chain.store.batch.bind(chain.store);
    chain.store.batch = (ops: BatchOp[]) => {
      batches++;
      return batch(ops);
    };
    chain.on('reorg', (info) => replay.reorgs.set(step, { disconnected: info.disconnected.length, connected: info.connected.length }));
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
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Transpile src/ and the child script into `out`; returns the child's path. */
function buildChild(out: string): string {
  const files = [...walk(join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), join(ROOT, 'test/chain/crash-child.ts')];
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
type Trigger = { on: 'spawn'; ms: number } | { on: 'begin' | 'batch-start' | 'batch-end' | 'done'; step: number; ms: number; pause?: boolean };

interface ChildRun {
  killed: boolean;
  /** The journal's lines, each split into words with the trailing `@ms` stamp taken off. */
  journal: { words: string[]; at: number }[];
  stderr: string;
}

const live = new Set<ChildProcess>();

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  void spins;
}

function parseLine(line: string): { words: string[]; at: number } {
  const words = line.split(' ');
  const stamp = words[words.length - 1]!;
  return stamp.startsWith('@') ? { words: words.slice(0, -1), at: Number(stamp.slice(1)) } : { words, at: NaN };
}

/** Wait until `pid` is stopped (Linux /proc; elsewhere a short sleep has to do). */
function waitStopped(pid: number): void {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return busyWait(50);
  const until = performance.now() + 5_000;
  while (performance.now() < until) {
    const text = readFileSync(stat, 'utf8');
    if (text[text.lastIndexOf(')') + 2] === 'T') return;
  }
  throw new Error(`child ${pid} did not stop`);
}

function triggerMatches(t: Trigger, line: string): boolean {
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
class JournalTail {
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
    for (let n; (n = readSync(this.fd, buf, 0, buf.length, this.pos)) > 0; ) {
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
async function runChild(childJs: string, chainDir: string, scriptPath: string, journalPath: string, opts: { trigger?: Trigger; stopBefore?: number; identityOnly?: boolean } = {}): Promise<ChildRun> {
  rmSync(journalPath, { force: true });
  const args = opts.identityOnly ? [childJs, chainDir, '--identity-only', journalPath] : [childJs, chainDir, scriptPath, journalPath, ...(opts.stopBefore === undefined ? [] : [String(opts.stopBefore)])];
  const trigger = opts.trigger;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  if (trigger && trigger.on !== 'spawn' && trigger.pause) env.CRASH_PAUSE_AT = `${trigger.on} ${trigger.step}`;
  else delete env.CRASH_PAUSE_AT;
  const child = spawn(process.execPath, ['--enable-source-maps', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
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
    const lines = existsSync(journalPath) ? readFileSync(journalPath, 'utf8').split('\n').filter((l) => l.length > 0) : [];
    const errorLine = lines.find((l) => l.startsWith('error '));
    if (errorLine) throw new Error(`child failed: ${errorLine}\n${stderr}`);
    if (signal === 'SIGKILL' && !fired && !opts.identityOnly) throw new Error(`child hung and was killed by the guard (${hung}); journal ends ${JSON.stringify(lines.slice(-3))}\n${stderr}`);
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

// ---- the checks after a kill ----------------------------------------------------------------

interface KillRecord {
  trigger: string;
  /** Where the step in progress was: computing, inside its batch call, or past the batch. */
  where: 'start-up' | 'between steps' | 'mid-step' | 'in batch' | 'after batch';
  /** The step in progress when the kill landed (undefined between steps or in start-up). */
  step: number | undefined;
  /** Steps stored before the run and after the kill. */
  before: number;
  after: number;
}

// SIGKILL, SIGSTOP and SIGCONT are POSIX signals: powchain's nodes and this test run on POSIX
// systems (CI and development are Linux).
describe('crash safety: SIGKILL while connecting and reorganising', () => {
  let blocks: Block[];
  let hashes: string[];
  const now = new TestClock().now;
  let tmp: { dir: string; cleanup: () => void };
  let childJs: string;
  let scriptPath: string;
  let replay: Replay;
  let journalN = 0;
  const pool = new VerifyPool({ size: 1 });

  beforeAll(async () => {
    tmp = tempDir('powchain-crash');
    blocks = buildScript();
    hashes = blocks.map((b) => bytesToHex(headerHash(b.header)));
    const t0 = performance.now();
    childJs = buildChild(join(tmp.dir, 'build'));
    const t1 = performance.now();
    scriptPath = join(tmp.dir, 'script.json');
    const script: CrashScript = { now, blocks: blocks.map((b) => bytesToHex(encodeBlock(b))) };
    writeFileSync(scriptPath, JSON.stringify(script));
    replay = await cleanReplay(join(tmp.dir, 'replay'), blocks, now);
    if (VERBOSE) console.log(`transpile ${(t1 - t0).toFixed(0)} ms, replay ${(performance.now() - t1).toFixed(0)} ms`);
  }, 60_000);

  afterAll(async () => {
    for (const c of live) c.kill('SIGKILL');
    await pool.close();
    if (!tmp) return;
    // The link to the project's node_modules goes first, so nothing can follow it.
    rmSync(join(tmp.dir, 'build', 'node_modules'), { force: true });
    tmp.cleanup();
  });

  const journal = () => join(tmp.dir, `journal-${journalN++}.log`);

  /** Reopen the database, check it is exactly a clean replay's state, and return its step count. */
  async function inspect(chainDir: string): Promise<number> {
    const chain = await Chain.open({ params: regtest, location: chainDir, verifier: pool, clock: () => now, activate: false });
    try {
      const stored = hashes.map((h) => chain.index.get(h) !== undefined);
      const c = stored.indexOf(false) < 0 ? STEPS : stored.indexOf(false);
      // No block of a later step may be there: a step is all or nothing.
      expect(stored.slice(c).every((s) => !s)).toBe(true);
      const exp = replay.expected[c]!;
      expect({ tip: bytesToHex(chain.tip.hash), height: chain.height }).toEqual({ tip: exp.tip, height: exp.height });
      expect(await verifyChain(chain, chain.height)).toEqual({ ok: true, checked: chain.height });
      expect((await utxoSetHash(chain)).hash).toBe(exp.utxo);
      // Blocks, index (statuses), height index, UTXOs, undo, address index: byte for byte.
      expect(await stateDigest(chain)).toEqual(exp.state);
      // Nothing was left half done for start-up to finish.
      await chain.activate();
      expect(bytesToHex(chain.tip.hash)).toBe(exp.tip);
      return c;
    } finally {
      await chain.close();
    }
  }

  /**
   * Check what the child reported against the replay, and work out which states a kill may have
   * left: with step s begun and not done, s or s + 1 steps stored; otherwise exactly the steps done.
   */
  function allowedAfter(run: ChildRun, before: number): { allowed: number[]; where: KillRecord['where']; step: number | undefined } {
    const begun: number[] = [];
    const done = new Set<number>();
    let batch: 'none' | 'open' | 'written' = 'none';
    for (const { words } of run.journal) {
      const [word, a, b, c, d] = words;
      const i = Number(a);
      if (word === 'again') expect(i).toBeLessThan(before);
      if (word === 'begin') {
        // A resumed run starts exactly at the first step not stored.
        expect(i).toBe(begun.length ? begun[begun.length - 1]! + 1 : before);
        begun.push(i);
        batch = 'none';
      }
      if (word === 'batch-start') batch = 'open';
      if (word === 'batch-end') batch = 'written';
      if (word === 'done') {
        const want = replay.results[i]!;
        if (i < before) expect(b).toBe('duplicate');
        else {
          expect({ step: i, status: b, main: c, tip: d }).toEqual({ step: i, status: want.status, main: want.status === 'connected' ? String(want.mainChain) : '-', tip: replay.expected[i + 1]!.tip });
          done.add(i);
        }
      }
    }
    const last = begun[begun.length - 1];
    if (!run.journal.some((l) => l.words[0] === 'ready')) return { allowed: [before], where: 'start-up', step: undefined };
    if (last === undefined) return { allowed: [before], where: 'between steps', step: undefined };
    if (done.has(last)) return { allowed: [last + 1], where: 'between steps', step: undefined };
    // Past its batch a step is on disk: only the done line is missing.
    if (batch === 'written') return { allowed: [last + 1], where: 'after batch', step: last };
    return { allowed: [last, last + 1], where: batch === 'open' ? 'in batch' : 'mid-step', step: last };
  }

  test('a fresh database killed right after ChainStore.open still opens, at genesis', async () => {
    // Chain.open on an empty directory first runs ChainStore.open, then writes the genesis state.
    // ChainStore.open used to write the network/schema records in a batch of its own, and a kill
    // before the genesis batch left a database that refused to open ("no tip record; run the
    // node with --reindex"). The child runs ChainStore.open and SIGKILLs itself at once: the
    // state a kill at that instant leaves. Old is "no chain", new is "genesis"; either way a
    // restart must open, not demand a reindex.
    const chainDir = join(tmp.dir, 'fresh');
    const run = await runChild(childJs, chainDir, scriptPath, journal(), { identityOnly: true });
    expect(run.killed).toBe(true);
    expect(run.journal.map((l) => l.words[0])).toEqual(['identity-written']);
    const chain = await Chain.open({ params: regtest, location: chainDir, verifier: pool, clock: () => now });
    try {
      expect(bytesToHex(chain.tip.hash)).toBe(bytesToHex(regtest.genesisHash));
      expect(chain.height).toBe(0);
    } finally {
      await chain.close();
    }
  });

  test('the script is what the kills assume', () => {
    // Every step is one batch (checked while replaying); the reorgs are where they should be.
    expect(replay.reorgs).toEqual(
      new Map([
        [REORG1, { disconnected: A_TOP - B_FORK, connected: A_TOP + 1 - B_FORK }],
        [REORG2, { disconnected: B_TOP - C_FORK, connected: B_TOP + 1 - C_FORK }],
      ]),
    );
    for (const [i, r] of replay.results.entries()) {
      const side = (i >= B_FIRST && i < REORG1) || (i >= C_FIRST && i < REORG2) || (i >= D_FIRST && i < REORG3);
      if (i === REORG3) expect(r).toMatchObject({ status: 'invalid' });
      else expect(r).toMatchObject({ status: 'connected', mainChain: !side });
    }
    // Reorg 3 failed as a whole: the tip is still C's top, D from the bad block on is invalid.
    expect(replay.expected[STEPS]!).toMatchObject({ tip: replay.expected[D_FIRST]!.tip, height: C_TOP });
    expect(replay.expected[STEPS]!.utxo).toBe(replay.expected[D_FIRST]!.utxo);
  });

  test('killed at 20+ points, every reopened state is the old or the new one and resumes', async () => {
    const started = performance.now();
    const chainDir = join(tmp.dir, 'chain');
    const r = rng(0xc0ffee);
    const between = (lo: number, hi: number) => lo + r.next() * (hi - lo);
    const stepMs = (s: number) => replay.stepMs[s]!;
    const records: KillRecord[] = [];
    let committed = 0;

    const killAt = async (planned: Trigger): Promise<{ rec: KillRecord; run: ChildRun }> => {
      const before = committed;
      // An earlier kill that landed late may have passed the planned step: take the next one.
      const trigger = planned.on === 'spawn' || planned.step >= before ? planned : { ...planned, step: before };
      const run = await runChild(childJs, chainDir, scriptPath, journal(), { trigger });
      const { allowed, where, step } = allowedAfter(run, before);
      const after = await inspect(chainDir);
      if (!allowed.includes(after)) {
        throw new Error(`kill at ${JSON.stringify(trigger)}: reopened with ${after} steps stored, expected ${allowed.join(' or ')}; journal ends ${JSON.stringify(run.journal.slice(-4))}`);
      }
      committed = after;
      const rec: KillRecord = {
        trigger: trigger.on === 'spawn' ? `spawn +${trigger.ms.toFixed(1)}ms` : `${trigger.on} ${trigger.step}${trigger.pause ? ' paused' : ''} +${trigger.ms.toFixed(2)}ms`,
        where,
        step,
        before,
        after,
      };
      if (run.killed) records.push(rec);
      return { rec, run };
    };

    /** Bring the database to exactly `steps` steps with a clean run, and keep a copy. */
    const snapshotBefore = async (steps: number): Promise<string> => {
      // A kill that landed late may have gone past `steps`: then start from nothing.
      if (committed > steps) {
        rmSync(chainDir, { recursive: true, force: true });
        committed = 0;
      }
      const run = await runChild(childJs, chainDir, scriptPath, journal(), { stopBefore: steps });
      expect(run.killed).toBe(false);
      expect(run.journal[run.journal.length - 1]!.words).toEqual(['end']);
      committed = await inspect(chainDir);
      expect(committed).toBe(steps);
      const copy = join(tmp.dir, `snapshot-${steps}`);
      cpSync(chainDir, copy, { recursive: true });
      return copy;
    };

    /**
     * Kills of one reorg step, each from the same state (the steps before it, restored from a
     * copy). Three at exact points: right after its batch was written (the new state, though the
     * chain has not even updated its memory), right before the batch is handed to classic-level
     * and right as the step begins (the old state). Then, continued from a pause, spread over the
     * computing before the batch and over the batch write, using how long each took in the first
     * run (from the journal's stamps).
     */
    const reorgKills = async (R: number, spread: number) => {
      const copy = await snapshotBefore(R);
      const restore = () => {
        rmSync(chainDir, { recursive: true, force: true });
        cpSync(copy, chainDir, { recursive: true });
        committed = R;
      };
      restore();
      const recs: KillRecord[] = [];
      const first = await killAt({ on: 'batch-end', step: R, ms: 0, pause: true });
      recs.push(first.rec);
      const line = (word: string) => first.run.journal.find((l) => l.words[0] === word && Number(l.words[1]) === R);
      const pre = line('batch-start')!.at - line('begin')!.at;
      const write = line('batch-end')!.at - line('batch-start')!.at;
      if (VERBOSE) console.log(`step ${R} in the child: ${pre.toFixed(1)} ms to its batch, ${line('batch-start')!.words[2]} ops written in ${write.toFixed(1)} ms`);
      const plan: Trigger[] = [
        { on: 'batch-start', step: R, ms: 0, pause: true },
        { on: 'begin', step: R, ms: 0, pause: true },
        ...Array.from({ length: spread }, (_, k) => ({ on: 'begin' as const, step: R, ms: pre * ((k + r.next()) / spread), pause: true })),
        ...Array.from({ length: spread }, (_, k) => ({ on: 'batch-start' as const, step: R, ms: write * ((k + r.next()) / spread), pause: true })),
      ];
      for (const t of plan) {
        restore();
        recs.push((await killAt(t)).rec);
      }
      expect(recs.find((x) => x.where === 'after batch' && x.after === R + 1)).toBeDefined();
      expect(recs.find((x) => x.where === 'in batch' && x.after === R)).toBeDefined();
      expect(recs.find((x) => x.where === 'mid-step' && x.after === R)).toBeDefined();
    };

    // Kills from a pause land exactly there, or exactly ms after it. Kills timed from when the
    // parent notices a line (or from the spawn) land wherever the scheduler lets them: later when
    // the machine is busy (a late kill only moves the later points on; a reorg's kills start from
    // their own copy).
    const paused = (on: 'begin' | 'batch-start' | 'batch-end' | 'done', step: number, ms: number): Trigger => ({ on, step, ms, pause: true });
    // The fresh directory: the child has opened it before the first kill.
    const first = await killAt(paused('begin', 3, between(0, stepMs(3))));
    await killAt(paused('batch-start', 40, 0));
    // Start-up: loading modules, then opening the database (from when the first run was ready).
    const readyAt = first.run.journal.find((l) => l.words[0] === 'ready')!.at;
    await killAt({ on: 'spawn', ms: readyAt * between(0.1, 0.5) });
    await killAt({ on: 'spawn', ms: readyAt * between(0.8, 1) });
    await killAt(paused('done', A_FIRST - 1, 0));
    await killAt(paused('begin', A_FIRST, between(0, stepMs(A_FIRST))));
    await killAt(paused('begin', A_FIRST + 8, between(0, stepMs(A_FIRST + 8))));
    await killAt(paused('batch-end', A_FIRST + 15, 0));
    await killAt(paused('batch-start', A_FIRST + 24, between(0, 1)));
    await killAt(paused('batch-start', B_FIRST, 0));
    await killAt(paused('begin', B_FIRST + 11, between(0, stepMs(B_FIRST + 11))));
    await reorgKills(REORG1, 3);
    await killAt(paused('begin', REORG1 + 1, between(0, stepMs(REORG1 + 1))));
    await killAt(paused('batch-end', REORG1 + 3, 0));
    await killAt(paused('batch-start', C_FIRST + 5, 0));
    await reorgKills(REORG2, 2);
    await killAt({ on: 'done', step: REORG2 + 1, ms: 0 });
    await killAt(paused('begin', D_FIRST + 2, between(0, stepMs(D_FIRST + 2))));
    await reorgKills(REORG3, 2);

    // Resume to the end without a kill.
    const last = await runChild(childJs, chainDir, scriptPath, journal());
    expect(last.journal[last.journal.length - 1]!.words).toEqual(['end']);
    expect(await inspect(chainDir)).toBe(STEPS);

    if (VERBOSE) {
      const rows = records.map((x) => `${x.trigger.padEnd(32)} ${x.where.padEnd(14)} ${(x.step === undefined ? '' : `${x.step} (${region(x.step)})`).padEnd(22)} ${x.before} -> ${x.after}`);
      console.log(`${records.length} kills in ${((performance.now() - started) / 1000).toFixed(1)} s\n${rows.join('\n')}`);
    }
    expect(records.length).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
