/**
 * The first half of the checker: one pass over a history, in time order, rebuilding what the
 * properties are judged on: the block tree and each peer's chain at every sample, the faults as
 * they were really applied and healed, the payments and what became of them on every peer
 * (including each time one was reorganised out of a peer's chain, and how deep it was then), the
 * reorganisations the nodes logged, hash rates, and the final state.
 */
import { BlockTree, PeerChains } from './chain-view.js';
import type { FinalEvent, History, MiningEvent, ReorgEvent, RunEvent, TipsEvent } from './history.js';
import type { Fault } from './schedule.js';

export interface PaymentRecord {
  id: number;
  from?: number;
  to?: number;
  amount?: string;
  submittedAt?: number;
  acceptedAt?: number;
  txid?: string;
  inputs: string[];
  error?: string;
}

/** A payment that left a peer's chain after being confirmed on it. */
export interface ReorgedOut {
  id: number;
  txid: string;
  peer: number;
  /** Confirmations it had on that peer just before (k). */
  depth: number;
  t: number;
}

export interface FaultWindow {
  id: number;
  fault: Fault;
  applied?: number;
  healed?: number;
  error?: string;
}

export interface Replay {
  run: RunEvent;
  tree: BlockTree;
  samples: TipsEvent[];
  faults: FaultWindow[];
  payments: Map<number, PaymentRecord>;
  reorgedOut: ReorgedOut[];
  reorgs: ReorgEvent[];
  mining: MiningEvent[];
  finals: (FinalEvent | undefined)[];
  phases: Map<string, number>;
  /** What the run's final heal had to mend. */
  healRepairs: number;
  /** Things wrong with the history itself (a tip naming a block it never recorded, ...). */
  problems: string[];
  end?: { t: number; error?: string };
}

export function replay(h: History): Replay {
  const run = h.run;
  const n = run.nodes;
  const tree = new BlockTree();
  const chains = new PeerChains(tree, n);
  const r: Replay = {
    run,
    tree,
    samples: [],
    faults: [],
    payments: new Map(),
    reorgedOut: [],
    reorgs: [],
    mining: [],
    finals: Array.from({ length: n }, () => undefined),
    phases: new Map(),
    healRepairs: 0,
    problems: [],
  };
  const windows = new Map<number, FaultWindow>();
  // Per accepted payment, per peer: depth at the last sample, the most it reached, and the height
  // of the block that held it (to place it against a logged reorganisation's fork).
  const follow = new Map<number, { depth: number[]; max: number[]; height: number[] }>();
  const reorgsSince: ReorgEvent[][] = Array.from({ length: n }, () => []);
  const peerOk = (p: number) => Number.isInteger(p) && p >= 0 && p < n;

  for (const e of h.events) {
    switch (e.type) {
      case 'block':
        if (!peerOk(e.peer)) r.problems.push(`block ${e.hash} seen on unknown peer ${e.peer}`);
        tree.add(e);
        break;
      case 'fault': {
        const w = windows.get(e.id) ?? { id: e.id, fault: e.fault };
        windows.set(e.id, w);
        if (e.op === 'apply') w.applied = e.t;
        else w.healed = e.t;
        if (e.error) w.error = `${e.op}: ${e.error}`;
        break;
      }
      case 'payment': {
        const p = r.payments.get(e.id) ?? { id: e.id, inputs: [] };
        r.payments.set(e.id, p);
        if (e.op === 'submitted') Object.assign(p, { from: e.from, to: e.to, amount: e.amount, submittedAt: e.t });
        else if (e.op === 'accepted') {
          Object.assign(p, { txid: e.txid, inputs: e.inputs, acceptedAt: e.t });
          const zeros = () => Array.from({ length: n }, () => 0);
          follow.set(e.id, { depth: zeros(), max: zeros(), height: zeros() });
        } else if (e.op === 'failed') p.error = e.error;
        break;
      }
      case 'reorg':
        if (!peerOk(e.peer)) {
          r.problems.push(`reorganisation on unknown peer ${e.peer}`);
          break;
        }
        r.reorgs.push(e);
        reorgsSince[e.peer]!.push(e);
        break;
      case 'mining':
        r.mining.push(e);
        break;
      case 'final':
        if (peerOk(e.peer)) r.finals[e.peer] = e;
        else r.problems.push(`final state of unknown peer ${e.peer}`);
        break;
      case 'phase':
        r.phases.set(e.phase, e.t);
        if (e.phase === 'heal') r.healRepairs = e.repairs ?? 0;
        break;
      case 'end':
        r.end = { t: e.t, ...(e.error ? { error: e.error } : {}) };
        break;
      case 'tips':
        if (e.tips.length !== n) {
          r.problems.push(`a tips sample at ${e.t} ms has ${e.tips.length} peers, not ${n}`);
          break;
        }
        r.samples.push(e);
        for (let p = 0; p < n; p++) {
          const tip = e.tips[p];
          if (!tip) continue;
          const [height, hash] = tip;
          if (height === 0) continue;
          try {
            chains.setTip(p, hash, height);
          } catch {
            r.problems.push(`peer ${p}'s tip ${hash} at ${e.t} ms: the history lacks a block of its chain`);
            continue;
          }
          for (const [id, f] of follow) {
            const txid = r.payments.get(id)!.txid!;
            const depth = chains.depth(p, txid);
            if (depth > 0) {
              f.max[p] = Math.max(f.max[p]!, depth);
              f.height[p] = chains.height(p) - depth + 1;
            } else if (f.depth[p]! > 0) {
              // Out of this peer's chain: its depth then was at least the most a sample saw, and
              // a logged reorganisation whose fork lies below its block says exactly how deep.
              let k = f.max[p]!;
              for (const g of reorgsSince[p]!)
                if (g.forkHeight < f.height[p]! && f.height[p]! <= g.forkHeight + g.disconnected)
                  k = Math.max(k, g.forkHeight + g.disconnected - f.height[p]! + 1);
              r.reorgedOut.push({ id, txid, peer: p, depth: k, t: e.t });
              f.max[p] = 0;
            }
            f.depth[p] = depth;
          }
          reorgsSince[p] = [];
        }
        break;
      case 'run':
      case 'log':
      case 'peer':
        break;
    }
  }
  r.faults = [...windows.values()].sort((a, b) => a.id - b.id);
  return r;
}

/** Peer p's chain at the final state (hashes by height), from peer 0's final tip when not given. */
export function finalChain(r: Replay): string[] | undefined {
  const tip = r.finals.find((f) => f?.tip)?.tip;
  return tip ? r.tree.chainTo(tip) : undefined;
}
