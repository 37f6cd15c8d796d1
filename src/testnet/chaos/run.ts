/**
 * One chaos run, start to finish, every step written to the history:
 *
 *  1. setup: wallets, the network (fabric.ts), the peers (peers.ts) on a fresh testnet chain;
 *  2. warm-up: the miners mine until their first coinbases can be spent;
 *  3. faults: the schedule (schedule.ts) is played while the workload (workload.ts) pays; each
 *     fault is applied and healed at its times, in lanes (one chain of actions per partition
 *     lane, per link, per peer) so a slow restart never delays another lane;
 *  4. heal: anything still faulty is mended (every peer up, on its true clock, no drops, no
 *     shaping), and the payments stop;
 *  5. convergence: until every peer reports the same tip (bounded: `convergeWithin`);
 *  6. settle: the miners go on until the mempools are empty (bounded), then stop, and the peers
 *     agree on one final tip;
 *  7. final: each peer's tip, UTXO set hash and total, `verifychain` of every block, mempool.
 * Whatever happens (an error, Ctrl-C), the peers are stopped and the network taken down.
 *
 * Clocks: every peer runs on the real time, shifted only by its own skew during a clock fault
 * (`--clock-offset`). ASERT anchors on the chain's own block 1, so difficulty follows the block
 * times (and the skewed clocks) on any date.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { networks } from '../../consensus/params/networks.js';
import { TestnetError } from '../errors.js';
import { ensureWallet, rpcFor } from '../processes.js';
import { RunRegistry } from '../registry.js';
import type { PeerState, TestnetState } from '../state.js';
import { LoopbackFabric, NetnsFabric, type Fabric } from './fabric.js';
import {
  HISTORY_VERSION,
  HistoryWriter,
  onOneTip,
  type EndEvent,
  type FaultEvent,
  type PhaseEvent,
  type RunEvent,
  type TipsEvent,
} from './history.js';
import { Observer } from './observer.js';
import { ChaosPeers, peerDatadir } from './peers.js';
import { act, dashboardLog, finalOf, laneOf, sleep, waitFor } from './run-steps.js';
import { describeFault, makeSchedule, type FaultName, type PartitionFault } from './schedule.js';
import { Workload } from './workload.js';

export interface ChaosOptions {
  nodes: number;
  miners: number;
  /** Seconds of faults. */
  duration: number;
  seed: number;
  faults: FaultName[];
  mode: 'netns' | 'loopback';
  dir: string;
  historyPath: string;
  /** Seconds between payments. */
  payEvery: number;
  /** Seconds within which the peers must agree after the last heal. */
  convergeWithin: number;
  registryDir?: string;
}

const NETWORK = 'testnet' as const;
const WARMUP_LIMIT_S = 300;
const SETTLE_LIMIT_S = 60;
const AGREE_LIMIT_S = 60;

