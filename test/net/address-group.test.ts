import { multiaddr } from '@multiformats/multiaddr';
import { addressGroup, isPrivateAddress, multiaddrGroup } from '../../src/net/address-group.js';
import { announcePolicy, parseTcpAddress } from '../../src/net/discovery/announce.js';
import { planDials } from '../../src/net/discovery/outbound.js';

describe('address groups', () => {
  test.each([
    ['203.0.113.7', 'ipv4:203.0'],
    ['203.0.200.1', 'ipv4:203.0'],
    ['198.51.100.1', 'ipv4:198.51'],
    ['2001:db8:1:2::1', 'ipv6:2001:db8'],
    ['2001:0db8:ffff::', 'ipv6:2001:db8'],
    ['::ffff:203.0.113.7', 'ipv4:203.0'],
    ['::ffff:cb00:7107', 'ipv4:203.0'],
    [undefined, 'unknown'],
  ])('%s is in group %s', (ip, group) => {
    expect(addressGroup(ip)).toBe(group);
  });

  test("/16 for IPv4, /32 for IPv6: one operator's addresses count as one (eviction and outbound diversity)", () => {
    expect(addressGroup('10.1.2.3')).toBe(addressGroup('10.1.200.4'));
    expect(addressGroup('10.1.2.3')).not.toBe(addressGroup('10.2.2.3'));
    expect(addressGroup('2001:db8:1::1')).toBe(addressGroup('2001:db8:ffff::2'));
    expect(addressGroup('2001:db8::1')).not.toBe(addressGroup('2001:db9::1'));
  });

  test('a multiaddr is grouped by its IP; a DNS name is a group of its own', () => {
    expect(multiaddrGroup(multiaddr('/ip4/203.0.113.7/tcp/1'))).toBe('ipv4:203.0');
    expect(multiaddrGroup(multiaddr('/dns4/seed.example.org/tcp/1'))).toBe('unknown');
  });

  test.each([
    ['/ip4/10.1.2.3/tcp/1', true],
    ['/ip4/192.168.1.1/tcp/1', true],
    ['/ip4/172.16.0.1/tcp/1', true],
    ['/ip4/127.0.0.1/tcp/1', true],
    ['/ip4/100.64.0.1/tcp/1', true],
    ['/ip4/198.18.5.10/tcp/1', true],
    ['/ip4/0.0.0.0/tcp/1', true],
    ['/ip6/::1/tcp/1', true],
    ['/ip6/fd00::1/tcp/1', true],
    ['/ip6/fe80::1/tcp/1', true],
    ['/ip4/8.8.8.8/tcp/1', false],
    ['/ip6/2a00:1450::1/tcp/1', false],
    ['/dns4/seed.example.org/tcp/1', false],
  ])('%s private: %s', (ma, priv) => {
    expect(isPrivateAddress(multiaddr(ma))).toBe(priv);
  });
});

describe('planDials: outbound diversity', () => {
  const c = (id: string, ...addrs: string[]) => ({ id, addrs });
  const none = new Map<string, number>();

  test('at most maxPerGroup per /16, counting the peers we have', () => {
    const plan = planDials(
      [
        c('a', '/ip4/203.0.1.1/tcp/1'),
        c('b', '/ip4/203.0.2.2/tcp/1'),
        c('c', '/ip4/203.0.3.3/tcp/1'),
        c('d', '/ip4/8.8.8.8/tcp/1'),
        c('e', '/ip4/9.9.9.9/tcp/1'),
      ],
      { need: 8, maxPerGroup: 2, groups: new Map([['ipv4:9.9', 2]]), skip: () => false },
    );
    expect(plan.map((d) => d.id)).toEqual(['a', 'b', 'd']);
  });

  test('takes a peer at its first address whose group has room', () => {
    const plan = planDials([c('a', '/ip4/203.0.1.1/tcp/1', '/ip4/8.8.8.8/tcp/1')], {
      need: 1,
      maxPerGroup: 1,
      groups: new Map([['ipv4:203.0', 1]]),
      skip: () => false,
    });
    expect(plan).toEqual([{ id: 'a', addr: '/ip4/8.8.8.8/tcp/1', group: 'ipv4:8.8' }]);
  });

  test('stops at need and skips what it is told to (connected, banned, ourselves)', () => {
    const list = ['a', 'b', 'c', 'd'].map((id, i) => c(id, `/ip4/${i + 1}.1.1.1/tcp/1`));
    const plan = planDials(list, { need: 2, maxPerGroup: 2, groups: none, skip: (id) => id === 'a' });
    expect(plan.map((d) => d.id)).toEqual(['b', 'c']);
  });
});

describe('announce policy', () => {
  const addrs = ['/ip4/192.168.1.5/tcp/8333', '/ip4/127.0.0.1/tcp/8333', '/ip4/93.184.216.34/tcp/8333'].map((a) =>
    multiaddr(a),
  );
  const shown = (p: ReturnType<typeof announcePolicy>) => p.announceFilter(addrs).map((a) => a.toString());

  test('main advertises no private-range address unless told', () => {
    expect(shown(announcePolicy({ announce: [], noAnnounce: false, allowPrivate: false }))).toEqual([
      '/ip4/93.184.216.34/tcp/8333',
    ]);
    expect(shown(announcePolicy({ announce: [], noAnnounce: false, allowPrivate: true }))).toHaveLength(3);
  });

  test('--no-announce advertises nothing', () => {
    const p = announcePolicy({ announce: ['/ip4/203.0.113.9/tcp/1'], noAnnounce: true, allowPrivate: true });
    expect(p.announce).toEqual([]);
    expect(shown(p)).toEqual([]);
  });

  test('--announce addresses are advertised whatever their range', () => {
    const p = announcePolicy({ announce: ['/ip4/10.0.0.5/tcp/8333'], noAnnounce: false, allowPrivate: false });
    expect(p.announce).toEqual(['/ip4/10.0.0.5/tcp/8333']);
    const mine = multiaddr('/ip4/10.0.0.5/tcp/8333/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp');
    expect(p.announceFilter([...addrs, mine]).map((a) => a.toString())).toEqual([
      '/ip4/93.184.216.34/tcp/8333',
      mine.toString(),
    ]);
  });

  test.each([
    ['/ip4/1.2.3.4/udp/1/quic', 'bad-address'],
    ['/ip4/1.2.3.4', 'bad-address'],
    ['/ip4/1.2.3.4/tcp/0', 'bad-address'],
    ['not a multiaddr', 'bad-address'],
    ['/ip4/1.2.3.4/tcp/1/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp', 'bad-address'],
  ])('announcing %s is refused with %s', (a, code) => {
    expect(() => announcePolicy({ announce: [a], noAnnounce: false, allowPrivate: false })).toThrow(
      expect.objectContaining({ code }),
    );
  });

  test('a dialable address may carry a peer id, and must when asked', () => {
    expect(parseTcpAddress('/dns4/a.example/tcp/1').toString()).toBe('/dns4/a.example/tcp/1');
    expect(() => parseTcpAddress('/ip4/1.2.3.4/tcp/1', 'required')).toThrow(/no \/p2p/);
  });
});
