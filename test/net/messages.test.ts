/**
 * Every request/response message has an encoder and a decoder, and they agree with the wire
 * layout written out by hand here: nothing on the wire is built byte by byte elsewhere.
 */
import { DecodeError } from '../../src/encoding/errors.js';
import { headerHash, type BlockHeader } from '../../src/consensus/header.js';
import {
  decodeHashes,
  decodeHeaders,
  decodeHeadersRequest,
  decodeMempoolRequest,
  decodeStatus,
  decodeStatusRequest,
  encodeHashes,
  encodeHeaders,
  encodeHeadersRequest,
  encodeMempoolRequest,
  encodeStatus,
  encodeStatusRequest,
  MAX_FRAME_BYTES,
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

test('the largest message of each kind is exactly its MAX_FRAME_BYTES, and decodes', () => {
  const hashes = (n: number) => Array.from({ length: n }, (_, i) => hash(i % 256));
  const header: BlockHeader = {
    version: 1,
    prevHash: hash(1),
    merkleRoot: hash(2),
    time: 1_700_000_000,
    bits: 0x207fffff,
    nonce: 7,
  };
  const largest = {
    headersRequest: encodeHeadersRequest(hashes(LIMITS.maxLocator), hash(9)),
    headers: encodeHeaders(Array.from({ length: LIMITS.maxHeaders }, () => header)),
    blocksRequest: encodeHashes(hashes(LIMITS.maxBlocksPerRequest)),
    mempoolRequest: encodeMempoolRequest({ kind: 'get', txids: hashes(LIMITS.maxTxsPerRequest) }),
    mempoolList: encodeHashes(hashes(LIMITS.maxMempoolIds)),
  };
  for (const [kind, bytes] of Object.entries(largest))
    expect([kind, bytes.length]).toEqual([kind, MAX_FRAME_BYTES[kind as keyof typeof largest]]);
  expect(decodeHeadersRequest(largest.headersRequest).locator).toHaveLength(LIMITS.maxLocator);
  const decoded = decodeHeaders(largest.headers);
  expect(decoded).toHaveLength(LIMITS.maxHeaders);
  expect(headerHash(decoded[0]!)).toEqual(headerHash(header));
  expect(decodeHashes(largest.blocksRequest, LIMITS.maxBlocksPerRequest)).toHaveLength(LIMITS.maxBlocksPerRequest);
  expect(decodeMempoolRequest(largest.mempoolRequest)).toMatchObject({ kind: 'get' });
  expect(decodeHashes(largest.mempoolList, LIMITS.maxMempoolIds)).toHaveLength(LIMITS.maxMempoolIds);
  // A status request is an empty frame; its bound leaves room for junk to be read and refused.
  expect(encodeStatusRequest().length).toBeLessThan(MAX_FRAME_BYTES.statusRequest);
});
