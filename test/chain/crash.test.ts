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

import { join } from 'node:path';
import { Chain } from '../../src/chain/index.js';
import type { Block } from '../../src/consensus/block.js';
import { bytesToHex, hexToBytes } from '../../src/encoding/hex.js';
import { regtest } from '../helpers/mine.js';
import {
  useCrashSuite,
  rng,
  runChild,
  ScriptBuilder,
  stateDigest,
  type ChildRun,
  type Trigger,
  copyChain,
  removeChain,
} from './crash-helpers.js';

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
  const suite = useCrashSuite('powchain-crash', buildScript);
  const { now, pool, journal } = suite;

  /** Reopen the database, check it is exactly a clean suite.replay's state, and return its step count. */
  async function inspect(chainDir: string): Promise<number> {
    const chain = await Chain.open({
      params: regtest,
      location: chainDir,
      verifier: pool,
      clock: () => now,
      activate: false,
    });
    try {
      const stored = suite.hashes.map((h) => chain.entry(hexToBytes(h)) !== undefined);
      const c = stored.indexOf(false) < 0 ? STEPS : stored.indexOf(false);
      // No block of a later step may be there: a step is all or nothing.
      expect(stored.slice(c).every((s) => !s)).toBe(true);
      const exp = suite.replay.expected[c]!;
      expect({ tip: bytesToHex(chain.tip.hash), height: chain.height }).toEqual({ tip: exp.tip, height: exp.height });
      expect(await chain.verifyChain(chain.height)).toEqual({ ok: true, checked: chain.height });
      expect(bytesToHex((await chain.utxoSetHash()).hash)).toBe(exp.utxo);
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
   * Check what the child reported against the suite.replay, and work out which states a kill may have
   * left: with step s begun and not done, s or s + 1 steps stored; otherwise exactly the steps done.
   */
  function allowedAfter(
    run: ChildRun,
    before: number,
  ): { allowed: number[]; where: KillRecord['where']; step: number | undefined } {
    const begun: number[] = [];
    const done = new Set<number>();
    let batch: 'none' | 'open' | 'written' = 'none';
    for (const { words } of run.journal) {
      const [word, a, b, c] = words;
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
        const want = suite.replay.results[i]!;
        if (i < before) expect(b).toBe('duplicate');
        else {
          expect({ step: i, status: b, tip: c }).toEqual({
            step: i,
            status: want.status,
            tip: suite.replay.expected[i + 1]!.tip,
          });
          done.add(i);
        }
      }
    }
    const last = begun[begun.length - 1];
    if (!run.journal.some((l) => l.words[0] === 'ready'))
      return { allowed: [before], where: 'start-up', step: undefined };
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
    const chainDir = join(suite.tmp.dir, 'fresh');
    const run = await runChild(suite.childJs, chainDir, suite.scriptPath, journal(), { identityOnly: true });
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
    expect(suite.replay.reorgs).toEqual(
      new Map([
        [REORG1, { disconnected: A_TOP - B_FORK, connected: A_TOP + 1 - B_FORK }],
        [REORG2, { disconnected: B_TOP - C_FORK, connected: B_TOP + 1 - C_FORK }],
      ]),
    );
    for (const [i, r] of suite.replay.results.entries()) {
      const side = (i >= B_FIRST && i < REORG1) || (i >= C_FIRST && i < REORG2) || (i >= D_FIRST && i < REORG3);
      if (i === REORG3) expect(r).toMatchObject({ status: 'invalid' });
      else expect(r).toMatchObject({ status: side ? 'stored' : 'connected' });
    }
    // Reorg 3 failed as a whole: the tip is still C's top, D from the bad block on is invalid.
    expect(suite.replay.expected[STEPS]!).toMatchObject({ tip: suite.replay.expected[D_FIRST]!.tip, height: C_TOP });
    expect(suite.replay.expected[STEPS]!.utxo).toBe(suite.replay.expected[D_FIRST]!.utxo);
  });

  test('killed at 20+ points, every reopened state is the old or the new one and resumes', async () => {
    const started = performance.now();
    const chainDir = join(suite.tmp.dir, 'chain');
    const r = rng(0xc0ffee);
    const between = (lo: number, hi: number) => lo + r.next() * (hi - lo);
    const stepMs = (s: number) => suite.replay.stepMs[s]!;
    const records: KillRecord[] = [];
    let committed = 0;

    const killAt = async (planned: Trigger): Promise<{ rec: KillRecord; run: ChildRun }> => {
      const before = committed;
      // An earlier kill that landed late may have passed the planned step: take the next one.
      const trigger = planned.on === 'spawn' || planned.step >= before ? planned : { ...planned, step: before };
      const run = await runChild(suite.childJs, chainDir, suite.scriptPath, journal(), { trigger });
      const { allowed, where, step } = allowedAfter(run, before);
      const after = await inspect(chainDir);
      if (!allowed.includes(after)) {
        throw new Error(
          `kill at ${JSON.stringify(trigger)}: reopened with ${after} steps stored, expected ${allowed.join(' or ')}; journal ends ${JSON.stringify(run.journal.slice(-4))}`,
        );
      }
      committed = after;
      const rec: KillRecord = {
        trigger:
          trigger.on === 'spawn'
            ? `spawn +${trigger.ms.toFixed(1)}ms`
            : `${trigger.on} ${trigger.step}${trigger.pause ? ' paused' : ''} +${trigger.ms.toFixed(2)}ms`,
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
        removeChain(chainDir);
        committed = 0;
      }
      const run = await runChild(suite.childJs, chainDir, suite.scriptPath, journal(), { stopBefore: steps });
      expect(run.killed).toBe(false);
      expect(run.journal[run.journal.length - 1]!.words).toEqual(['end']);
      committed = await inspect(chainDir);
      expect(committed).toBe(steps);
      const copy = join(suite.tmp.dir, `snapshot-${steps}`);
      copyChain(chainDir, copy);
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
        removeChain(chainDir);
        copyChain(copy, chainDir);
        committed = R;
      };
      restore();
      const recs: KillRecord[] = [];
      const first = await killAt({ on: 'batch-end', step: R, ms: 0, pause: true });
      recs.push(first.rec);
      const line = (word: string) => first.run.journal.find((l) => l.words[0] === word && Number(l.words[1]) === R);
      const pre = line('batch-start')!.at - line('begin')!.at;
      const write = line('batch-end')!.at - line('batch-start')!.at;
      if (VERBOSE)
        console.log(
          `step ${R} in the child: ${pre.toFixed(1)} ms to its batch, ${line('batch-start')!.words[2]} ops written in ${write.toFixed(1)} ms`,
        );
      const plan: Trigger[] = [
        { on: 'batch-start', step: R, ms: 0, pause: true },
        { on: 'begin', step: R, ms: 0, pause: true },
        ...Array.from({ length: spread }, (_, k) => ({
          on: 'begin' as const,
          step: R,
          ms: pre * ((k + r.next()) / spread),
          pause: true,
        })),
        ...Array.from({ length: spread }, (_, k) => ({
          on: 'batch-start' as const,
          step: R,
          ms: write * ((k + r.next()) / spread),
          pause: true,
        })),
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
    const paused = (on: 'begin' | 'batch-start' | 'batch-end' | 'done', step: number, ms: number): Trigger => ({
      on,
      step,
      ms,
      pause: true,
    });
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
    const last = await runChild(suite.childJs, chainDir, suite.scriptPath, journal());
    expect(last.journal[last.journal.length - 1]!.words).toEqual(['end']);
    expect(await inspect(chainDir)).toBe(STEPS);

    if (VERBOSE) {
      const rows = records.map(
        (x) =>
          `${x.trigger.padEnd(32)} ${x.where.padEnd(14)} ${(x.step === undefined ? '' : `${x.step} (${region(x.step)})`).padEnd(22)} ${x.before} -> ${x.after}`,
      );
      console.log(
        `${records.length} kills in ${((performance.now() - started) / 1000).toFixed(1)} s\n${rows.join('\n')}`,
      );
    }
    expect(records.length).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
