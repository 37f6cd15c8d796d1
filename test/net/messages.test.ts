/**
 * Every request/response message has an encoder and a decoder, and they agree with the wire
 * layout written out by hand here: nothing on the wire is built byte by byte elsewhere.
 */
import { DecodeError } from '../../src/encoding/errors.js';
import {
  decodeHeadersRequest,
  decodeMempoolRequest,
  decodeStatus,
  decodeStatusRequest,
  encodeHeadersRequest,
  encodeMempoolRequest,
  encodeStatus,
  encodeStatusRequest,
} from '../../src/net/messages.js';
import { LIMITS } from '../../src/net/protocol.js';

const hash = (b: number) => new Uint8Array(32).fill(b);

test('status request: an empty frame, and nothing else', () => {
  expect(encodeStatusRequest()).toEqual(new Uint8Array(0));
  expect(() => decodeStatusRequest(encodeStatusRequest())).not.toThrow();
  expect(() => decodeStatusRequest(Uint8Array.of(0))).toThrow(DecodeError);
});

test('status: round trip, and the largest fits LIMITS.maxStatusBytes', () => {
  const s = { network: 'x'.repeat(32), genesis: hash(1), tip: hash(2), height: 0xffffffff, chainWork: 2n ** 256n - 1n };
  const bytes = encodeStatus(s);
  expect(bytes.length).toBeLessThanOrEqual(LIMITS.maxStatusBytes);
  expect(decodeStatus(bytes)).toEqual(s);
});

test('mempool requests: kind 0 lists; kind 1 and a hash list gets', () => {
  expect(encodeMempoolRequest({ kind: 'list' })).toEqual(Uint8Array.of(0));
  const txids = [hash(7), hash(9)];
  expect(encodeMempoolRequest({ kind: 'get', txids })).toEqual(Uint8Array.of(1, 2, ...hash(7), ...hash(9)));
  expect(decodeMempoolRequest(Uint8Array.of(0))).toEqual({ kind: 'list' });
  expect(decodeMempoolRequest(encodeMempoolRequest({ kind: 'get', txids }))).toEqual({ kind: 'get', txids });
});

test.each([
  ['empty', new Uint8Array(0), 'truncated'],
  ['an unknown kind', Uint8Array.of(7), 'bad-value'],
  ['a list with trailing bytes', Uint8Array.of(0, 0), 'trailing-bytes'],
  ['a get with a short hash', Uint8Array.of(1, 1, ...new Uint8Array(31)), 'truncated'],
  ['a get over MAX_TXS_PER_REQUEST', Uint8Array.of(1, 0xfd, 0xf5, 0x01), 'oversized'],
])('a mempool request %s is a DecodeError (%s)', (_what, bytes, code) => {
  expect(() => decodeMempoolRequest(bytes)).toThrow(expect.objectContaining({ name: 'DecodeError', code }));
});

test('headers request: round trip with and without a stop hash', () => {
  const locator = [hash(3), hash(4)];
  expect(decodeHeadersRequest(encodeHeadersRequest(locator))).toEqual({ locator, stop: new Uint8Array(32) });
  expect(decodeHeadersRequest(encodeHeadersRequest(locator, hash(5)))).toEqual({ locator, stop: hash(5) });
});
