/**
 * The flood benchmark's attacker in a process of its own (started by flood.ts with fork), so
 * forging and sending thousands of messages never stalls the process that times the node's RPC.
 * Driven over IPC: prepare a flood, run it, report.
 */
import { getNetwork } from '../../index.js';
import type { ForgedBlock } from './forge.js';
import { connectionFlood, orphanFlood, oversizedGossip, prepareOrphans, txSpam, type FloodReport } from './floods.js';
import type { HostileOptions } from './peer.js';

export type FloodKind = 'orphans' | 'txs' | 'oversized' | 'connections';

export type ToAttacker =
  | { type: 'prepare'; orphans: number; orphanBytes: number }
  | { type: 'flood'; kind: FloodKind; addr: string; count: number; sizes?: number[] }
  | { type: 'release' }
  | { type: 'stop' };

export type FromAttacker =
  | { type: 'prepared'; ms: number }
  | { type: 'flooded'; report: FloodReport }
  | { type: 'released' }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

const opts: HostileOptions = { params: getNetwork('regtest') };
let orphans: ForgedBlock[] = [];
let release: (() => Promise<void>) | undefined;

const send = (m: FromAttacker): void => {
  process.send?.(m);
};

async function flood(m: Extract<ToAttacker, { type: 'flood' }>): Promise<FloodReport> {
  switch (m.kind) {
    case 'orphans':
      return orphanFlood(m.addr, opts, orphans.slice(0, m.count));
    case 'txs':
      return txSpam(m.addr, opts, m.count);
    case 'oversized':
      return oversizedGossip(m.addr, opts, m.sizes ?? []);
    case 'connections': {
      const held = await connectionFlood(m.addr, opts, m.count);
      release = held.release;
      return held.report;
    }
  }
}

async function handle(m: ToAttacker): Promise<void> {
  switch (m.type) {
    case 'prepare': {
      const start = performance.now();
      orphans = prepareOrphans(opts.params, m.orphans, m.orphanBytes);
      send({ type: 'prepared', ms: performance.now() - start });
      return;
    }
    case 'flood':
      send({ type: 'flooded', report: await flood(m) });
      return;
    case 'release':
      await release?.();
      release = undefined;
      send({ type: 'released' });
      return;
    case 'stop':
      await release?.();
      send({ type: 'stopped' });
      process.disconnect?.();
      return;
  }
}

process.on('message', (m: ToAttacker) => {
  handle(m).catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
process.on('disconnect', () => process.exit(0));
