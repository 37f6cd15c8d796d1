/**
 * Orphan floods against a real `powchain node` process, from hostile peers built of libp2p parts
 * in this process (src/bench/hostile): blocks with valid proof of work whose parents nobody has.
 * The node holds at most its per-peer quota of them, charges the sender for every one it drops
 * until it bans it, calls the sender back a handful of times rather than once per orphan, keeps
 * its memory and tip, and an honest peer's blocks still arrive.
 */
import { orphanFlood, prepareOrphans } from '../../src/bench/hostile/floods.js';
import { connectHostile, connectMany } from '../../src/bench/hostile/floods.js';
import type { RequestTally } from '../../src/bench/hostile/peer.js';
import { DEFAULT_ORPHAN_LIMITS } from '../../src/chain/orphans.js';
import { ANCESTRY } from '../../src/net/ancestry.js';
import { cleanupAll, ensureBuilt, NodeProcess, waitFor } from './node-helpers.js';
import { banned, honestBeside, hostile, p2p, rssMb } from './hostile-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

interface ChainInfo {
  orphans: number;
  blocks: number;
}

/** Sample the target's orphan count until stopped; the most seen. */
function sampleOrphans(target: NodeProcess): { stop(): Promise<number> } {
  let most = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const info = await target.call<ChainInfo>('getblockchaininfo').catch(() => undefined);
      if (info) most = Math.max(most, info.orphans);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return most;
    },
  };
}

test('2,000 orphans from one peer: at most its quota is held, it is charged for the rest until banned, and called back a handful of times', async () => {
  const target = await NodeProcess.start();
  let honest: NodeProcess | undefined;
  try {
    const h = await honestBeside(target, 5);
    honest = h.node;
    const addr = await p2p(target);
    const tip = await target.call<string>('getbestblockhash');
    const orphans = prepareOrphans(hostile.params, 2_000, 5_000);
    const rssBefore = rssMb(target.pid);
    const held = sampleOrphans(target);
    const { peer, conn } = await connectHostile(addr, hostile);
    try {
      for (let i = 0; i < orphans.length && conn.status === 'open'; i += 20) {
        await peer
          .gossip(
            conn,
            peer.wire.blockTopic,
            orphans.slice(i, i + 20).map((o) => o.bytes),
            20,
          )
          .catch(() => undefined);
      }
      await waitFor('the orphan flooder to be banned', async () => (await banned(target)).includes(peer.peerId));
      const most = await held.stop();
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(DEFAULT_ORPHAN_LIMITS.maxPerSource);
      const ban = (await target.call<{ address: string; ban_reason: string }[]>('listbanned')).find(
        (b) => b.address === peer.peerId,
      )!;
      // Whichever cost crossed the line: orphans dropped, fetches wasted, or (on a slow machine) its queue overflowing.
      expect(ban.ban_reason).toMatch(/^(orphan-dropped|ancestry-wasted|gossip-overflow): /);
      // What it made the node hold went with the ban.
      await waitFor(
        'its orphans to be dropped',
        async () => (await target.call<ChainInfo>('getblockchaininfo')).orphans === 0,
      );
      // Called back: its status on connecting, a few ancestry fetches, perhaps a periodic status; never one per orphan.
      expect(peer.requests.status).toBeLessThanOrEqual(1 + ANCESTRY.maxAttempts + 3);
      expect(peer.maxConcurrentRequests).toBeLessThanOrEqual(3);
    } finally {
      await peer.stop();
    }
    // 2,000 blocks of 5 kB held and decoded would have been several hundred MB.
    expect(rssMb(target.pid) - rssBefore).toBeLessThan(100);
    expect(await target.call('getbestblockhash')).toBe(tip);
    const [next] = await honest.call<string[]>('generatetoaddress', 1, h.address);
    await waitFor('the honest block on the target', async () => (await target.call('getbestblockhash')) === next);
  } finally {
    await honest?.kill();
    await target.kill();
  }
}, 300_000);

test('an ancestry storm from eight peers: fetches deduplicated and bounded in flight, per peer and in all', async () => {
  const target = await NodeProcess.start();
  // The requests an orphan can cause: status (the fetch), then headers (its sync).
  const tally: RequestTally = { kinds: ['status', 'headers'], total: 0, inFlight: 0, maxInFlight: 0 };
  // Each claims far more work than the node and answers every request slowly, so the node's
  // requests stay in flight long enough to pile up if anything let them.
  const opts = { ...hostile, status: { chainWork: 1n << 200n, height: 1_000 }, answerDelayMs: 500, tally };
  const peers: { stop(): Promise<void> }[] = [];
  try {
    const addr = await p2p(target);
    const tip = await target.call<string>('getbestblockhash');
    const attackers = await connectMany(addr, opts, 8);
    peers.push(...attackers.map((a) => a.peer));
    const before = tally.total;
    // 150 orphans each, all at once: 1,200 orphans, each with an ancestor nobody has.
    await Promise.all(
      attackers.map(({ peer, conn }) =>
        peer
          .gossip(
            conn,
            peer.wire.blockTopic,
            prepareOrphans(hostile.params, 150, 1_000).map((o) => o.bytes),
            50,
          )
          .catch(() => undefined),
      ),
    );
    await waitFor(
      'every attacker to be banned',
      async () => (await banned(target)).length === attackers.length,
      120_000,
    );
    // The node called each back a handful of times (status, then a sync's headers), never per orphan.
    const perPeer = attackers.map(({ peer }) => peer.requests.status + peer.requests.headers);
    expect(tally.total - before).toBeLessThanOrEqual(attackers.length * 2 * (ANCESTRY.maxAttempts + 3));
    for (const n of perPeer) expect(n).toBeLessThanOrEqual(2 * (1 + ANCESTRY.maxAttempts + 3));
    // In flight at once, across all of them: the ancestry bound, plus one sync session and the
    // periodic status round (every connected peer, every 10 s).
    expect(tally.maxInFlight).toBeLessThanOrEqual(ANCESTRY.inFlight + 1 + attackers.length);
    // Each: one ancestry fetch, one periodic status, one sync's headers, one mempool poll.
    for (const { peer } of attackers) expect(peer.maxConcurrentRequests).toBeLessThanOrEqual(4);
    expect(await target.call('getbestblockhash')).toBe(tip);
    expect((await target.call<ChainInfo>('getblockchaininfo')).orphans).toBe(0);
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
    await target.kill();
  }
}, 300_000);

test('the bench flood helper drives the same attack (what powchain bench flood measures)', async () => {
  const target = await NodeProcess.start();
  try {
    const report = await orphanFlood(await p2p(target), hostile, prepareOrphans(hostile.params, 300, 1_000));
    expect(report.sent + report.refused).toBe(300);
    expect(report.requests.status).toBeLessThanOrEqual(1 + ANCESTRY.maxAttempts + 3);
  } finally {
    await target.kill();
  }
}, 120_000);
