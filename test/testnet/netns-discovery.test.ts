/**
 * `powchain testnet up --netns`, for real: sixteen peers, each a host of its own (a network
 * namespace with its own address on a bridge), told only the first peer's address. They find each
 * other by discovery (peer exchange and the DHT), a block mined on any of them reaches all, a peer
 * restarted with no bootstrap list and no --peer rejoins from its address book while the first
 * peer is gone, and Ctrl-C removes every namespace. Without root it says so in one line.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { restart } from '../../src/testnet/commands.js';
import { isRunning, rpcFor } from '../../src/testnet/processes.js';
import { run } from '../../src/testnet/netns.js';
import { loadState, type PeerState } from '../../src/testnet/state.js';
import { powchain, scratch } from './chaos/cli.js';
import { netnsTest, unprivilegedTest } from './chaos/gate.js';
import { ensureBuilt } from './helpers.js';

beforeAll(() => ensureBuilt(), 360_000);

const NODES = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `cond` every 500 ms until it holds; fail naming `what` after `ms`, with what `cond` last
 * said (its `why`) or threw. Returns how long it took.
 */
async function until(
  what: string,
  ms: number,
  cond: (why: (text: string) => void) => Promise<boolean>,
): Promise<number> {
  const start = Date.now();
  let last = '';
  for (;;) {
    try {
      if (await cond((text) => (last = text))) return Date.now() - start;
    } catch (err) {
      last = `threw: ${(err as Error).message}`;
    }
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
    await sleep(500);
  }
}

interface NetworkInfo {
  peerid: string;
  addressbook: { known: number; outbound: string[] };
}

