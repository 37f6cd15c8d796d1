import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { TestnetError } from './errors.js';
import { appendFault } from './fault-events.js';
import { ensureWallet, isRunning, logFile, portFree, rpcFor, startPeer, waitForRpc, walletRun } from './processes.js';
import { addPeers, createState, loadState, saveState, type PeerState, type TestnetState } from './state.js';
import { NetLab, netnsUnavailable } from './netns.js';
import type { RunRegistry } from './registry.js';

export { TestnetError };

export interface UpOptions {
  nodes: number;
  miners: number;
  network: 'testnet' | 'regtest';
  dir: string;
  basePort: number;
  threads: number;
  /**
   * Which of these the user set (the rest are defaults). On an existing testnet, a given --nodes
   * larger than its size adds peers, and a given --network other than its own is refused.
   */
  given?: { nodes?: boolean; network?: boolean };
}

const START_TIMEOUT_MS = 60_000;

/**
 * Start (or resume) a local testnet: each peer its own `powchain node` process with its own
 * datadir and ports on 127.0.0.1, dialling one or two earlier peers; miners pay to their own
 * wallets. `say` reports progress line by line.
 */
export async function up(o: UpOptions, say: (line: string) => void, lab?: NetLab): Promise<TestnetState> {
  let s = loadState(o.dir);
  if (s) {
    if (o.given?.network && o.network !== s.network)
      throw new TestnetError(`the testnet in ${s.dir} is a ${s.network} testnet, not ${o.network}; use another --dir`);
    say(`resuming the testnet in ${s.dir} (${s.peers.length} peers, ${s.network})`);
    if (o.given?.nodes && o.nodes > s.peers.length) {
      const added = addPeers(s, o.nodes);
      say(`adding peer${added.length > 1 ? 's' : ''} ${added.map((p) => p.index).join(', ')} (not mining)`);
    } else if (o.given?.nodes && o.nodes < s.peers.length) say(`--nodes ${o.nodes} ignored: peers are never removed`);
  } else {
    if (o.miners > o.nodes) throw new TestnetError('--miners cannot exceed --nodes');
    s = createState(o);
    say(`creating a ${s.network} testnet of ${o.nodes} peers (${o.miners} mining) in ${s.dir}`);
  }
  if (lab) placeInLab(s, lab);
  else
    for (const p of s.peers) {
      delete p.host;
      delete p.netns;
      delete p.bootstrap;
    }
  const toStart = s.peers.filter((p) => !isRunning(p));
  for (const p of lab ? [] : toStart) {
    for (const port of [p.p2pPort, p.rpcPort]) {
      if (!(await portFree(port)))
        throw new TestnetError(
          `port ${port} (peer ${p.index}) is already in use; choose another --base-port or stop what uses it`,
        );
    }
  }
  await Promise.all(s.peers.map((p) => ensureWallet(s, p)));
  saveState(s);
  // Start them all, then wait for each: a peer that dials one not listening yet redials it.
  for (const p of toStart) {
    p.pid = startPeer(s, p, { tied: !!lab });
    lab?.claim.addProcess(p.pid, p.datadir);
  }
  // A bootstrap list serves a peer's first start in a lab; its restarts rejoin from its address book.
  for (const p of toStart) delete p.bootstrap;
  saveState(s);
  for (const [k, p] of toStart.entries()) {
    if (!(await waitForRpc(p, START_TIMEOUT_MS)))
      throw new TestnetError(`peer ${p.index} did not start; see ${logFile(p)}`);
    const where = p.host && p.netns ? `${p.host} (namespace ${p.netns}), ` : '';
    say(
      `[${k + 1}/${toStart.length}] peer ${p.index} up: ${where}p2p ${p.p2pPort}, rpc ${p.rpcPort}${p.miner ? ', mining' : ''}`,
    );
  }
  return s;
}

/**
 * Give every peer a host of its own in `lab`: its namespace and bridge address. Peer 0 is the
 * bootstrap peer; every other peer is told only its address, and finds the rest by discovery.
 */
function placeInLab(s: TestnetState, lab: NetLab): void {
  const seed = `/ip4/${lab.ip(0)}/tcp/${s.peers[0]!.p2pPort}`;
  for (const p of s.peers) {
    p.host = lab.ip(p.index);
    p.netns = lab.ns(p.index);
    p.bootstrap = p.index === 0 ? [] : [seed];
  }
}

