/**
 * What a running node advertises (libp2p's address manager with powchain's announce policy),
 * on main and elsewhere, with --announce, --no-announce and --announce-private.
 */
import { networks } from '../../src/consensus/params/networks.js';
import { TestNet } from './helpers.js';

const PUBLIC = '/ip4/93.184.216.34/tcp/8333';

test('main advertises no loopback address unless told; --announce and --no-announce choose what is advertised', async () => {
  const net = new TestNet();
  try {
    const plain = await net.startPeer({ name: 'main', params: networks.main });
    expect(plain.svc.listenAddresses()).toEqual([]);
    expect(plain.svc.reachability()).toBe('private');

    const told = await net.startPeer({ name: 'private', params: networks.main, net: { announcePrivate: true } });
    expect(told.svc.listenAddresses()).toEqual([expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)]);

    const announced = await net.startPeer({ name: 'announced', params: networks.main, net: { announce: [PUBLIC] } });
    expect(announced.svc.listenAddresses()).toEqual([`${PUBLIC}/p2p/${announced.id}`]);
    expect(announced.svc.reachability()).toBe('public');

    const silent = await net.startPeer({
      name: 'silent',
      params: networks.main,
      net: { announce: [PUBLIC], noAnnounce: true, announcePrivate: true },
    });
    expect(silent.svc.listenAddresses()).toEqual([]);

    // On regtest private ranges are normal: the listen address is advertised.
    const regtest = await net.startPeer({ name: 'regtest' });
    expect(regtest.svc.listenAddresses()).toHaveLength(1);
  } finally {
    await net.close();
  }
});
