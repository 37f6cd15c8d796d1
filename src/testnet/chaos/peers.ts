/**
 * A chaos run's peers: real `powchain node` processes, started where the fabric puts them (inside
 * their namespace, or on 127.0.0.1), each with its own clock offset, killed with SIGKILL and
 * restarted on the same data directory. Their state is written to `<dir>/testnet.json` as the
 * ordinary testnet's is, so `powchain testnet status --dir <dir>` shows a chaos run as it goes.
 *
 * Every node is registered in the run's registry claim as it starts, and runs under
 * `setpriv --pdeathsig KILL` where setpriv exists: if this process dies, even by SIGKILL, the
 * kernel kills its nodes, and the next run's sweep finds nothing left but the records.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestnetError } from '../errors.js';
import { deathSignalPrefix, isRunning, logFile, POWCHAIN_BIN, rpcFor, waitForRpc } from '../processes.js';
import { saveState, type PeerState, type TestnetState } from '../state.js';
import type { Fabric } from './fabric.js';
import type { HistoryWriter, PeerEvent } from './history.js';

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;
const KILL_WAIT_MS = 10_000;

export type PeerRun = 'up' | 'down' | 'starting';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ChaosPeers {
  private readonly run: PeerRun[];
  private readonly skew: number[];

  constructor(
    readonly state: TestnetState,
    private readonly fabric: Fabric,
    private readonly history: HistoryWriter,
  ) {
    this.run = state.peers.map(() => 'down');
    this.skew = state.peers.map(() => 0);
  }

  get count(): number {
    return this.state.peers.length;
  }

  peer(i: number): PeerState {
    return this.state.peers[i]!;
  }

  isUp(i: number): boolean {
    return this.run[i] === 'up';
  }

  /** The command line of peer i's node. */
  nodeArgs(i: number): string[] {
    const p = this.peer(i);
    const a = this.fabric.peers[i]!;
    const args = [
      'node',
      '--network',
      this.state.network,
      '--datadir',
      p.datadir,
      '--bind',
      a.p2pBind,
      '--port',
      String(a.p2pPort),
      '--rpc-bind',
      a.rpcHost,
      '--rpc-port',
      String(a.rpcPort),
      '--log-format',
      'json',
      '--clock-offset',
      String(this.skew[i]!),
      '--miner-address',
      p.address!,
      '--threads',
      String(this.state.threads),
    ];
    if (p.miner) args.push('--mine');
    for (const d of a.dial) args.push('--peer', d);
    return args;
  }

  /** Start peer i with `skew` seconds on its clock; resolves once it answers RPC. */
  async start(i: number, skew = this.skew[i]!): Promise<void> {
    const p = this.peer(i);
    this.skew[i] = skew;
    this.run[i] = 'starting';
    mkdirSync(p.datadir, { recursive: true });
    const argv = [
      ...this.fabric.execPrefix(i),
      ...deathSignalPrefix(),
      process.execPath,
      POWCHAIN_BIN,
      ...this.nodeArgs(i),
    ];
    const fd = openSync(logFile(p), 'a');
    try {
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
      child.on('error', () => undefined);
      child.unref();
      if (!child.pid) throw new TestnetError(`peer ${i} could not be started (${argv[0]})`);
      p.pid = child.pid;
    } finally {
      closeSync(fd);
    }
    this.fabric.claim.addProcess(p.pid, p.datadir);
    saveState(this.state);
    this.history.write<PeerEvent>({ type: 'peer', peer: i, op: 'started', pid: p.pid, clockOffset: skew });
    if (!(await waitForRpc(p, START_TIMEOUT_MS))) {
      this.run[i] = 'down';
      throw new TestnetError(`peer ${i} did not start; see ${logFile(p)}${logTail(logFile(p))}`);
    }
    this.run[i] = 'up';
  }

  /** SIGKILL peer i and return once its process is gone. */
  async kill(i: number): Promise<void> {
    const p = this.peer(i);
    this.run[i] = 'down';
    if (p.pid && isRunning(p)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
      const end = Date.now() + KILL_WAIT_MS;
      while (isRunning(p) && Date.now() < end) await sleep(20);
      if (isRunning(p))
        throw new TestnetError(`peer ${i} (pid ${p.pid}) survived SIGKILL for ${KILL_WAIT_MS / 1000} s`);
    }
    this.forget(i, 'killed');
  }

  /** Stop peer i cleanly (RPC stop), with SIGKILL after a timeout. */
  async stop(i: number): Promise<void> {
    const p = this.peer(i);
    this.run[i] = 'down';
    if (!p.pid) return;
    if (!isRunning(p)) return this.forget(i, 'stopped');
    await rpcFor(p)
      ?.call('stop')
      .catch(() => undefined);
    const end = Date.now() + STOP_TIMEOUT_MS;
    while (isRunning(p) && Date.now() < end) await sleep(100);
    if (isRunning(p)) return this.kill(i);
    this.forget(i, 'stopped');
  }

  private forget(i: number, op: 'killed' | 'stopped'): void {
    const p = this.peer(i);
    if (p.pid) this.fabric.claim.dropProcess(p.pid);
    this.history.write<PeerEvent>({ type: 'peer', peer: i, op, ...(p.pid ? { pid: p.pid } : {}) });
    p.pid = undefined;
    saveState(this.state);
  }

  /** Stop every peer (in parallel); a peer that will not stop is killed. */
  async stopAll(): Promise<void> {
    await Promise.all(this.state.peers.map((_, i) => this.stop(i).catch(() => this.kill(i).catch(() => undefined))));
  }
}

export function peerDatadir(dir: string, i: number): string {
  return join(dir, `peer${i}`);
}

/** The last lines of a peer's log, so a failed start says why without opening the file. */
function logTail(file: string, lines = 5): string {
  if (!existsSync(file)) return '';
  const tail = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
  return tail.length > 0 && tail[0] !== '' ? `; its last lines:\n  ${tail.join('\n  ')}` : '';
}
