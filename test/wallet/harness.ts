/**
 * End-to-end machinery for the wallet tests: a real `powchain node --network regtest` child
 * process and real `powchain wallet` CLI children, run with the Node running jest (without
 * jest's NODE_OPTIONS) against dist/, which is rebuilt first when missing or older than src/
 * (under the same tmpdir lock as test/e2e, so parallel workers build once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ensureBuilt } from '../helpers/dist.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../../src/rpc/client.js';
import { parseCoins, parseJsonExact, RawNumber } from '../../src/rpc/json.js';
import { childEnv } from '../helpers/child-env.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'powchain');
export const PASSPHRASE = 'correct horse battery staple';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { ensureBuilt };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A regtest node child with its own temp directory (also the HOME of every CLI child). */
export class RegtestNode {
  private log = '';
  private exited = false;
  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly rpcPort: number,
  ) {
    const keep = (d: string) => (this.log = (this.log + d).slice(-64 * 1024));
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    child.on('exit', () => (this.exited = true));
  }

  get datadir(): string {
    return join(this.dir, 'node');
  }

  static async start(): Promise<RegtestNode> {
    const dir = mkdtempSync(join(tmpdir(), 'powchain-wallet-e2e-'));
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const args = [
        BIN,
        'node',
        '--network',
        'regtest',
        '--datadir',
        join(dir, 'node'),
        '--port',
        '0',
        '--rpc-port',
        String(port),
        '--log-format',
        'json',
      ];
      const node = new RegtestNode(
        spawn(process.execPath, args, { cwd: ROOT, env: childEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] }),
        dir,
        port,
      );
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !node.exited) {
        try {
          if (existsSync(join(node.datadir, '.cookie'))) {
            await node.call('getblockcount');
            return node;
          }
        } catch {
          // not answering yet
        }
        await sleep(100);
      }
      await node.stop();
      if (attempt < 2 && /EADDRINUSE/.test(node.log)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`regtest node did not start:\n${node.log}`);
    }
  }

  client(): RpcClient {
    return new RpcClient({
      url: `http://127.0.0.1:${this.rpcPort}/`,
      auth: readFileSync(join(this.datadir, '.cookie'), 'utf8').trim(),
      timeoutMs: 60_000,
    });
  }

  call<T = unknown>(method: string, ...params: unknown[]): Promise<T> {
    return this.client().call<T>(method, params);
  }

  /** `powchain wallet --network regtest --datadir D --rpc-port P ARGS` with the passphrase in the environment. */
  wallet(args: string[], o: { passphrase?: string | null; stdin?: string } = {}): Promise<RunResult> {
    const env = childEnv(this.dir);
    if (o.passphrase !== null) env.POWCHAIN_PASSPHRASE = o.passphrase ?? PASSPHRASE;
    const all = [
      BIN,
      'wallet',
      '--network',
      'regtest',
      '--datadir',
      this.datadir,
      '--rpc-port',
      String(this.rpcPort),
      ...args,
    ];
    return new Promise((resolve) => {
      const child = spawn(process.execPath, all, { cwd: this.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdin.end(o.stdin ?? '');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Run a wallet command that must succeed with --json; its parsed output (amounts as RawNumber). */
  async walletJson<T = Record<string, unknown>>(
    args: string[],
    o: { passphrase?: string; stdin?: string } = {},
  ): Promise<T> {
    const r = await this.wallet(['--json', ...args], o);
    if (r.code !== 0) throw new Error(`wallet ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return parseJsonExact(r.stdout) as T;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** An exact amount from wallet or RPC JSON (RawNumber "12.50000000", or an integer). */
export function base(v: unknown): bigint {
  if (v instanceof RawNumber || typeof v === 'number' || typeof v === 'string') return parseCoins(v, true);
  throw new Error(`not an amount: ${JSON.stringify(v)}`);
}

/** The one-line failure every bad input must give: non-zero exit, nothing on stdout, one stderr line. */
export function expectOneLineError(r: RunResult, pattern: RegExp): void {
  expect({ code: r.code === 0 ? 0 : 'non-zero', stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({
    code: 'non-zero',
    stdout: '',
    lines: 1,
  });
  expect(r.stderr.trim()).toMatch(pattern);
}
