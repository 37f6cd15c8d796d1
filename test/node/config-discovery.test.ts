import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile, resolveConfig } from '../../src/node/config.js';

const SEED = '/ip4/198.51.100.7/tcp/18444/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';

describe('discovery options', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'powchain-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('defaults: the network seeds, the listen address advertised, 8 outbound peers, 2 per group', () => {
    const c = resolveConfig({ network: 'regtest' });
    expect(c).toMatchObject({ announce: [], noAnnounce: false, announcePrivate: false, maxOutbound: 8 });
    expect(c.maxOutboundPerGroup).toBe(2);
    expect(c.bootstrap).toBeUndefined();
  });

  test('flags: repeatable --bootstrap and --announce; --no-announce', () => {
    const c = resolveConfig({
      network: 'main',
      bootstrap: [SEED, '/dns4/seed.example.org/tcp/8333'],
      announce: ['/ip4/93.184.216.34/tcp/8333'],
      announcePrivate: true,
      maxOutbound: '12',
      maxOutboundPerGroup: '1',
    });
    expect(c.bootstrap).toEqual([SEED, '/dns4/seed.example.org/tcp/8333']);
    expect(c).toMatchObject({ announce: ['/ip4/93.184.216.34/tcp/8333'], announcePrivate: true, maxOutbound: 12 });
    expect(c.maxOutboundPerGroup).toBe(1);
    // commander turns --no-announce into announce=false.
    expect(resolveConfig({ network: 'main', announce: false })).toMatchObject({ announce: [], noAnnounce: true });
  });

  test('a config file: repeated keys add up, flags win', () => {
    const path = join(dir, 'node.conf');
    writeFileSync(
      path,
      `network=testnet\nbootstrap=${SEED}\nbootstrap=/ip4/198.51.100.8/tcp/1\nno-announce=1\nmax-outbound=3\n`,
    );
    const file = readConfigFile(path);
    const c = resolveConfig({}, file);
    expect(c.bootstrap).toEqual([SEED, '/ip4/198.51.100.8/tcp/1']);
    expect(c).toMatchObject({ noAnnounce: true, announce: [], maxOutbound: 3 });
    expect(resolveConfig({ bootstrap: ['/ip4/198.51.100.9/tcp/2'] }, file).bootstrap).toEqual([
      '/ip4/198.51.100.9/tcp/2',
    ]);
  });

  test.each([
    [{ bootstrap: ['/ip4/1.2.3.4/udp/1'] }, /--bootstrap: '\/ip4\/1.2.3.4\/udp\/1' must be \/ip4, \/ip6 or \/dns/],
    [{ bootstrap: ['seed.example.org:8333'] }, /--bootstrap: 'seed.example.org:8333' is not a multiaddr/],
    [{ announce: [SEED] }, /--announce: .* leave out \/p2p/],
    [{ announce: ['/ip4/1.2.3.4/tcp/70000'] }, /--announce: /],
    [{ maxOutbound: '-1' }, /--max-outbound must be an integer from 0 to 1000/],
    [{ maxOutboundPerGroup: '0' }, /--max-outbound-per-group must be an integer from 1 to 1000/],
  ])('%j is refused: %s', (flags, message) => {
    expect(() => resolveConfig({ network: 'regtest', ...flags })).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringMatching(message) }),
    );
  });
});
