import { execFile, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCookie } from '../rpc/cookie.js';
import { RpcClient } from '../rpc/client.js';
import { TestnetError } from './errors.js';
import type { PeerState, TestnetState } from './state.js';

/** The powchain executable of this installation, run with the Node that runs us. */
export const POWCHAIN_BIN = fileURLToPath(new URL('../../bin/powchain', import.meta.url));

export function logFile(p: PeerState): string {
  return join(p.datadir, 'node.log');
}

/**
 * Whether the peer's recorded process is alive and is that peer's node. Where /proc tells (Linux),
 * a zombie (exited, its reaper not yet come by) is not running, and neither is a process whose
 * command line does not name the peer's datadir: after a reboot the recorded pid may belong to
 * anything, and `down` must neither wait for nor SIGKILL a stranger.
 */
export function isRunning(p: Pick<PeerState, 'pid' | 'datadir'>): boolean {
  const pid = p.pid;
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return isPeerProcess(stat, readFileSync(`/proc/${pid}/cmdline`, 'utf8'), p.datadir);
  } catch {
    return false; // gone meanwhile
  }
}

/**
 * The judgement of isRunning from a process's /proc/<pid>/stat and /proc/<pid>/cmdline: alive
 * (not a zombie) and either naming `datadir` or inside execve. While a process is inside execve
 * (our nodes start through `ip netns exec` and `setpriv`, three execs in a row) the kernel shows
 * an empty command line: in 198 of 200 fresh spawns within their first 30 ms here. That is a live
 * process, not a stranger; only kernel threads (kthreadd, pid 2, and its children) keep an empty
 * command line for good.
 */
export function isPeerProcess(stat: string, cmdline: string, datadir: string): boolean {
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (state === 'Z' || state === 'X') return false;
  if (cmdline === '') return ppid !== '0' && ppid !== '2';
  return cmdline.split('\0').includes(datadir);
}

/** Resolves true when nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

let setprivArgs: string[] | undefined;
/** `setpriv --pdeathsig KILL --` when setpriv can do it here, else nothing. */
export function deathSignalPrefix(): string[] {
  if (setprivArgs === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
    setprivArgs = probe.status === 0 ? ['setpriv', '--pdeathsig', 'KILL', '--'] : [];
  }
  return setprivArgs;
}

/**
 * Outbound peers a peer in a namespace keeps. Every peer of a lab is in one /24 (one address
 * group), so the per-group limit is lifted to this too: the target alone shapes the network. Four
 * keeps sixteen peers on two cores light while every peer still has several ways in.
 */
const NETNS_MAX_OUTBOUND = 4;

export function nodeArgs(s: TestnetState, p: PeerState): string[] {
  const host = p.host ?? '127.0.0.1';
  const args = [
    'node',
    '--network',
    s.network,
    '--datadir',
    p.datadir,
    '--bind',
    host,
    '--port',
    String(p.p2pPort),
    '--rpc-bind',
    host,
    '--rpc-port',
    String(p.rpcPort),
    '--log-format',
    'json',
    // The peer's explorer, REST and metrics on its RPC port (127.0.0.1): the dashboard follows
    // each peer's live feed and block tree through them.
    '--web',
    '--rest',
    '--metrics',
  ];
  if (p.netns) {
    // Hosts of their own: they find each other through the bootstrap peer and discovery alone.
    for (const b of p.bootstrap ?? []) args.push('--bootstrap', b);
    args.push('--max-outbound', String(NETNS_MAX_OUTBOUND), '--max-outbound-per-group', String(NETNS_MAX_OUTBOUND));
  } else {
    // On 127.0.0.1 the sparse topology is the point (blocks cross hops): no peers of its own choosing.
    for (const i of p.connectTo) args.push('--peer', `/ip4/127.0.0.1/tcp/${s.peers[i]!.p2pPort}`);
    args.push('--max-outbound', '0');
  }
  if (p.address) args.push('--miner-address', p.address, '--threads', String(s.threads));
  // Regtest's target is trivial: continuous mining would race thousands of blocks ahead of the
  // clock. There, blocks come on demand (`powchain testnet mine`).
  if (p.miner && p.address && s.network !== 'regtest') args.push('--mine');
  return args;
}

/**
 * Start one peer as its own detached process, its output appended to its log file; inside its
 * network namespace when it has one. `tied`: the peer dies with this process (the foreground
 * `up --netns`, whose exit removes the namespaces anyway).
 */
export function startPeer(s: TestnetState, p: PeerState, o: { tied?: boolean } = {}): number {
  mkdirSync(p.datadir, { recursive: true });
  const argv = [
    ...(p.netns ? ['ip', 'netns', 'exec', p.netns] : []),
    ...(o.tied ? deathSignalPrefix() : []),
    process.execPath,
    POWCHAIN_BIN,
    ...nodeArgs(s, p),
  ];
  const fd = openSync(logFile(p), 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', () => undefined);
    child.unref();
    if (!child.pid) throw new TestnetError(`peer ${p.index} could not be started (${argv[0]})`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** The URL of a peer's RPC server, as this process reaches it. */
export function rpcUrl(p: Pick<PeerState, 'host' | 'rpcPort'>): string {
  return `http://${p.host ?? '127.0.0.1'}:${p.rpcPort}/`;
}

/** An RPC client for a peer, or undefined while it has no cookie (not started yet). */
export function rpcFor(p: PeerState, timeoutMs = 5_000): RpcClient | undefined {
  const auth = readCookie(p.datadir);
  return auth ? new RpcClient({ url: rpcUrl(p), auth, timeoutMs }) : undefined;
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
    if (!isRunning(p)) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Run `powchain wallet --json ...` for a peer's wallet and return its output as printed. */
export function walletRun(s: TestnetState, p: PeerState, args: string[]): Promise<string> {
  const all = [
    POWCHAIN_BIN,
    'wallet',
    '--network',
    s.network,
    '--wallet',
    p.walletFile,
    '--rpc-url',
    rpcUrl(p),
    '--datadir',
    p.datadir,
    '--json',
    ...args,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      all,
      { env: { ...process.env, POWCHAIN_PASSPHRASE: s.passphrase }, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const why = (stderr || stdout || err.message)
          .trim()
          .split('\n')
          .at(-1)!
          .replace(/^powchain: /, '');
        reject(new TestnetError(`wallet ${args[0]} for peer ${p.index} failed: ${why}`));
      },
    );
  });
}

/** Run `powchain wallet ...` for a peer's wallet and return its parsed --json output. */
export async function walletJson(s: TestnetState, p: PeerState, args: string[]): Promise<unknown> {
  return JSON.parse(await walletRun(s, p, args)) as unknown;
}

/** The wallet's lowest accepted scrypt cost (`powchain wallet create --scrypt-log-n`). */
const WALLET_SCRYPT_LOG_N = '12';

/**
 * Give a peer a wallet (once) and record its first receive address. The passphrase is public
 * (in testnet.json): a costly key derivation would protect nothing and slow every send, so
 * these wallets use the cheapest scrypt cost the wallet accepts.
 */
export async function ensureWallet(s: TestnetState, p: PeerState): Promise<void> {
  if (p.address) return;
  if (!existsSync(p.walletFile)) await walletJson(s, p, ['create', '--scrypt-log-n', WALLET_SCRYPT_LOG_N]);
  p.address = ((await walletJson(s, p, ['address'])) as { address: string }).address;
}
