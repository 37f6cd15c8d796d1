import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCookie } from '../rpc/cookie.js';
import { RpcClient } from '../rpc/client.js';
import type { PeerState, TestnetState } from './state.js';

/** The powchain executable of this installation, run with the Node that runs us. */
export const POWCHAIN_BIN = fileURLToPath(new URL('../../bin/powchain', import.meta.url));

export function logFile(p: PeerState): string {
  return join(p.datadir, 'node.log');
}

export function isRunning(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves true when nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export function nodeArgs(s: TestnetState, p: PeerState): string[] {
  const args = ['node', '--network', s.network, '--datadir', p.datadir, '--bind', '127.0.0.1', '--port', String(p.p2pPort), '--rpc-port', String(p.rpcPort), '--log-format', 'json'];
  for (const i of p.connectTo) args.push('--peer', `/ip4/127.0.0.1/tcp/${s.peers[i]!.p2pPort}`);
  if (p.address) args.push('--miner-address', p.address, '--threads', String(s.threads));
  // Regtest's target is trivial: continuous mining would race thousands of blocks ahead of the
  // clock. There, blocks come on demand (`powchain testnet mine`).
  if (p.miner && p.address && s.network !== 'regtest') args.push('--mine');
  return args;
}

/** Start one peer as its own detached process, its output appended to its log file. */
export function startPeer(s: TestnetState, p: PeerState): number {
  mkdirSync(p.datadir, { recursive: true });
  const fd = openSync(logFile(p), 'a');
  try {
    const child = spawn(process.execPath, [POWCHAIN_BIN, ...nodeArgs(s, p)], { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    return child.pid!;
  } finally {
    closeSync(fd);
  }
}

/** An RPC client for a peer, or undefined while it has no cookie (not started yet). */
export function rpcFor(p: PeerState, timeoutMs = 5_000): RpcClient | undefined {
  const auth = readCookie(p.datadir);
  return auth ? new RpcClient({ url: `http://127.0.0.1:${p.rpcPort}/`, auth, timeoutMs }) : undefined;
}

/** Wait until a peer answers RPC; false after `timeoutMs`. */
export async function waitForRpc(p: PeerState, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const rpc = rpcFor(p, 2_000);
      if (rpc) {
        await rpc.call('getblockcount');
        return true;
      }
    } catch {
      // not up yet
    }
    if (!isRunning(p.pid)) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Run `powchain wallet ...` for a peer's wallet and return its parsed --json output. */
export function walletJson(s: TestnetState, p: PeerState, args: string[]): unknown {
  const r = spawnSync(process.execPath, [POWCHAIN_BIN, 'wallet', '--network', s.network, '--wallet', p.walletFile, '--rpc-url', `http://127.0.0.1:${p.rpcPort}/`, '--datadir', p.datadir, '--json', ...args], {
    env: { ...process.env, POWCHAIN_PASSPHRASE: s.passphrase },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`wallet ${args[0]} for peer ${p.index} failed: ${(r.stderr || r.stdout || '').trim().split('\n').at(-1)}`);
  return JSON.parse(r.stdout) as unknown;
}