/**
 * `up` with every peer in a network namespace of its own on one bridge (netns.ts). The returned
 * `close` stops the peers and removes the namespaces; call it however the run ends. Where
 * namespaces cannot be made, a TestnetError says why in one line.
 */
export async function upInNamespaces(
  o: UpOptions,
  say: (line: string) => void,
  registry?: RunRegistry,
): Promise<{ state: TestnetState; close: () => Promise<void> }> {
  const why = await netnsUnavailable();
  if (why) throw new TestnetError(`--netns: ${why}`);
  const existing = loadState(o.dir);
  const hosts = Math.max(existing?.peers.length ?? 0, !existing || o.given?.nodes ? o.nodes : 0);
  const lab = await NetLab.create(hosts, registry);
  say(`network namespaces ${lab.ns(0)}..${lab.ns(hosts - 1)} on bridge ${lab.bridge} (${lab.subnet})`);
  const close = async () => {
    const s = loadState(o.dir);
    if (s) await down(o.dir, () => undefined, 10_000).catch(() => undefined);
    await lab.destroy();
    say(`removed the namespaces and bridge ${lab.bridge}`);
  };
  try {
    return { state: await up(o, say, lab), close };
  } catch (err) {
    await close();
    throw err;
  }
}

function requireState(dir: string): TestnetState {
  const s = loadState(dir);
  if (!s) throw new TestnetError(`no testnet in ${dir} (run 'powchain testnet up' first)`);
  return s;
}

function peerOf(s: TestnetState, n: string | number): PeerState {
  const i = Number(n);
  const p = Number.isInteger(i) ? s.peers[i] : undefined;
  if (!p) throw new TestnetError(`no peer ${n}: peers are 0..${s.peers.length - 1}`);
  return p;
}

