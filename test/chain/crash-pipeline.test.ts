/**
 * Crash safety of Chain.processBlocks (the pipelined extension, src/chain/extend.ts). The child
 * (test/chain/crash-child.ts with CRASH_BATCH=8) hands the script to processBlocks in fixed
 * groups of 8 and is SIGKILLed at chosen points: right before a group, before and inside its
 * first batch write (which also carries every block of the group: pendingOps), after the k-th
 * block's batch, at random delays inside a group, during start-up (while Chain.open connects
 * blocks an earlier kill left stored), and over a group holding a block with a bad signature.
 *
 * After every kill the database is reopened WITHOUT activation and must be
 *   - at the clean replay's tip after some k blocks, k consistent with the journal (the blocks
 *     whose batch-end was seen, plus possibly the one whose batch was in flight);
 *   - valid under verifyChain, with utxoSetHash and every derived record (heights, coins, undo,
 *     address index) equal to the replay's at k;
 *   - storing beyond the tip only the blocks of the group in flight (or of an earlier kill), all
 *     of it or none, each DataStored (or, from the bad block on, Invalid with the replay's code);
 * then a copy is activated (as Chain.open does) and must end at the last stored block, or the one
 * before the bad block, byte for byte the replay's state after the stored steps. The next child
 * resumes on the original (Chain.open connects what is stored) and the last one ends at the full
 * script's state: the bad block invalid, its descendants bad-prevblk, the tip its parent.
 */

import { join } from 'node:path';
import { Chain } from '../../src/chain/index.js';
import { BlockStatus } from '../../src/chain/layout.js';
import type { Block } from '../../src/consensus/block.js';
import { RejectCode } from '../../src/consensus/errors.js';
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

/** Steps 0..99: empty blocks, so the first coinbases mature. */
const PREFIX = 100;
/** Steps 100..135: blocks with signed spends (a matured coinbase and 3-6 earlier outputs each). */
const PAID = 36;
const STEPS = PREFIX + PAID;
/** processBlocks gets steps 0..7, 8..15, ...: the groups of steps 96.., 104.., ..., 128.. carry payments. */
const GROUP = 8;
/** Step 130 (height 131) has a bad signature: 128 and 129 connect, 130..135 end invalid. */
const BAD = 130;
const BAD_GROUP = BAD - (BAD % GROUP);

function buildScript(): Block[] {
  const b = new ScriptBuilder();
  const prefix = b.branch(b.genesis, PREFIX, 1, false);
  const paid = b.branch(prefix.states[PREFIX - 1]!, PAID, 0xbeef, true, BAD + 1);
  return [...prefix.blocks, ...paid.blocks];
}

const groupLast = (first: number) => Math.min(first + GROUP, STEPS) - 1;

/** The chain a directory holds: k blocks connected (the tip is step k - 1), s steps stored. */
interface DbState {
  k: number;
  s: number;
}

interface KillRecord {
  trigger: string;
  where: string;
  before: DbState;
  after: DbState;
}

/** Record spaces with the same meaning for a chain of k blocks however many more are stored. */
const withoutBlocks = (state: Record<string, string>) =>
  Object.fromEntries(Object.entries(state).filter(([space]) => space !== 'b' && space !== 'i'));

