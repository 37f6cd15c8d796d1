/**
 * Machinery for the local-testnet scenario tests: `powchain testnet ...` run as a user runs it
 * (bin/powchain on the Node running jest, without jest's NODE_OPTIONS), against dist/, which is
 * rebuilt first when missing or older than src/ (under the same tmpdir lock as test/e2e and
 * test/wallet, so parallel workers build once).
 *
 * `Testnet.create` takes a run of free ports at a random base below Linux's ephemeral range, so
 * test files, parallel jest workers and concurrent checkouts on one machine do not pick the same
 * ports (a fixed block per file collided when two runs of the suite overlapped). `Testnet.close` always stops the peers (`testnet
 * down`), then SIGKILLs any pid still recorded in <dir>/testnet.json that is still that peer's
 * node, and removes the directory. `closeAll` (afterAll) does it for any testnet left open.
 * TRACE_TESTNET=1 prints how long each `powchain testnet` command took, on stderr.
 */
import type { PeerState } from '../../src/testnet/state.js';
import type { PeerStatus } from '../../src/testnet/status.js';
import { spawn } from 'node:child_process';
import { ensureBuilt } from '../helpers/dist.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../../src/rpc/client.js';
import { parseCoins, parseJsonExact, RawNumber } from '../../src/rpc/json.js';
import { loadState } from '../../src/testnet/state.js';
import { collectStatus } from '../../src/testnet/status.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'powchain');

/** Children run without jest's NODE_OPTIONS (--experimental-vm-modules), as a user's shell would. */
const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
};
delete ENV.NODE_OPTIONS;
delete ENV.POWCHAIN_PASSPHRASE;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- dist/ ------------------------------------------------------------------------------------

export { ensureBuilt };

// ---- the CLI ----------------------------------------------------------------------------------

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `powchain ARGS...` to completion (SIGKILL after `timeoutMs`); never rejects. */
export function runCli(args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = ENV): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr + (signal ? `\n(killed by ${signal} after ${timeoutMs} ms)` : '') });
    });
  });
}

/** Resolves true when nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Exact coins (RawNumber text, or a number) in base units. */
export function sats(v: unknown): bigint {
  return parseCoins(v instanceof RawNumber ? v.text : String(v));
}

// ---- a testnet --------------------------------------------------------------------------------

// The shapes of testnet.json and of `status --json` are the CLI's own.
export type PeerRecord = PeerState;
export type { PeerStatus };

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /**
   * Poll with the status code in this process (what `testnet status` runs) instead of spawning
   * the CLI each time: for the many short waits between steps.
   */
  inProcess?: boolean;
}

const open = new Set<Testnet>();
const PORTS_FROM = 10_000;
const PORTS_TO = 32_000;

/** One `powchain testnet` directory in tmpdir, driven through the CLI. */
export class Testnet {
  private closed = false;
  private constructor(
    readonly dir: string,
    readonly basePort: number,
    readonly network: 'testnet' | 'regtest',
  ) {
    open.add(this);
  }

  /**
   * A fresh directory and a base port with `maxNodes` peers' ports (two each) plus `extraPorts`
   * free on 127.0.0.1, drawn at random from [10000, 32000): below the ephemeral range (32768+),
   * where outgoing connections take their local ports.
   */
  static async create(
    label: string,
    maxNodes: number,
    network: 'testnet' | 'regtest',
    extraPorts = 0,
  ): Promise<Testnet> {
    const span = 2 * maxNodes + extraPorts;
    for (let attempt = 0; attempt < 50; attempt++) {
      const base = PORTS_FROM + 2 * Math.floor((Math.random() * (PORTS_TO - PORTS_FROM - span)) / 2);
      const ports = Array.from({ length: span }, (_, i) => base + i);
      if ((await Promise.all(ports.map(portFree))).every(Boolean)) {
        return new Testnet(mkdtempSync(join(tmpdir(), `powchain-testnet-${label}-`)), base, network);
      }
    }
    throw new Error(`no run of ${span} free ports found in 50 tries in ${PORTS_FROM}..${PORTS_TO} on 127.0.0.1`);
  }

