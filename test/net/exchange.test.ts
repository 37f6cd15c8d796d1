import { ByteWriter } from '../../src/encoding/writer.js';
import {
  decodeExchange,
  decodeExchangeRequest,
  encodeExchange,
  EXCHANGE_LIMITS,
} from '../../src/net/discovery/exchange.js';

const ID = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('peer exchange messages', () => {
  test('an address list round-trips', () => {
    const peers = [
      { id: ID, addrs: ['/ip4/93.184.216.34/tcp/8333', '/dns4/node.example.org/tcp/8333'] },
      { id: ID, addrs: ['/ip6/2a00:1450::1/tcp/1'] },
    ];
    expect(decodeExchange(encodeExchange(peers))).toEqual(peers);
  });

  test('the encoder never writes more than the limits', () => {
    const many = Array.from({ length: 50 }, () => ({ id: ID, addrs: Array(9).fill('/ip4/1.1.1.1/tcp/1') as string[] }));
    const frame = encodeExchange(many);
    expect(frame.length).toBeLessThanOrEqual(EXCHANGE_LIMITS.maxFrameBytes);
    const back = decodeExchange(frame);
    expect(back).toHaveLength(EXCHANGE_LIMITS.maxPeers);
    expect(back[0]!.addrs).toHaveLength(4);
  });

  const frame = (build: (w: ByteWriter) => void) => {
    const w = new ByteWriter();
    build(w);
    return w.finish();
  };

  test.each([
    ['more peers than allowed', frame((w) => w.varint(EXCHANGE_LIMITS.maxPeers + 1)), 'oversized'],
    ['a huge count', frame((w) => w.varint(2n ** 60n)), 'oversized'],
    [
      'a truncated list',
      frame((w) => w.varint(2).varBytes(utf8(ID)).varint(1).varBytes(utf8('/ip4/1.1.1.1/tcp/1'))),
      'truncated',
    ],
    ['a peer with no address', frame((w) => w.varint(1).varBytes(utf8(ID)).varint(0)), 'bad-value'],
    ['five addresses', frame((w) => w.varint(1).varBytes(utf8(ID)).varint(5)), 'oversized'],
    [
      'a UDP address',
      frame((w) => w.varint(1).varBytes(utf8(ID)).varint(1).varBytes(utf8('/ip4/1.1.1.1/udp/1'))),
      'bad-value',
    ],
    [
      'an address with a peer id',
      frame((w) =>
        w
          .varint(1)
          .varBytes(utf8(ID))
          .varint(1)
          .varBytes(utf8(`/ip4/1.1.1.1/tcp/1/p2p/${ID}`)),
      ),
      'bad-value',
    ],
    ['a long id', frame((w) => w.varint(1).varBytes(new Uint8Array(301))), 'oversized'],
    ['an id that is not UTF-8', frame((w) => w.varint(1).varBytes(Uint8Array.of(0xff, 0xfe))), 'bad-value'],
    ['bytes after the list', Uint8Array.of(0, 0), 'trailing-bytes'],
  ])('%s is a DecodeError', (_what, bytes, code) => {
    expect(() => decodeExchange(bytes)).toThrow(expect.objectContaining({ name: 'DecodeError', code }));
  });

  test('a request is an empty frame', () => {
    expect(() => decodeExchangeRequest(new Uint8Array(0))).not.toThrow();
    expect(() => decodeExchangeRequest(Uint8Array.of(1))).toThrow(expect.objectContaining({ code: 'trailing-bytes' }));
  });
});
