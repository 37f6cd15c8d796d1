/**
 * Discovery between real peers on 127.0.0.1: peers given only a bootstrap address find each other
 * (peer exchange and the DHT), keep their outbound count, write what they learned to their
 * address books, and a peer restarted without its bootstrap list reconnects from its book.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lpStream } from 'it-length-prefixed-stream';
import { ADDRESS_BOOK_FILE } from '../../src/net/discovery/address-book.js';
import { encodeExchange } from '../../src/net/discovery/exchange.js';
import { networkTag, PENALTY } from '../../src/net/index.js';
import { connected, link, TestNet, until, type TestPeer } from './helpers.js';

/** The peers `p` keeps as outbound (its keeper's, not a DHT query's passing connections). */
const outbound = (p: TestPeer) => p.svc.addressBook().outbound;
/** Every outbound connection `p` has, passing ones included. */
const outboundConns = (p: TestPeer) => p.svc.peers().filter((x) => x.direction === 'outbound').length;

test('peers bootstrapped from one seed find each other; a restart without bootstrap rejoins from the address book', async () => {
  const net = new TestNet();
  try {
    const seed = await net.startPeer({ name: 'seed', net: { discovery: true } });
    const boot = [`${seed.addr}`];
    // Loopback is one address group: the group limit is lifted so the target alone counts.
    const opts = { discovery: true, bootstrap: boot, maxOutbound: 2, maxOutboundPerGroup: 10 };
    const others: TestPeer[] = [];
    for (const name of ['a', 'b', 'c', 'd']) others.push(await net.startPeer({ name, net: opts }));
    const [a, b, c, d] = others as [TestPeer, TestPeer, TestPeer, TestPeer];
    const everyone = [seed, ...others];

    // Each knows only the seed. Each keeps its 2 outbound peers, or, where it cannot (every other
    // peer is connected to it already: the keeper never dials a peer it has), is connected to all.
    const settled = (p: TestPeer) => outbound(p).length === 2 || everyone.every((q) => q === p || connected(p, q));
    await until(() => others.every(settled), 'every peer to keep its outbound target', 60_000);
    // So every peer reached a peer the seed never named to it by hand.
    for (const p of others) expect(others.some((q) => q !== p && connected(p, q))).toBe(true);
    for (const p of others) expect(outbound(p).length).toBeLessThanOrEqual(2);
    // Connections a DHT query opened beyond the target are closed once their grace is over.
    await until(() => others.every((p) => outboundConns(p) <= 2), 'passing outbound connections to be closed', 90_000);
    // What they learned is on disk.
    await until(() => existsSync(join(a.datadir, ADDRESS_BOOK_FILE)), "a's address book to be written", 20_000);
    await until(
      () => {
        const book = JSON.parse(readFileSync(join(a.datadir, ADDRESS_BOOK_FILE), 'utf8')) as {
          peers: { id: string; lastSuccess: number }[];
        };
        return book.peers.some((e) => e.lastSuccess > 0 && e.id !== seed.id);
      },
      "a's address book to hold a peer besides the seed that it reached",
      30_000,
    );

    // The seed goes away; a restarts with no bootstrap and no --peer, and still finds b, c, d.
    await seed.svc.stop();
    await a.restart({ bootstrap: [], peers: [] });
    // An outbound peer can only come from the book: a has no bootstrap, no --peer, and asks for
    // addresses and walks the DHT only through outbound peers.
    await until(() => outbound(a).length >= 1, 'a to dial a peer from its book', 60_000);
    expect(outbound(a).every((id) => [b.id, c.id, d.id].includes(id))).toBe(true);
  } finally {
    await net.close();
  }
}, 180_000);

test('a peer answering the address request with junk is penalised and its list ignored', async () => {
  const net = new TestNet();
  try {
    const victim = await net.startPeer({ name: 'victim' });
    const liar = await net.startPeer({ name: 'liar' });
    const proto = `/powchain/${networkTag(victim.h.chain.params)}/addrs/1`;
    await liar.host.unhandle(proto);
    await liar.host.handle(proto, async ({ stream }) => {
      const lp = lpStream(stream);
      try {
        await lp.read({ signal: AbortSignal.timeout(10_000) });
        // One peer with an address that is not TCP: the whole list is refused.
        await lp.write(encodeExchange([{ id: liar.id, addrs: ['/ip4/1.1.1.1/udp/1/quic'] }]));
        await stream.close();
      } catch (err) {
        stream.abort(err as Error);
      }
    });
    await link(victim, liar); // the victim dials: it asks the liar for addresses
    await until(() => victim.svc.scorer.penalty(liar.id) >= PENALTY.badFrame, 'the liar to be penalised');
    expect(victim.svc.knownAddresses(10).map((e) => e.addrs)).not.toContainEqual(['/ip4/1.1.1.1/udp/1/quic']);
  } finally {
    await net.close();
  }
});
