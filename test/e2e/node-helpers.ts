/**
 * Shared machinery for the end-to-end node tests: real `bin/powchain` child processes, run on
 * the Node running jest, as a user would start them. Every child is tracked and SIGKILLed by
 * `cleanupAll` (call it in afterAll) in case a test's own finally did not get to it; every temp
 * data directory is removed the same way. Ports: p2p listens on port 0, RPC on a port found free
 * just before the start (a bound-then-closed net.Server), and a start that loses that race to
 * another process is retried on a new port.
 *
 * The tests run dist/ (bin/powchain imports dist/cli/main.js): `ensureBuilt` rebuilds it when it
 * is missing or older than a file in src/, under a lock so parallel jest workers build once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ensureBuilt } from '../helpers/dist.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { RpcClient } from '../../src/rpc/client.js';
import { RawNumber } from '../../src/rpc/json.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { regtest } from '../helpers/mine.js';
import { signSpend } from '../helpers/tx.js';
import { COIN } from '../../src/consensus/amounts.js';
import type { Transaction } from '../../src/consensus/tx.js';
import { hexToHash } from '../../src/encoding/hex.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'powchain');

/** Children run without jest's NODE_OPTIONS (--experimental-vm-modules), as a user's shell would. */
export const ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
};
delete ENV.NODE_OPTIONS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- dist/ ------------------------------------------------------------------------------------

export { ensureBuilt };

// ---- temp dirs, ports, keys -------------------------------------------------------------------

const tempDirs = new Set<string>();
const children = new Set<ChildProcess>();

export function tempDir(label = 'node'): string {
  const d = mkdtempSync(join(tmpdir(), `powchain-e2e-${label}-`));
  tempDirs.add(d);
  return d;
}

export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

/** A TCP port nobody listens on right now (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A deterministic regtest key and its address (test/helpers/keys: sha256(label) as the key). */
export function regtestKey(label: string): TestKey & { address: string } {
  const key = testKey(label);
  return { ...key, address: addressFromPublicKey(regtest.addressHrp, key.pub) };
}

/** JSON numbers with decimals come back from RpcClient as RawNumber: their exact text. */
export function text(v: unknown): string {
  return v instanceof RawNumber ? v.text : String(v);
}

/**
 * A signed transaction spending output 0 of the coinbase of `blockHash` (a block mined by
 * generatetoaddress to `key`, so 50 coins at regtest's first heights) to `outputs`.
 */
export async function coinbaseSpend(
  node: NodeProcess,
  blockHash: string,
  key: TestKey,
  outputs: { value: bigint; pubKeyHash: Uint8Array }[],
): Promise<Transaction> {
  const coinbase = (await node.call<{ tx: string[] }>('getblock', blockHash, 1)).tx[0]!;
  return signSpend({
    inputs: [
      {
        outpoint: { txid: hexToHash(coinbase), index: 0 },
        coin: { value: 50n * COIN, pubKeyHash: key.pkh, height: 1, coinbase: true },
        key,
      },
    ],
    outputs,
    genesisHash: regtest.genesisHash,
  });
}

