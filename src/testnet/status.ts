import Table from 'cli-table3';
import type { RawNumber } from '../rpc/json.js';
import { isRunning, rpcFor } from './processes.js';
import type { TestnetState } from './state.js';

export interface PeerStatus {
  peer: number;
  running: boolean;
  height: number | null;
  tip: string | null;
  peers: number | null;
  mempool: number | null;
  hashRate: number | null;
  miner: boolean;
  lastBlockAge: number | null;
  error?: string;
}

/** Ask every peer for its state over RPC; a peer that does not answer is reported, not fatal. */
export async function collectStatus(s: TestnetState, now = Math.floor(Date.now() / 1000)): Promise<PeerStatus[]> {
  return Promise.all(
    s.peers.map(async (p): Promise<PeerStatus> => {
      const base = { peer: p.index, running: isRunning(p), miner: p.miner };
      const rpc = rpcFor(p, 3_000);
      // A peer that does not answer: what it is doing instead stands in the error column.
      const unknown = (error: string): PeerStatus => ({
        ...base,
        height: null,
        tip: null,
        peers: null,
        mempool: null,
        hashRate: null,
        lastBlockAge: null,
        error,
      });
      if (!rpc || !base.running) return unknown(base.running ? 'starting' : 'stopped');
      try {
        const [info, peers, mempool, mining] = await Promise.all([
          rpc.call<{ blocks: number; bestblockhash: string; time: number }>('getblockchaininfo'),
          rpc.call<number>('getconnectioncount'),
          rpc.call<{ size: number }>('getmempoolinfo'),
          rpc.call<{ hashespersec: number | RawNumber }>('getmininginfo'),
        ]);
        return {
          ...base,
          height: info.blocks,
          tip: info.bestblockhash,
          peers,
          mempool: mempool.size,
          hashRate: Number(mining.hashespersec.toString()),
          lastBlockAge: Math.max(0, now - info.time),
        };
      } catch (err) {
        return unknown((err as Error).message);
      }
    }),
  );
}

function rate(h: number | null): string {
  if (h === null) return '-';
  if (h >= 1e6) return `${(h / 1e6).toFixed(2)} MH/s`;
  if (h >= 1e3) return `${(h / 1e3).toFixed(1)} kH/s`;
  return `${h.toFixed(0)} H/s`;
}

/** The status as a table for people. */
export function renderStatus(rows: PeerStatus[]): string {
  const t = new Table({
    head: ['peer', 'height', 'tip', 'peers', 'mempool', 'hash rate', 'last block', 'state'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    t.push([
      `${r.peer}${r.miner ? ' ⛏' : ''}`,
      r.height ?? '-',
      r.tip ? r.tip.slice(0, 12) : '-',
      r.peers ?? '-',
      r.mempool ?? '-',
      r.miner ? rate(r.hashRate) : '-',
      r.lastBlockAge === null ? '-' : `${r.lastBlockAge}s ago`,
      r.error ?? (r.running ? 'running' : 'stopped'),
    ]);
  }
  const tips = rows.map((r) => r.tip).filter((x) => x);
  const agree = tips.length === rows.length && new Set(tips).size === 1;
  const verdict = rows.every((r) => !r.running)
    ? 'no peer is running'
    : agree
      ? 'all peers agree on the tip'
      : 'peers have not converged yet';
  return `${t.toString()}\n${verdict}`;
}