describe('crash safety: SIGKILL while processBlocks connects a pipelined run', () => {
  const suite = useCrashSuite('powchain-crash-pipeline', buildScript);
  const { now, pool, journal } = suite;
  let copies = 0;
  const env = { CRASH_BATCH: String(GROUP) };

  /**
   * Reopen without activation and check the state is a suite.replay's after k suite.blocks with only DataStored
   * (or, past the bad block, Invalid) suite.blocks beyond; then activate a copy and check it ends at the
   * suite.replay's state after every stored step. Returns what the directory holds.
   */
  async function inspect(chainDir: string): Promise<DbState> {
    let k: number;
    let s: number;
    const chain = await Chain.open({
      params: regtest,
      location: chainDir,
      verifier: pool,
      clock: () => now,
      activate: false,
    });
    try {
      const stored = suite.hashes.map((h) => chain.entry(hexToBytes(h)));
      s = stored.indexOf(undefined) < 0 ? STEPS : stored.indexOf(undefined);
      // Stored suite.blocks are a prefix of the script: a group's suite.blocks are all stored or none.
      expect(stored.slice(s).every((e) => e === undefined)).toBe(true);
      k = chain.height;
      expect(k).toBeLessThanOrEqual(Math.min(s, BAD));
      const exp = suite.replay.expected[k]!;
      expect(bytesToHex(chain.tip.hash)).toBe(exp.tip);
      expect(await chain.verifyChain(chain.height)).toEqual({ ok: true, checked: chain.height });
      expect(bytesToHex((await chain.utxoSetHash()).hash)).toBe(exp.utxo);
      // Heights, coins, undo, address index, tip record: byte for byte the suite.replay's after k steps.
      expect(withoutBlocks(await stateDigest(chain))).toEqual(withoutBlocks(exp.state));
      stored.slice(0, k).forEach((e, i) => expect({ i, status: e!.status }).toEqual({ i, status: BlockStatus.Valid }));
      stored.slice(k, s).forEach((e, j) => {
        const i = k + j;
        if (e!.status === BlockStatus.Invalid && i >= BAD)
          expect({ i, code: e!.invalidCode === RejectCode.PrevBlockInvalid }).toEqual({ i, code: i > BAD });
        else
          expect({ i, status: e!.status, code: e!.invalidCode }).toEqual({
            i,
            status: BlockStatus.DataStored,
            code: '',
          });
      });
      if (s === k) expect(await stateDigest(chain)).toEqual(exp.state);
    } finally {
      await chain.close();
    }
    // What start-up makes of it, on a copy: the child resumes on the original, unactivated.
    const copy = join(suite.tmp.dir, `activated-${copies++}`);
    copyChain(chainDir, copy);
    const active = await Chain.open({ params: regtest, location: copy, verifier: pool, clock: () => now });
    try {
      const top = Math.min(s, BAD);
      expect({ height: active.height, tip: bytesToHex(active.tip.hash) }).toEqual({
        height: top,
        tip: suite.replay.expected[top]!.tip,
      });
      expect(bytesToHex((await active.utxoSetHash()).hash)).toBe(suite.replay.expected[s]!.utxo);
      expect(await active.verifyChain(active.height)).toEqual({ ok: true, checked: active.height });
      // Statuses (bad block invalid, descendants bad-prevblk) and everything derived: the suite.replay's.
      expect(await stateDigest(active)).toEqual(suite.replay.expected[s]!.state);
    } finally {
      await active.close();
      removeChain(copy);
    }
    return { k, s };
  }

  /**
   * Check the child's journal against the suite.replay and work out what the kill may have left:
   * every block whose batch-end was seen is connected, plus possibly the one whose batch was in
   * flight; the steps stored are those before the run, or, once the group in flight has begun
   * writing, all of that group.
   */
  function allowedAfter(run: ChildRun, before: DbState): { k: number[]; s: number[]; where: string } {
    const ready = run.journal.find((l) => l.words[0] === 'ready');
    const top = Math.min(before.s, BAD);
    if (!ready) {
      // Killed in start-up: perhaps while Chain.open connected stored suite.blocks, one batch each.
      return {
        k: Array.from({ length: top - before.k + 1 }, (_, i) => before.k + i),
        s: [before.s],
        where: 'start-up',
      };
    }
    // Chain.open connected everything stored (up to the bad block, which it marked invalid).
    expect(Number(ready.words[2])).toBe(top);
    let k = top;
    let s = before.s;
    let inFlight: number | undefined;
    let group: { first: number; last: number; storedBefore: number; wrote: boolean; done: number } | undefined;
    let where = 'before the first group';
    for (const { words } of run.journal) {
      const [word, a, b, c] = words;
      if (word === 'begin-batch') {
        expect(Number(a)).toBe(group ? group.last + 1 : 0);
        group = { first: Number(a), last: Number(b), storedBefore: s, wrote: false, done: 0 };
        where = `group ${a}: before its first batch`;
      } else if (word === 'batch-start') {
        expect(group).toBeDefined();
        if (/^\d+$/.test(a!)) {
          // The next block, in order.
          expect(Number(a)).toBe(k);
          inFlight = k + 1;
        }
        where = `group ${group!.first}: in batch ${a}`;
      } else if (word === 'batch-end') {
        if (/^\d+$/.test(a!)) {
          k = Number(a) + 1;
          inFlight = undefined;
        }
        // The group's first batch carried all its suite.blocks.
        group!.wrote = true;
        s = Math.max(s, group!.last + 1);
        where = `group ${group!.first}: after batch ${a}`;
      } else if (word === 'done') {
        const i = Number(a);
        expect(group && i === group.first + group.done).toBe(true);
        group!.done++;
        // Stored before: a duplicate, or, from the bad block on (marked by start-up), known invalid.
        if (i < group!.storedBefore)
          expect({ i, status: b }).toEqual({ i, status: i >= BAD ? 'invalid' : 'duplicate' });
        else {
          const want = suite.replay.results[i]!;
          expect({ i, status: b }).toEqual({ i, status: want.status });
        }
        // The tip once the whole group is processed: every block up to the group's last connected.
        expect(k).toBeGreaterThanOrEqual(Math.min(group!.last + 1, BAD));
        expect({ i, tip: c }).toEqual({ i, tip: suite.replay.expected[k]!.tip });
        s = Math.max(s, group!.last + 1);
        where = `group ${group!.first}: done`;
      }
    }
    const ks = inFlight === undefined ? [k] : [k, inFlight];
    const open = group !== undefined && !group.wrote && group.done === 0;
    const ss = open ? [...new Set([s, Math.max(s, group!.last + 1)])] : [s];
    return { k: ks, s: ss, where };
  }

  test('the script is what the kills assume', () => {
    for (const [i, r] of suite.replay.results.entries()) {
      if (i < BAD) expect({ i, r }).toMatchObject({ i, r: { status: 'connected' } });
      else
        expect({ i, r }).toMatchObject({
          i,
          r: {
            status: 'invalid',
            code: i === BAD ? expect.not.stringMatching(/^bad-prevblk$/) : RejectCode.PrevBlockInvalid,
          },
        });
    }
    expect(suite.replay.expected[STEPS]!).toMatchObject({ tip: suite.replay.expected[BAD]!.tip, height: BAD });
    expect(BAD_GROUP + GROUP).toBe(STEPS);
  });

  test('killed at 12+ points of processBlocks groups, every reopened state is a suite.replay prefix and resumes', async () => {
    const started = performance.now();
    const chainDir = join(suite.tmp.dir, 'chain');
    const r = rng(0x9199e);
    const between = (lo: number, hi: number) => lo + r.next() * (hi - lo);
    const records: KillRecord[] = [];
    let state: DbState = { k: 0, s: 0 };
    let readyAt = 0;
    let misses = 0;

    // Calibration: a clean run of the whole script in groups, timing each group in the child.
    const clean = await runChild(suite.childJs, join(suite.tmp.dir, 'clean'), suite.scriptPath, journal(), { env });
    expect(clean.journal[clean.journal.length - 1]!.words).toEqual(['end']);
    allowedAfter(clean, { k: 0, s: 0 });
    readyAt = clean.journal.find((l) => l.words[0] === 'ready')!.at;
    const childGroupMs = new Map<number, number>();
    for (const [j, l] of clean.journal.entries()) {
      if (l.words[0] !== 'begin-batch') continue;
      const first = Number(l.words[1]);
      const lastDone = clean.journal
        .slice(j)
        .find((x) => x.words[0] === 'done' && Number(x.words[1]) === groupLast(first))!;
      childGroupMs.set(first, lastDone.at - l.at);
    }
    const groupMs = (first: number) => childGroupMs.get(first) ?? 0;
    const at = (word: string, step: number) =>
      clean.journal.find((l) => l.words[0] === word && Number(l.words[1]) === step)!.at;
    const badPipelineMs = at('done', groupLast(BAD_GROUP)) - at('batch-start', BAD_GROUP);
    /** Where Chain.open connects stored blocks: between `open` and `ready` of the last run that did. */
    let activation: { from: number; to: number } | undefined;

    const killAt = async (trigger: Trigger): Promise<KillRecord | undefined> => {
      const before = state;
      // A batch trigger on a block an earlier (late) kill already connected would never fire.
      if ((trigger.on === 'batch-start' || trigger.on === 'batch-end') && trigger.step < Math.min(before.s, BAD))
        return undefined;
      const run = await runChild(suite.childJs, chainDir, suite.scriptPath, journal(), { trigger, env });
      // A delay longer than the rest of the run (timings vary) lets it finish: checked, not counted.
      if (!run.killed && (trigger.ms === 0 || run.journal[run.journal.length - 1]?.words[0] !== 'end'))
        throw new Error(
          `kill at ${JSON.stringify(trigger)} never fired; journal ends ${JSON.stringify(run.journal.slice(-4))}`,
        );
      let allowed: ReturnType<typeof allowedAfter>;
      try {
        allowed = allowedAfter(run, before);
      } catch (err) {
        throw new Error(
          `kill at ${JSON.stringify(trigger)} from ${JSON.stringify(before)}: ${(err as Error).message}\njournal: ${run.journal.map((l) => l.words.join(' ')).join('\n')}`,
        );
      }
      const after = await inspect(chainDir);
      if (!allowed.k.includes(after.k) || !allowed.s.includes(after.s)) {
        throw new Error(
          `kill at ${JSON.stringify(trigger)} (${allowed.where}) from ${JSON.stringify(before)}: reopened with ${JSON.stringify(after)}, expected k in ${allowed.k.join('/')} and s in ${allowed.s.join('/')}; journal ends ${JSON.stringify(run.journal.slice(-5))}`,
        );
      }
      const open = run.journal.find((l) => l.words[0] === 'open');
      const ready = run.journal.find((l) => l.words[0] === 'ready');
      if (open && ready && before.s > before.k) activation = { from: open.at, to: ready.at };
      state = after;
      const rec: KillRecord = {
        trigger:
          trigger.on === 'spawn'
            ? `spawn +${trigger.ms.toFixed(1)}ms`
            : `${trigger.on} ${trigger.step}${trigger.pause ? ' paused' : ''} +${trigger.ms.toFixed(2)}ms`,
        where: allowed.where,
        before,
        after,
      };
      if (run.killed) records.push(rec);
      else misses++;
      return rec;
    };
    /**
     * Kill start-up, timed from the spawn, aiming at Chain.open connecting stored blocks: from a
     * copy, narrowing the delay (a kill after `ready` was too late, one leaving k unchanged too
     * early) until one leaves start-up partly or wholly done.
     */
    const startUpKills = async () => {
      const from = state;
      const copy = join(suite.tmp.dir, `startup-${copies++}`);
      copyChain(chainDir, copy);
      const w = activation ?? { from: readyAt * 0.8, to: readyAt * 1.2 };
      let lo = w.from * 0.5;
      let hi = w.to * 1.2;
      for (let attempt = 0; attempt < 8; attempt++) {
        const ms = lo + r.next() * (hi - lo);
        const rec = await killAt({ on: 'spawn', ms });
        if (rec!.where === 'start-up' && state.k > from.k) break;
        if (rec!.where === 'start-up') lo = ms;
        else hi = ms;
        removeChain(chainDir);
        copyChain(copy, chainDir);
        state = from;
      }
      removeChain(copy);
    };
    const paused = (on: 'begin-batch' | 'batch-start' | 'batch-end' | 'done', step: number, ms: number): Trigger => ({
      on,
      step,
      ms,
      pause: true,
    });

    // Right before the first group with payments: nothing of it stored.
    expect((await killAt(paused('begin-batch', 96, 0)))!.after).toEqual({ k: 96, s: 96 });
    // After the group's first batch: every block of it stored, only the first connected.
    expect((await killAt(paused('batch-end', 96, 0)))!.after).toEqual({ k: 97, s: 104 });
    // In start-up, while Chain.open connects 97..103: tried until one lands inside (or after) it.
    await startUpKills();
    // The next run starts where start-up leaves it: at the first step not stored, a group's first.
    // (The group with the bad block has its own kills below: the ones that would reach it are left out.)
    const next = () => state.s;
    const main = async (t: () => Trigger) => (state.s < BAD_GROUP ? killAt(t()) : undefined);
    await main(() => paused('batch-start', next(), 0));
    await main(() => paused('batch-start', next(), between(0, 2)));
    await main(() => paused('batch-end', next() + 2, 0));
    await main(() => paused('begin-batch', next(), between(0, groupMs(next()))));
    await main(() => paused('batch-start', next(), between(0, groupMs(next()))));
    await main(() => paused('batch-end', next() + 5, between(0, 1)));
    await main(() => paused('begin-batch', next(), between(0, groupMs(next()))));

    // The group with the bad block, each kill from the same copy of the state before it.
    const snapshot = join(suite.tmp.dir, 'snapshot');
    if (state.s > BAD_GROUP) {
      removeChain(chainDir);
      state = { k: 0, s: 0 };
    }
    const upTo = await runChild(suite.childJs, chainDir, suite.scriptPath, journal(), { stopBefore: BAD_GROUP, env });
    expect(upTo.journal[upTo.journal.length - 1]!.words).toEqual(['end']);
    state = await inspect(chainDir);
    expect(state).toEqual({ k: BAD_GROUP, s: BAD_GROUP });
    copyChain(chainDir, snapshot);
    const restore = () => {
      removeChain(chainDir);
      copyChain(snapshot, chainDir);
      state = { k: BAD_GROUP, s: BAD_GROUP };
    };
    const badPlan: Trigger[] = [
      paused('batch-start', BAD_GROUP, 0),
      paused('batch-start', BAD_GROUP, between(0, 2)),
      paused('batch-end', BAD_GROUP + 1, 0),
      paused('begin-batch', BAD_GROUP, between(0, groupMs(BAD_GROUP))),
      // Spread over the pipeline: from the group's first batch to its last answer.
      ...Array.from({ length: 3 }, (_, i) => paused('batch-start', BAD_GROUP, badPipelineMs * ((i + r.next()) / 3))),
      paused('done', BAD_GROUP, 0),
    ];
    for (const t of badPlan) {
      restore();
      await killAt(t);
    }
    // From the last restored kill point: a kill in start-up, while Chain.open connects and fails.
    restore();
    const afterFirst = await killAt(paused('batch-end', BAD_GROUP, 0));
    expect(afterFirst!.after).toEqual({ k: BAD_GROUP + 1, s: STEPS });
    await startUpKills();

    // Resume to the end without a kill.
    const last = await runChild(suite.childJs, chainDir, suite.scriptPath, journal(), { env });
    expect(last.journal[last.journal.length - 1]!.words).toEqual(['end']);
    allowedAfter(last, state);
    expect(await inspect(chainDir)).toEqual({ k: BAD, s: STEPS });
    const chain = await Chain.open({
      params: regtest,
      location: chainDir,
      verifier: pool,
      clock: () => now,
      activate: false,
    });
    try {
      expect(await stateDigest(chain)).toEqual(suite.replay.expected[STEPS]!.state);
      expect(chain.entry(hexToBytes(suite.hashes[BAD]!))).toMatchObject({ status: BlockStatus.Invalid });
      for (let i = BAD + 1; i < STEPS; i++)
        expect(chain.entry(hexToBytes(suite.hashes[i]!))).toMatchObject({
          status: BlockStatus.Invalid,
          invalidCode: RejectCode.PrevBlockInvalid,
        });
    } finally {
      await chain.close();
    }

    if (VERBOSE) {
      const rows = records.map(
        (x) =>
          `${x.trigger.padEnd(34)} ${x.where.padEnd(30)} k ${x.before.k}->${x.after.k}  s ${x.before.s}->${x.after.s}`,
      );
      console.log(
        `group ms in the child: ${[...childGroupMs]
          .filter(([f]) => f >= 96)
          .map(([f, ms]) => `${f}: ${ms.toFixed(1)}`)
          .join(', ')}; ${misses} delayed kills missed`,
      );
      console.log(
        `${records.length} kills in ${((performance.now() - started) / 1000).toFixed(1)} s\n${rows.join('\n')}`,
      );
    }
    expect(records.length).toBeGreaterThanOrEqual(12);
    // The kills landed in the different places they aim at.
    expect(records.some((x) => x.after.s > x.after.k && x.after.k < BAD)).toBe(true);
    expect(records.some((x) => x.where === 'start-up')).toBe(true);
  }, 240_000);
});