// ---- the CLI ----------------------------------------------------------------------------------

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `powchain ARGS...` to completion (SIGKILL after `timeoutMs`); never rejects. */
export function runCli(args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// ---- nodes ------------------------------------------------------------------------------------

export interface StartOptions {
  datadir?: string;
  /** Extra `powchain node` flags. */
  args?: string[];
  /** How long to wait for the RPC server to answer. */
  timeoutMs?: number;
  /** `user:password` when the node runs with --rpc-user/--rpc-password (default: its cookie). */
  waitWith?: string;
  /** Environment variables to set (or, as undefined, remove) for this node only. */
  env?: NodeJS.ProcessEnv;
}

const MAX_LOG = 256 * 1024;

/** A running `powchain node` child. */
export class NodeProcess {
  private log = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly datadir: string,
    readonly rpcPort: number,
    private readonly auth?: string,
  ) {
    children.add(child);
    const keep = (d: string) => {
      this.log += d;
      if (this.log.length > MAX_LOG) this.log = this.log.slice(-MAX_LOG / 2);
    };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        children.delete(child);
        resolve({ code, signal });
      }),
    );
  }

  /**
   * Start a regtest node (a temp datadir unless given; p2p on port 0; RPC on a free port) and
   * wait until its RPC answers. A start that fails because the RPC port was taken meanwhile is
   * retried on another port; any other failure throws with the node's output.
   */
  static async start(o: StartOptions = {}): Promise<NodeProcess> {
    const datadir = o.datadir ?? tempDir();
    for (let attempt = 0; ; attempt++) {
      const rpcPort = await freePort();
      const args = [
        BIN,
        'node',
        '--network',
        'regtest',
        '--datadir',
        datadir,
        '--port',
        '0',
        '--rpc-port',
        String(rpcPort),
        '--log-format',
        'json',
        ...(o.args ?? []),
      ];
      const node = new NodeProcess(
        spawn(process.execPath, args, { cwd: ROOT, env: { ...ENV, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] }),
        datadir,
        rpcPort,
        o.waitWith,
      );
      try {
        await node.waitReady(o.timeoutMs ?? 60_000);
        return node;
      } catch (err) {
        await node.kill();
        if (attempt < 2 && /EADDRINUSE/.test(node.output())) continue;
        throw err;
      }
    }
  }

  output(): string {
    return this.log;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** A client with the node's credentials: its current cookie (a restart writes a new one). */
  client(timeoutMs = 60_000): RpcClient {
    const auth = this.auth ?? readFileSync(join(this.datadir, '.cookie'), 'utf8').trim();
    return new RpcClient({ url: `http://127.0.0.1:${this.rpcPort}/`, auth, timeoutMs });
  }

  call<T = unknown>(method: string, ...params: unknown[]): Promise<T> {
    return this.client().call<T>(method, params);
  }

  /** `powchain rpc --network regtest --datadir D --rpc-port P ARGS...` */
  cli(...args: string[]): Promise<RunResult> {
    return runCli([
      'rpc',
      '--network',
      'regtest',
      '--datadir',
      this.datadir,
      '--rpc-port',
      String(this.rpcPort),
      ...args,
    ]);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitStatus)
        throw new Error(`node exited (${JSON.stringify(this.exitStatus)}) before its RPC answered:\n${this.log}`);
      if (this.auth || existsSync(join(this.datadir, '.cookie'))) {
        try {
          await this.client(2_000).call('getblockcount');
          return;
        } catch {
          // not listening yet
        }
      }
      await sleep(100);
    }
    throw new Error(`node's RPC did not answer within ${timeoutMs} ms:\n${this.log}`);
  }

  /** Wait for the exit (SIGKILL after `timeoutMs`, then the test sees signal SIGKILL). */
  async waitExit(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.child.kill('SIGKILL');
      return this.exited;
    }
    return r;
  }

  /** Send a signal and wait for the exit. */
  async signal(
    sig: NodeJS.Signals,
    timeoutMs = 20_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exitStatus) this.child.kill(sig);
    return this.waitExit(timeoutMs);
  }

  /** SIGKILL (when still running) and wait: for finally blocks. */
  async kill(): Promise<void> {
    if (!this.exitStatus) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** The p2p multiaddr (with /p2p/<peer id>) and the 127.0.0.1:port form. */
  async p2pAddress(): Promise<{ multiaddr: string; hostPort: string }> {
    const info = await this.call<{ localaddresses: string[] }>('getnetworkinfo');
    const ma = info.localaddresses.find((a) => a.startsWith('/ip4/127.0.0.1/tcp/'));
    if (!ma) throw new Error(`no 127.0.0.1 listen address in ${JSON.stringify(info.localaddresses)}`);
    return { multiaddr: ma, hostPort: `127.0.0.1:${ma.split('/')[4]}` };
  }
}

/** Poll `check` every `intervalMs` until it returns true (or throws out of time). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
  );
}

/** SIGKILL every child still running and remove every temp dir: afterAll's safety net. */
export async function cleanupAll(): Promise<void> {
  const running = [...children];
  for (const c of running) c.kill('SIGKILL');
  await Promise.all(
    running.map((c) =>
      c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)),
    ),
  );
  for (const d of [...tempDirs]) removeDir(d);
}
