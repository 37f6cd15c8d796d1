/**
 * The steps a chaos run (run.ts) is made of: waiting without keeping the process alive, applying
 * and healing one fault, waiting for a sample that passes a test, and reading a peer's final
 * state into the history.
 */
import { parseCoins, type RawNumber } from '../../rpc/json.js';
import { appendFault } from '../fault-events.js';
import { rpcFor } from '../processes.js';
import type { PeerState } from '../state.js';
import type { Fabric } from './fabric.js';
import type { FinalEvent, HistoryWriter, TipsEvent } from './history.js';
import type { Observer } from './observer.js';
import type { ChaosPeers } from './peers.js';
import { describeFault, type PartitionFault, type ScheduledFault } from './schedule.js';

const VERIFY_TIMEOUT_MS = 600_000;

export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Interrupted('interrupted'));
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Interrupted('interrupted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function laneOf(f: ScheduledFault): string {
  const x = f.fault;
  return x.kind === 'partition' ? 'partition' : x.kind === 'link' ? `link ${x.link.join('>')}` : `peer ${x.peer}`;
}

/**
 * The same fault, applied or healed, in the testnet's fault log (`faults.jsonl`, the format
 * `powchain testnet partition` writes): `powchain testnet dashboard --dir <dir>` draws it on its
 * timeline while the run goes on.
 */
export function dashboardLog(dir: string, op: 'apply' | 'heal', f: ScheduledFault): void {
  const id = `chaos-${f.id}`;
  const x = f.fault;
  if (op === 'heal') return appendFault(dir, { t: Date.now(), type: 'heal', id });
  appendFault(dir, {
    t: Date.now(),
    type: 'fault',
    id,
    fault: x.kind,
    ...(x.kind === 'partition' ? { sides: x.sides } : { peers: x.kind === 'link' ? [...x.link] : [x.peer] }),
    detail: describeFault(x),
  });
}

/** Apply or heal one fault. */
export async function act(
  op: 'apply' | 'heal',
  f: ScheduledFault,
  peers: ChaosPeers,
  fabric: Fabric,
  setPartition: (p: PartitionFault | undefined) => void,
): Promise<void> {
  const x = f.fault;
  switch (x.kind) {
    case 'partition':
      await fabric.setPartition(op === 'apply' ? x : undefined);
      setPartition(op === 'apply' ? x : undefined);
      return;
    case 'link':
      await fabric.shapeLink(
        x.link,
        op === 'apply'
          ? { latencyMs: x.latencyMs, jitterMs: x.jitterMs, bandwidth: x.bandwidth, stalled: x.stalled }
          : { latencyMs: 0, jitterMs: 0, bandwidth: 0, stalled: false },
      );
      return;
    case 'clock':
      await peers.stop(x.peer);
      await peers.start(x.peer, op === 'apply' ? x.offset : 0);
      return;
    case 'crash':
      if (op === 'apply') await peers.kill(x.peer);
      else await peers.start(x.peer, 0);
      return;
  }
}

/** Resolve with the first sample that passes `ok`, or `onTimeout()`'s value after `limitS` seconds. */
export async function waitFor<T>(
  observer: Observer,
  ok: (s: TipsEvent) => boolean,
  limitS: number,
  signal: AbortSignal,
  onTimeout: () => T,
): Promise<TipsEvent | T> {
  const end = Date.now() + limitS * 1000;
  while (Date.now() < end) {
    if (signal.aborted) throw new Interrupted('interrupted');
    // The deadline's timer is cleared as soon as a sample comes: a pending one would keep the
    // process alive long after the run.
    const deadline = new AbortController();
    const s = await Promise.race([
      observer.nextSample(),
      sleep(Math.max(0, end - Date.now()), AbortSignal.any([signal, deadline.signal])).catch((err: Error) => {
        if (signal.aborted) throw err;
      }),
    ]);
    deadline.abort();
    if (s && ok(s)) return s;
  }
  return onTimeout();
}

export async function finalOf(p: PeerState, i: number, history: HistoryWriter): Promise<void> {
  const rpc = rpcFor(p, VERIFY_TIMEOUT_MS);
  const ask = async <T>(method: string, params: unknown[] = []): Promise<T | undefined> =>
    rpc ? rpc.call<T>(method, params).catch(() => undefined) : undefined;
  const info = await ask<{ blocks: number; bestblockhash: string }>('getblockchaininfo');
  const utxo = await ask<{ hash_serialized: string; total_amount: unknown; txouts: number }>('gettxoutsetinfo');
  let verify: boolean | string;
  try {
    verify = rpc ? await rpc.call<boolean>('verifychain', [4, 0]) : 'not running';
  } catch (err) {
    verify = (err as Error).message;
  }
  const mempool = (await ask<string[]>('getrawmempool')) ?? [];
  history.write<FinalEvent>({
    type: 'final',
    peer: i,
    tip: info?.bestblockhash ?? null,
    height: info?.blocks ?? null,
    utxo: utxo
      ? {
          hash: utxo.hash_serialized,
          total: parseCoins(utxo.total_amount as RawNumber | number).toString(),
          txouts: utxo.txouts,
        }
      : null,
    verifychain: verify,
    mempool,
  });
}