/** Whether the peers other than `without` are all connected to each other through each other. */
function connectedWithout(edges: Map<string, string[]>, without: string): boolean {
  const nodes = [...edges.keys()].filter((n) => n !== without);
  const seen = new Set([nodes[0]!]);
  const queue = [nodes[0]!];
  while (queue.length > 0) {
    for (const next of edges.get(queue.shift()!) ?? [])
      if (next !== without && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
  }
  return nodes.every((n) => seen.has(n));
}

netnsTest(
  `testnet up --netns: ${NODES} peers find each other from one bootstrap peer, share every block, rejoin from their address books`,
  async () => {
    const { dir, remove } = scratch('netns-discovery');
    let child: ChildProcess | undefined;
    let prefix = '';
    let ready!: () => void;
    const allUp = new Promise<void>((r) => (ready = r));
    const started = Date.now();
    const up = powchain(
      ['testnet', 'up', '--netns', '--nodes', String(NODES), '--miners', '0', '--network', 'regtest', '--dir', dir],
      {
        timeoutMs: 20 * 60_000,
        onLine: (line, c) => {
          child = c;
          const ns = /network namespaces (pcn\d+)-p0/.exec(line);
          if (ns) prefix = ns[1]!;
          if (line.includes(`[${NODES}/${NODES}] peer ${NODES - 1} up`)) ready();
        },
      },
    );
    const figures: string[] = [];
    try {
      await Promise.race([
        allUp,
        up.then((r) => {
          throw new Error(`testnet up --netns ended early (${r.code}): ${r.stderr || r.stdout}`);
        }),
      ]);
      figures.push(`start-up of ${NODES} peers with wallets: ${Date.now() - started} ms`);
      const s = loadState(dir)!;
      const peers = s.peers;
      // Every peer on its own address, told at most the first peer's.
      expect(new Set(peers.map((p) => p.host)).size).toBe(NODES);
      const rpc = (p: PeerState) => rpcFor(p, 120_000)!;
      const ids = (await Promise.all(peers.map((p) => rpc(p).call<NetworkInfo>('getnetworkinfo')))).map(
        (i) => i.peerid,
      );
      const seed = ids[0]!;

      // 1. Discovery: every peer keeps outbound peers besides the seed, and without the seed the
      //    others still form one connected network.
      const edges = new Map<string, string[]>();
      const found = await until('every peer to find peers beyond the bootstrap peer', 300_000, async (why) => {
        const infos = await Promise.all(
          peers.map((p) =>
            rpc(p)
              .call<{ peerid: string }[]>('getpeerinfo')
              .then((l) => l.map((x) => x.peerid)),
          ),
        );
        const nets = await Promise.all(peers.map((p) => rpc(p).call<NetworkInfo>('getnetworkinfo')));
        infos.forEach((l, i) => edges.set(ids[i]!, l));
        const alone = nets.flatMap((n, i) => (i > 0 && !n.addressbook.outbound.some((id) => id !== seed) ? [i] : []));
        const split = !connectedWithout(edges, seed);
        why(`peers with no outbound peer but the seed: [${alone.join(', ')}]; split without the seed: ${split}`);
        return alone.length === 0 && !split;
      });
      figures.push(`all ${NODES} peers found each other (connected without the seed) in ${found} ms after start-up`);
      // The outbound limit holds: connections the DHT opened on the way are closed again.
      // Counted by peer: libp2p may hold two connections to one peer for a moment.
      const settled = await until('every peer to be down to 4 outbound peers', 180_000, async (why) => {
        const outs = await Promise.all(
          peers.map((p) =>
            rpc(p)
              .call<{ peerid: string; inbound: boolean }[]>('getpeerinfo')
              .then((l) => new Set(l.filter((x) => !x.inbound).map((x) => x.peerid)).size),
          ),
        );
        why(`outbound peers: ${outs.join(', ')}`);
        return outs.every((n) => n <= 4);
      });
      figures.push(`outbound connections at or under the target of 4 on every peer ${settled} ms later`);

      // 2. A block mined anywhere reaches every peer.
      const tips = () => Promise.all(peers.map((p) => rpc(p).call<string>('getbestblockhash')));
      for (const miner of [5, 13, 2]) {
        const p = peers[miner]!;
        const [hash] = await rpc(p).call<string[]>('generatetoaddress', [1, p.address]);
        const ms = await until(`the block mined on peer ${miner} to reach all ${NODES}`, 120_000, async () =>
          (await tips()).every((t) => t === hash),
        );
        figures.push(`block from peer ${miner} on all ${NODES} peers within ${ms} ms (RPC polling, 500 ms steps)`);
      }

      // 3. The seed goes away; peer 9 restarts with no bootstrap and no --peer, and rejoins from its book.
      const book = JSON.parse(readFileSync(`${peers[9]!.datadir}/addresses.json`, 'utf8')) as { peers: unknown[] };
      expect(book.peers.length).toBeGreaterThan(2);
      await rpc(peers[0]!).call('stop');
      await until('the seed to stop', 60_000, async () => !isRunning(peers[0]!));
      const t0 = Date.now();
      const back = await restart(dir, '9', () => undefined);
      const argv = readFileSync(`/proc/${back.pid}/cmdline`, 'utf8').split('\0');
      expect(argv).not.toContain('--bootstrap');
      expect(argv).not.toContain('--peer');
      await until('peer 9 to reconnect from its address book', 120_000, async () => {
        const n = await rpc(peers[9]!).call<NetworkInfo>('getnetworkinfo');
        return n.addressbook.outbound.filter((id) => id !== seed).length >= 2;
      });
      figures.push(
        `peer 9 restarted without bootstrap: 2 outbound peers from its book ${Date.now() - t0} ms after restart began`,
      );
      const p3 = peers[3]!;
      const [late] = await rpc(p3).call<string[]>('generatetoaddress', [1, p3.address]);
      await until(
        'the block mined after the restart to reach peer 9',
        120_000,
        async () => (await rpc(peers[9]!).call<string>('getbestblockhash')) === late,
      );

      // 4. Ctrl-C: the peers stop and every namespace and the bridge are removed.
      child!.kill('SIGINT');
      const result = await up;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`removed the namespaces and bridge ${prefix}-br`);
      const left = (await run('ip', ['netns', 'list'])).split('\n').filter((l) => l.startsWith(`${prefix}-`));
      expect(left).toEqual([]);
      expect(await run('ip', ['-o', 'link', 'show'])).not.toContain(`${prefix}-br`);
      for (const p of peers) expect(isRunning(loadState(dir)!.peers[p.index]!)).toBe(false);
      process.stdout.write(`netns discovery figures:\n  ${figures.join('\n  ')}\n`);
    } finally {
      child?.kill('SIGINT');
      await up;
      remove();
    }
  },
  20 * 60_000,
);

unprivilegedTest(
  'testnet up --netns without root says why in one line and starts nothing',
  async (uid) => {
    const { dir, remove } = scratch('netns-noroot');
    try {
      const r = await powchain(['testnet', 'up', '--netns', '--nodes', '2', '--dir', dir], {
        timeoutMs: 60_000,
        asUser: uid,
      });
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/--netns: network namespaces need root \(CAP_NET_ADMIN\)/);
      expect(loadState(dir)).toBeUndefined();
    } finally {
      remove();
    }
  },
  120_000,
);
