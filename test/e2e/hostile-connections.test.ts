/**
 * Connection flood against a real `powchain node` process: hostile identities (libp2p parts in
 * this process, src/bench/hostile) take every inbound slot, overlapping their handshakes. The
 * node never holds more inbound peers than its cap, a new honest node still gets in (an
 * attacker is evicted), syncs, and stays through a second wave, and its gossip keeps flowing.
 */
import { connectionFlood } from '../../src/bench/hostile/floods.js';
import { HostilePeer } from '../../src/bench/hostile/peer.js';
import { cleanupAll, ensureBuilt, NodeProcess, waitFor } from './node-helpers.js';
import { honestBeside, hostile, p2p, peerRows } from './hostile-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

/** --max-peers 24: three quarters inbound. */
const MAX_PEERS = 24;
const MAX_INBOUND = 18;

test('a connection flood holds the node to its inbound cap; a new honest peer still gets in, syncs and stays', async () => {
  const target = await NodeProcess.start({ args: ['--max-peers', String(MAX_PEERS)] });
  const releases: (() => Promise<void>)[] = [];
  let honest: NodeProcess | undefined;
  let sampling = true;
  let mostInbound = 0;
  // The node's own count of inbound peers, read all through the floods.
  const sampler = (async () => {
    while (sampling) {
      const rows = await peerRows(target).catch(() => []);
      mostInbound = Math.max(mostInbound, rows.filter((r) => r.inbound).length);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const addr = await p2p(target);
    // 30 identities, five handshakes at a time: more than the 18 slots.
    const first = await connectionFlood(addr, hostile, 30);
    releases.push(first.release);
    const attackers = new Set(first.peers.map((p) => p.peerId));
    await waitFor('the flood to fill every inbound slot', async () => {
      const rows = await peerRows(target);
      return rows.filter((r) => r.inbound && attackers.has(r.peerid)).length === MAX_INBOUND;
    });
    expect(mostInbound).toBe(MAX_INBOUND);

    // Inbound peers never take the outbound slots: with every inbound slot held, the node still dials out.
    const outward = await HostilePeer.start(hostile);
    releases.push(() => outward.stop());
    expect(await target.call('addnode', outward.host.getMultiaddrs()[0]!.toString(), 'onetry')).toBeNull();
    const out = (await peerRows(target)).find((r) => r.peerid === outward.peerId);
    expect(out).toMatchObject({ inbound: false });

    // libp2p takes about five new connections a second from one address: let the flood's window pass.
    await new Promise((r) => setTimeout(r, 1_500));
    const h = await honestBeside(target, 20);
    honest = h.node;
    expect(target.output()).toMatch(/inbound peer evicted to make room/);
    const rows = await peerRows(target);
    expect(rows.filter((r) => r.inbound)).toHaveLength(MAX_INBOUND);
    const honestRow = rows.find((r) => r.peerid === h.peerId)!;
    expect(honestRow.inbound).toBe(true);
    expect(honestRow.last_block).toBeGreaterThan(0); // it gave the node its blocks

    // A second wave: it evicts attackers, never the peer that gave blocks.
    const second = await connectionFlood(addr, hostile, 15);
    releases.push(second.release);
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await peerRows(target);
    expect(after.some((r) => r.peerid === h.peerId)).toBe(true);
    expect(after.filter((r) => r.inbound).length).toBeLessThanOrEqual(MAX_INBOUND);
    expect(mostInbound).toBe(MAX_INBOUND);

    // Honest gossip still flows: a block mined on the honest node reaches the target.
    const [next] = await honest.call<string[]>('generatetoaddress', 1, h.address);
    await waitFor('the new block on the target', async () => (await target.call('getbestblockhash')) === next, 60_000);
  } finally {
    sampling = false;
    await sampler;
    await Promise.all(releases.map((r) => r()));
    await honest?.kill();
    await target.kill();
  }
}, 240_000);