/** Stop every peer through RPC; SIGKILL any still running after `timeoutMs`. */
export async function down(dir: string, say: (line: string) => void, timeoutMs = 20_000): Promise<void> {
  const s = requireState(dir);
  // Every peer is stopped, and the state saved, even when one of them cannot be: then it fails after.
  const results = await Promise.allSettled(s.peers.map((p) => stopPeer(p, timeoutMs, say)));
  saveState(s);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function stopPeer(p: PeerState, timeoutMs: number, say: (line: string) => void): Promise<void> {
  if (!isRunning(p)) return;
  await rpcFor(p)
    ?.call('stop')
    .catch(() => undefined);
  const end = Date.now() + timeoutMs;
  while (isRunning(p) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  if (isRunning(p)) {
    await killAndWait(p);
    say(`peer ${p.index} did not stop in time: killed`);
  } else say(`peer ${p.index} stopped`);
  p.pid = undefined;
}

/** How long a SIGKILLed peer may take to be gone: its threads and memory are torn down by the kernel. */
const KILL_WAIT_MS = 10_000;

/**
 * SIGKILL the peer and return once its process is gone, so that "killed" is true when it is said
 * (a large process can take a moment to exit, and a restart must not find it still there).
 */
async function killAndWait(p: PeerState): Promise<void> {
  sigkill(p.pid!);
  const end = Date.now() + KILL_WAIT_MS;
  while (isRunning(p)) {
    if (Date.now() >= end)
      throw new TestnetError(
        `peer ${p.index} (pid ${p.pid}) was sent SIGKILL but is still running after ${KILL_WAIT_MS / 1000} s`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** SIGKILL; a process that exited meanwhile is fine. */
function sigkill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export async function kill(dir: string, n: string): Promise<PeerState> {
  const s = requireState(dir);
  const p = peerOf(s, n);
  if (!isRunning(p)) throw new TestnetError(`peer ${p.index} is not running`);
  await killAndWait(p);
  p.pid = undefined;
  saveState(s);
  return p;
}

export async function restart(dir: string, n: string, say: (line: string) => void): Promise<PeerState> {
  const s = requireState(dir);
  const p = peerOf(s, n);
  await stopPeer(p, 20_000, say);
  p.pid = startPeer(s, p);
  saveState(s);
  if (!(await waitForRpc(p, START_TIMEOUT_MS)))
    throw new TestnetError(`peer ${p.index} did not start; see ${logFile(p)}`);
  return p;
}

/** Mine `blocks` blocks on peer `n` now, paying its wallet (regtest: generatetoaddress). */
export async function mine(dir: string, n: string, blocks: number): Promise<string[]> {
  const s = requireState(dir);
  const p = peerOf(s, n);
  const rpc = rpcFor(p, 600_000);
  if (!rpc || !isRunning(p)) throw new TestnetError(`peer ${p.index} is not running`);
  if (s.network !== 'regtest')
    throw new TestnetError('blocks on demand are for regtest testnets; testnet peers mine on their own (--miners)');
  return rpc.call<string[]>('generatetoaddress', [blocks, p.address]);
}

/**
 * Send coins from peer `from`'s wallet to peer `to`'s address. Returns the txid and the wallet's
 * --json report as it printed it (amounts with their 8 decimals: fee, inputs, change).
 */
export async function send(
  dir: string,
  from: string,
  to: string,
  amount: string,
): Promise<{ txid: string; json: string }> {
  const s = requireState(dir);
  const src = peerOf(s, from);
  const dst = peerOf(s, to);
  if (!dst.address) throw new TestnetError(`peer ${dst.index} has no wallet address yet`);
  const json = await walletRun(s, src, ['send', dst.address, amount]);
  return { txid: (JSON.parse(json) as { txid: string }).txid, json };
}

async function peerIds(s: TestnetState): Promise<string[]> {
  return Promise.all(
    s.peers.map(async (p) => {
      const rpc = rpcFor(p);
      if (!rpc) throw new TestnetError(`peer ${p.index} is not running`);
      return (await rpc.call<{ peerid: string }>('getnetworkinfo')).peerid;
    }),
  );
}

/** Cut the listed peers off from the rest, both ways, with the nodes' own ban RPCs. */
export async function partition(dir: string, list: string): Promise<{ side: number[]; rest: number[] }> {
  const s = requireState(dir);
  const side = [...new Set(list.split(',').map((x) => peerOf(s, x.trim()).index))];
  const rest = s.peers.map((p) => p.index).filter((i) => !side.includes(i));
  if (side.length === 0 || rest.length === 0) throw new TestnetError('a partition needs peers on both sides');
  const ids = await peerIds(s);
  for (const a of side) {
    for (const b of rest) {
      await rpcFor(s.peers[a]!)!.call('setban', [ids[b], 'add', 24 * 3600]);
      await rpcFor(s.peers[b]!)!.call('setban', [ids[a], 'add', 24 * 3600]);
    }
  }
  // On the dashboard's timeline: which peers were cut off, from when.
  appendFault(s.dir, {
    t: Date.now(),
    type: 'fault',
    id: `partition-${side.join('-')}`,
    fault: 'partition',
    sides: [side, rest],
    detail: 'testnet partition (bans)',
  });
  return { side, rest };
}

/** Lift every ban and reconnect the original topology. */
export async function heal(dir: string): Promise<void> {
  const s = requireState(dir);
  appendFault(s.dir, { t: Date.now(), type: 'heal', detail: 'testnet heal' });
  for (const p of s.peers) await rpcFor(p)?.call('clearbanned');
  for (const p of s.peers) {
    for (const i of p.connectTo)
      await rpcFor(p)
        ?.call('addnode', [`/ip4/127.0.0.1/tcp/${s.peers[i]!.p2pPort}`, 'onetry'])
        .catch(() => undefined);
  }
}

/** Print a peer's log; with `follow`, keep printing what is appended until `signal` aborts. */
export async function logs(
  dir: string,
  n: string,
  out: NodeJS.WritableStream,
  follow: boolean,
  signal?: AbortSignal,
): Promise<void> {
  const s = requireState(dir);
  const file = logFile(peerOf(s, n));
  if (!existsSync(file)) throw new TestnetError(`peer ${n} has no log yet (${file})`);
  let pos = 0;
  const pump = () =>
    new Promise<void>((resolve) => {
      const size = statSync(file).size;
      if (size <= pos) return resolve();
      const r = createReadStream(file, { start: pos, end: size - 1 });
      pos = size;
      r.on('data', (c) => out.write(c));
      r.on('end', () => resolve());
      r.on('error', () => resolve());
    });
  await pump();
  if (!follow) return;
  const watcher = watch(file, () => void pump());
  await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  watcher.close();
}

export { requireState };
