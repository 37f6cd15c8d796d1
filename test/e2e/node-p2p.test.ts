/**
 * Real peers in separate processes: two regtest nodes mine separate chains while unconnected,
 * `addnode ... onetry` joins them, and both end on the chain with more work. A third, empty
 * node joined by multiaddr syncs the whole chain from them.
 */
import { cleanupAll, ensureBuilt, freePort, NodeProcess, regtestKey, waitFor } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

interface Peer {
  peerid: string;
  addr: string;
  inbound: boolean;
}

test('5-block and 8-block chains join on addnode onetry and converge on the 8-block one', async () => {
  const nodes: NodeProcess[] = [];
  try {
    const a = await NodeProcess.start();
    nodes.push(a);
    const b = await NodeProcess.start();
    nodes.push(b);
    const chainA = await a.call<string[]>('generatetoaddress', 5, regtestKey('e2e-p2p-a').address);
    const chainB = await b.call<string[]>('generatetoaddress', 8, regtestKey('e2e-p2p-b').address);
    expect(await a.call('getblockcount')).toBe(5);
    expect(await b.call('getblockcount')).toBe(8);
    expect(await a.call('getconnectioncount')).toBe(0);

    // A dials B by host:port (the RPC turns it into a multiaddr; the peer id comes from the handshake).
    const bAddr = await b.p2pAddress();
    expect(await a.call('addnode', bAddr.hostPort, 'onetry')).toBeNull();

    const bestB = chainB[7]!;
    await waitFor(
      'both nodes on the 8-block chain',
      async () => (await a.call('getbestblockhash')) === bestB && (await b.call('getbestblockhash')) === bestB,
      60_000,
    );
    expect(await a.call('getblockcount')).toBe(8);
    for (let h = 1; h <= 8; h++) expect(await a.call('getblockhash', h)).toBe(chainB[h - 1]);

    // A's own 5 blocks are now a side branch it keeps; its tips list both.
    const tips = await a.call<{ hash: string; height: number; status: string; branchlen: number }[]>('getchaintips');
    expect(tips).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ hash: bestB, height: 8, status: 'active', branchlen: 0 }),
        expect.objectContaining({ hash: chainA[4], height: 5, branchlen: 5 }),
      ]),
    );
    // A's coinbases were disconnected: its miner's address holds nothing on the active chain.
    expect(await a.call('getaddressutxos', regtestKey('e2e-p2p-a').address)).toEqual([]);
    expect(await a.call('getaddressutxos', regtestKey('e2e-p2p-b').address)).toHaveLength(8);
    expect(await a.call('verifychain', 4, 0)).toBe(true);

    // Each sees the other as a peer, A outbound and B inbound.
    const bPeerId = bAddr.multiaddr.split('/p2p/')[1]!;
    const aPeers = await a.call<Peer[]>('getpeerinfo');
    expect(aPeers).toEqual([expect.objectContaining({ peerid: bPeerId, inbound: false })]);
    await waitFor('B to list A as an inbound peer', async () =>
      (await b.call<Peer[]>('getpeerinfo')).some((p) => p.inbound),
    );
    expect(await b.call('getconnectioncount')).toBe(1);

    // A third, empty node joins by full multiaddr and downloads the chain.
    const c = await NodeProcess.start();
    nodes.push(c);
    expect(await c.call('addnode', (await a.p2pAddress()).multiaddr, 'onetry')).toBeNull();
    await waitFor('the empty node to sync 8 blocks', async () => (await c.call('getbestblockhash')) === bestB, 60_000);

    // A block mined on C now reaches A and B by gossip.
    const [next] = await c.call<string[]>('generatetoaddress', 1, regtestKey('e2e-p2p-c').address);
    await waitFor(
      'the new block on A and B',
      async () => (await a.call('getbestblockhash')) === next && (await b.call('getbestblockhash')) === next,
      60_000,
    );

    // disconnectnode by peer id: A drops B.
    await a.call('disconnectnode', bPeerId);
    await waitFor(
      'A to forget B',
      async () => !(await a.call<Peer[]>('getpeerinfo')).some((p) => p.peerid === bPeerId),
      20_000,
    );

    for (const n of nodes) expect(await n.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
  }
}, 240_000);

test('addnode onetry to a port nobody listens on fails with a readable -1 error', async () => {
  const node = await NodeProcess.start();
  try {
    const port = await freePort();
    await expect(node.call('addnode', `127.0.0.1:${port}`, 'onetry')).rejects.toMatchObject({
      code: -1,
      message: expect.stringContaining(`could not connect to /ip4/127.0.0.1/tcp/${port}`),
    });
    expect(await node.call('getconnectioncount')).toBe(0);
  } finally {
    await node.kill();
  }
}, 60_000);