/** Run the whole experiment; the history is at `o.historyPath` afterwards, whatever happened. */
export async function runChaos(o: ChaosOptions, say: (line: string) => void, signal: AbortSignal): Promise<void> {
  mkdirSync(o.dir, { recursive: true });
  const schedule = makeSchedule(o);
  const state: TestnetState = {
    network: NETWORK,
    dir: o.dir,
    basePort: 0,
    threads: 1,
    passphrase: 'powchain-local-testnet',
    peers: Array.from({ length: o.nodes }, (_, index): PeerState => ({
      index,
      datadir: peerDatadir(o.dir, index),
      p2pPort: 0,
      rpcPort: 0,
      miner: index < o.miners,
      connectTo: [],
      walletFile: join(peerDatadir(o.dir, index), 'wallet.json'),
    })),
  };
  // Wallets first: the run event names every peer's address.
  for (let i = 0; i < state.peers.length; i += 3)
    await Promise.all(state.peers.slice(i, i + 3).map((p) => ensureWallet(state, p)));
  const history = new HistoryWriter(o.historyPath);
  const startWall = Date.now();
  const stamp = () => `[${(history.now() / 1000).toFixed(1).padStart(6)}s]`;
  const note = (line: string) => say(`${stamp()} ${line}`);
  const phase = (p: PhaseEvent['phase'], text?: string) => {
    history.write<PhaseEvent>({ type: 'phase', phase: p, ...(text ? { note: text } : {}) });
    if (text) note(text);
  };
  let fabric: Fabric | undefined;
  let peers: ChaosPeers | undefined;
  let observer: Observer | undefined;
  let workload: Workload | undefined;
  let failure: string | undefined;
  // Ends the schedule's lanes when the run stops early (an error, Ctrl-C): no fault may be
  // applied to a network being taken down.
  const stopLanes = new AbortController();
  const laneSignal = AbortSignal.any([signal, stopLanes.signal]);
  const lanes = new Map<string, Promise<void>>();
  try {
    history.write<RunEvent>({
      type: 'run',
      t: 0,
      version: HISTORY_VERSION,
      startedAt: new Date(startWall).toISOString(),
      seed: o.seed,
      nodes: o.nodes,
      miners: o.miners,
      mode: o.mode,
      network: NETWORK,
      duration: o.duration,
      faults: o.faults,
      schedule,
      convergeWithin: o.convergeWithin,
      addresses: state.peers.map((p) => p.address!),
    });
    phase('setup', `wallets ready; ${schedule.length} faults scheduled over ${o.duration} s`);
    const registry = new RunRegistry(o.registryDir);
    fabric =
      o.mode === 'netns'
        ? await NetnsFabric.create(o.nodes, o.seed, registry, o.dir)
        : await LoopbackFabric.create(o.nodes, o.seed, registry);
    note(fabric.describe());
    for (const [i, p] of state.peers.entries()) {
      const a = fabric.peers[i]!;
      Object.assign(p, { host: a.rpcHost, rpcPort: a.rpcPort, p2pPort: a.p2pPort });
    }
    peers = new ChaosPeers(state, fabric, history);
    const ps = peers;
    await Promise.all(state.peers.map((_, i) => ps.start(i, 0)));
    note(`${o.nodes} peers up (${o.miners} mining); 'powchain testnet status --dir ${o.dir}' shows them`);
    observer = new Observer(
      peers,
      history,
      state.peers.map((p) => p.address!),
      startWall,
    );
    observer.start();

    // 2. warm-up: until every miner has a coinbase it can spend, so both sides of a partition can pay
    const maturity = networks[NETWORK].coinbaseMaturity;
    const obs = observer;
    const canSpend = (miner: number) => {
      for (let h = 1; h <= obs.chains.height(0) - maturity; h++)
        if (obs.tree.get(obs.chains.hashAt(0, h) ?? '')?.miner === miner) return true;
      return false;
    };
    history.write<PhaseEvent>({ type: 'phase', phase: 'warmup' });
    note(`warm-up: mining until every miner has a coinbase ${maturity} blocks deep, which it can spend`);
    await waitFor(
      observer,
      (s) => s.tips.every((x) => x !== null && x[0] > maturity) && state.peers.every((p, i) => !p.miner || canSpend(i)),
      WARMUP_LIMIT_S,
      signal,
      () => {
        throw new TestnetError(`warm-up: the miners did not all have a spendable coinbase after ${WARMUP_LIMIT_S} s`);
      },
    );

    // 3. faults
    phase('faults', `faults for ${o.duration} s, payments every ${o.payEvery} s`);
    let partition: PartitionFault | undefined;
    workload = new Workload(peers, history, observer, o.seed, o.payEvery * 1000, () => partition);
    workload.start();
    const t0 = history.now();
    let lastHealAt = t0;
    const actions = schedule.flatMap((f) => [
      { at: f.start, op: 'apply' as const, f },
      { at: f.end, op: 'heal' as const, f },
    ]);
    for (const a of actions) {
      const key = laneOf(a.f);
      const prev = lanes.get(key) ?? Promise.resolve();
      lanes.set(
        key,
        prev
          .then(() => sleep(t0 + a.at * 1000 - history.now(), laneSignal))
          .then(async () => {
            const error = await act(a.op, a.f, ps, fabric!, (p) => (partition = p)).catch((e: Error) => e.message);
            if (a.op === 'heal') lastHealAt = Math.max(lastHealAt, history.now());
            history.write<FaultEvent>({
              type: 'fault',
              op: a.op,
              id: a.f.id,
              fault: a.f.fault,
              ...(error ? { error } : {}),
            });
            dashboardLog(o.dir, a.op, a.f);
            note(
              `${a.op === 'apply' ? '+' : '-'} #${a.f.id} ${describeFault(a.f.fault)}${error ? ` (failed: ${error})` : ''}`,
            );
          }),
      );
    }
    await Promise.all([...lanes.values(), sleep(t0 + o.duration * 1000 - history.now(), signal)]);
    await workload.stop();

    // 4. heal whatever is left (only faults whose own heal failed)
    partition = undefined;
    await fabric.setPartition(undefined);
    for (const f of schedule)
      if (f.fault.kind === 'link')
        await fabric.shapeLink(f.fault.link, { latencyMs: 0, jitterMs: 0, bandwidth: 0, stalled: false });
    const down = state.peers.filter((_, i) => !ps.isUp(i)).map((p) => p.index);
    await Promise.all(down.map((i) => ps.start(i, 0)));
    history.write<PhaseEvent>({
      type: 'phase',
      phase: 'heal',
      repairs: down.length,
      note: `every fault healed; ${workload.accepted} payments accepted, ${workload.failed} refused`,
    });
    note(
      `every fault healed${down.length ? ` (restarted peer${down.length > 1 ? 's' : ''} ${down.join(', ')})` : ''}; ` +
        `${workload.accepted} payments accepted, ${workload.failed} refused`,
    );
    // 5. convergence, timed from the last heal (a fault's own, or the repairs just made)
    const healedAt = down.length > 0 ? history.now() : lastHealAt;
    const converged =
      observer.samples.find((s) => s.t >= healedAt && onOneTip(s)) ??
      (await waitFor(
        observer,
        (s) => s.t >= healedAt && onOneTip(s),
        Math.max(1, o.convergeWithin - (history.now() - healedAt) / 1000),
        signal,
        () => undefined,
      ));
    if (converged)
      phase(
        'converged',
        `converged: every peer on ${converged.tips[0]![1].slice(0, 16)}… at height ${converged.tips[0]![0]}, ${((converged.t - healedAt) / 1000).toFixed(1)} s after the last heal`,
      );
    else phase('converged', `NOT converged ${o.convergeWithin} s after the last heal`);

    // 6. settle
    history.write<PhaseEvent>({ type: 'phase', phase: 'settle' });
    await waitFor(
      observer,
      (s) => s.mempool.every((m) => m === 0),
      SETTLE_LIMIT_S,
      signal,
      () => undefined,
    );
    for (const [i, p] of state.peers.entries())
      if (p.miner)
        await rpcFor(p)
          ?.call('setgenerate', [false])
          .catch(() => note(`peer ${i}: setgenerate false failed`));
    let previous: TipsEvent | undefined;
    const settled = await waitFor(
      observer,
      (s) => {
        const same =
          onOneTip(s) && previous !== undefined && onOneTip(previous) && previous.tips[0]![1] === s.tips[0]![1];
        previous = s;
        return same;
      },
      AGREE_LIMIT_S,
      signal,
      () => undefined,
    );
    note(
      settled
        ? `settled: miners stopped, every peer on height ${settled.tips[0]![0]}, mempools ${settled.mempool.join('/')}`
        : 'the peers did not settle on one tip after the miners stopped',
    );

    // 7. final state
    await observer.stop();
    history.write<PhaseEvent>({ type: 'phase', phase: 'final' });
    await Promise.all(state.peers.map((p, i) => finalOf(p, i, history)));
    note('final state taken: UTXO set hashes and totals, verifychain of every block, mempools');
  } catch (err) {
    failure = (err as Error).message;
    throw err;
  } finally {
    stopLanes.abort();
    await Promise.allSettled(lanes.values());
    await workload?.stop().catch(() => undefined);
    await observer?.stop().catch(() => undefined);
    await peers?.stopAll().catch(() => undefined);
    await fabric?.close().catch((e: Error) => say(`cleanup: ${e.message}`));
    history.write<EndEvent>({ type: 'end', ...(failure !== undefined ? { error: failure } : {}) });
    history.close();
  }
}