  /** `powchain testnet <args> --dir <dir>`; throws with its output unless it exits 0. */
  async cli(args: string[], timeoutMs = 60_000): Promise<string> {
    const r = await this.run(args, timeoutMs);
    if (r.code !== 0) throw new Error(`powchain testnet ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  async run(args: string[], timeoutMs = 60_000): Promise<RunResult> {
    const t0 = Date.now();
    const r = await runCli(['testnet', ...args, '--dir', this.dir], timeoutMs);
    if (process.env.TRACE_TESTNET)
      process.stderr.write(`${new Date().toISOString()} ${Date.now() - t0} ms: testnet ${args.join(' ')}\n`);
    return r;
  }

  /** `testnet up --detach` with this testnet's network and ports. */
  up(nodes: number, miners: number, timeoutMs = 150_000): Promise<string> {
    return this.cli(
      [
        'up',
        '--detach',
        '--network',
        this.network,
        '--nodes',
        String(nodes),
        '--miners',
        String(miners),
        '--base-port',
        String(this.basePort),
      ],
      timeoutMs,
    );
  }

  async status(inProcess = false): Promise<PeerStatus[]> {
    if (inProcess) return collectStatus(loadState(this.dir)!);
    return JSON.parse(await this.cli(['status', '--json'], 30_000)) as PeerStatus[];
  }

  /** The peers as testnet.json records them now. */
  peers(): PeerRecord[] {
    const path = join(this.dir, 'testnet.json');
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { peers: PeerRecord[] }).peers : [];
  }

  peer(n: number): PeerRecord {
    const p = this.peers()[n];
    if (!p) throw new Error(`no peer ${n} in ${this.dir}`);
    return p;
  }

  /** An RPC client for peer n, with its cookie. */
  rpc(n: number, timeoutMs = 30_000): RpcClient {
    const p = this.peer(n);
    const auth = readFileSync(join(p.datadir, '.cookie'), 'utf8').trim();
    return new RpcClient({ url: `http://127.0.0.1:${p.rpcPort}/`, auth, timeoutMs });
  }

  /** `powchain wallet --json ARGS` on peer n's wallet, as the testnet runs it; parsed exactly. */
  async wallet<T = Record<string, unknown>>(n: number, args: string[]): Promise<T> {
    const p = this.peer(n);
    const env = { ...ENV, POWCHAIN_PASSPHRASE: 'powchain-local-testnet' };
    const all = [
      'wallet',
      '--network',
      this.network,
      '--wallet',
      p.walletFile,
      '--datadir',
      p.datadir,
      '--rpc-port',
      String(p.rpcPort),
      '--json',
      ...args,
    ];
    const r = await runCli(all, 60_000, env);
    if (r.code !== 0)
      throw new Error(`powchain wallet ${args.join(' ')} (peer ${n}) exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return parseJsonExact(r.stdout) as T;
  }

  /** Poll `testnet status --json` until `check` holds; returns the rows that satisfied it. */
  async waitStatus(what: string, check: (rows: PeerStatus[]) => boolean, o: WaitOptions): Promise<PeerStatus[]> {
    const deadline = Date.now() + o.timeoutMs;
    let rows: PeerStatus[] = [];
    for (;;) {
      rows = await this.status(o.inProcess);
      if (check(rows)) return rows;
      if (Date.now() > deadline) break;
      await sleep(o.intervalMs ?? (o.inProcess ? 100 : 500));
    }
    throw new Error(`timed out after ${o.timeoutMs} ms waiting for ${what}; last status:\n${JSON.stringify(rows)}`);
  }

  /** Every peer runs and reports the same tip (and, when given, at least `minHeight` and an empty mempool). */
  waitConverged(
    o: WaitOptions & { minHeight?: number; emptyMempool?: boolean; peers?: number[] },
  ): Promise<PeerStatus[]> {
    const what = `every peer on one tip${o.minHeight !== undefined ? ` at height >= ${o.minHeight}` : ''}${o.emptyMempool ? ' with empty mempools' : ''}`;
    return this.waitStatus(
      what,
      (rows) => converged(o.peers ? rows.filter((r) => o.peers!.includes(r.peer)) : rows, o),
      o,
    );
  }

  /** The last lines of every peer's log, for a failure message. */
  logTails(lines = 15): string {
    return this.peers()
      .map((p) => {
        const f = join(p.datadir, 'node.log');
        const tail = existsSync(f)
          ? readFileSync(f, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
          : '(no log)';
        return `--- peer ${p.index} (${f})\n${tail}`;
      })
      .join('\n');
  }

  /** Stop every peer (`testnet down`), SIGKILL what survives it, remove the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    open.delete(this);
    if (existsSync(join(this.dir, 'testnet.json'))) await runCli(['testnet', 'down', '--dir', this.dir], 45_000);
    const left = this.peers().filter((p) => ownNode(p));
    for (const p of left) process.kill(p.pid!, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (left.some((p) => ownNode(p)) && Date.now() < deadline) await sleep(100);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The pid recorded for the peer is alive (not a zombie) and runs that peer's node. */
function ownNode(p: PeerRecord): boolean {
  if (!p.pid) return false;
  try {
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    if ('ZX'.includes(stat.charAt(stat.lastIndexOf(')') + 2))) return false;
    return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0').includes(p.datadir);
  } catch {
    if (process.platform === 'linux') return false;
    try {
      process.kill(p.pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

export function converged(rows: PeerStatus[], o: { minHeight?: number; emptyMempool?: boolean } = {}): boolean {
  const tip = rows[0]?.tip;
  return (
    rows.length > 0 &&
    rows.every((r) => r.running && r.tip !== null && r.tip === tip) &&
    (o.minHeight === undefined || (rows[0]!.height ?? -1) >= o.minHeight) &&
    (!o.emptyMempool || rows.every((r) => r.mempool === 0))
  );
}

/** afterAll's safety net: close every testnet a test left open. */
export async function closeAll(): Promise<void> {
  await Promise.all([...open].map((t) => t.close()));
}

/**
 * Run `fn` on a new testnet and always close it; a failure carries the peers' log tails.
 */
export async function withTestnet(
  label: string,
  maxNodes: number,
  network: 'testnet' | 'regtest',
  fn: (t: Testnet) => Promise<void>,
): Promise<void> {
  const t = await Testnet.create(label, maxNodes, network);
  try {
    await fn(t);
  } catch (err) {
    if (err instanceof Error) err.message += `\n\npeer logs (last lines):\n${t.logTails()}`;
    throw err;
  } finally {
    await t.close();
  }
}

/** Coins of every block's coinbase and the txids each main-chain block confirmed, heights 1..tip. */
export async function walkChain(rpc: RpcClient): Promise<{
  height: number;
  blocks: { hash: string; coinbase: { address: string; value: bigint }[]; txids: string[] }[];
}> {
  const height = await rpc.call<number>('getblockcount');
  const blocks = [];
  for (let h = 1; h <= height; h++) {
    const hash = await rpc.call<string>('getblockhash', [h]);
    const b = await rpc.call<{ tx: { txid: string; vout: { value: unknown; address: string }[] }[] }>('getblock', [
      hash,
      2,
    ]);
    blocks.push({
      hash,
      coinbase: b.tx[0]!.vout.map((o) => ({ address: o.address, value: sats(o.value) })),
      txids: b.tx.slice(1).map((t) => t.txid),
    });
  }
  return { height, blocks };
}
