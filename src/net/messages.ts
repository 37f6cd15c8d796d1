import { ByteReader } from '../encoding/reader.js';
import { ByteWriter, varintSize } from '../encoding/writer.js';
import { HEADER_BYTES, encodeHeader, readHeader, type BlockHeader } from '../consensus/header.js';
import { DecodeError } from '../encoding/errors.js';
import { LIMITS } from './protocol.js';

/** A block or transaction hash on the wire: 32 bytes, internal byte order. */
export const HASH_BYTES = 32;

/** A count-prefixed list of at most `max` hashes (encodeHashes). */
function hashListBytes(max: number): number {
  return varintSize(max) + max * HASH_BYTES;
}

/**
 * The largest frame of each message, from LIMITS and the encodings below: what a request or a
 * response frame is bounded by before it is read (reqresp aborts a longer one as oversized).
 */
export const MAX_FRAME_BYTES = {
  /** An empty frame; a few bytes more are read so that junk is a bad frame, not an oversized one. */
  statusRequest: 16,
  status: LIMITS.maxStatusBytes,
  headersRequest: hashListBytes(LIMITS.maxLocator) + HASH_BYTES,
  headers: varintSize(LIMITS.maxHeaders) + LIMITS.maxHeaders * HEADER_BYTES,
  blocksRequest: hashListBytes(LIMITS.maxBlocksPerRequest),
  mempoolRequest: 1 + hashListBytes(LIMITS.maxTxsPerRequest),
  mempoolList: hashListBytes(LIMITS.maxMempoolIds),
} as const;

/** What a peer says about its chain when asked. */
export interface StatusMessage {
  network: string;
  genesis: Uint8Array;
  tip: Uint8Array;
  height: number;
  chainWork: bigint;
}

function work32(w: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(w & 0xffn);
    w >>= 8n;
  }
  return out;
}

/** status request: an empty frame. */
export function encodeStatusRequest(): Uint8Array {
  return new Uint8Array(0);
}

/** Anything but an empty frame is not a status request. */
export function decodeStatusRequest(b: Uint8Array): void {
  if (b.length !== 0) throw new DecodeError('trailing-bytes', `status request of ${b.length} bytes (expected none)`);
}

export function encodeStatus(s: StatusMessage): Uint8Array {
  return new ByteWriter(128)
    .varBytes(new TextEncoder().encode(s.network))
    .bytes(s.genesis)
    .bytes(s.tip)
    .u32(s.height)
    .bytes(work32(s.chainWork))
    .finish();
}

export function decodeStatus(b: Uint8Array): StatusMessage {
  const r = new ByteReader(b);
  const network = new TextDecoder().decode(r.varBytes(32, 'network name'));
  const genesis = r.take(HASH_BYTES);
  const tip = r.take(HASH_BYTES);
  const height = r.u32();
  let chainWork = 0n;
  for (const byte of r.bytesView(32, 'chain work')) chainWork = (chainWork << 8n) | BigInt(byte);
  r.end('status');
  return { network, genesis, tip, height, chainWork };
}

/** headers request: varint n | n × 32-byte locator hashes | 32-byte stop hash (zeros: no stop). */
export function encodeHeadersRequest(locator: Uint8Array[], stop: Uint8Array = new Uint8Array(32)): Uint8Array {
  const w = new ByteWriter(hashListBytes(locator.length) + HASH_BYTES).varint(locator.length);
  for (const h of locator) w.bytes(h);
  return w.bytes(stop).finish();
}

export function decodeHeadersRequest(b: Uint8Array): { locator: Uint8Array[]; stop: Uint8Array } {
  const r = new ByteReader(b);
  const n = r.count(LIMITS.maxLocator, 'locator length');
  const locator: Uint8Array[] = [];
  for (let i = 0; i < n; i++) locator.push(r.take(HASH_BYTES));
  const stop = r.take(HASH_BYTES);
  r.end('headers request');
  return { locator, stop };
}

export function encodeHeaders(headers: BlockHeader[]): Uint8Array {
  const w = new ByteWriter(3 + headers.length * HEADER_BYTES).varint(headers.length);
  for (const h of headers) w.bytes(encodeHeader(h));
  return w.finish();
}

export function decodeHeaders(b: Uint8Array): BlockHeader[] {
  const r = new ByteReader(b);
  const n = r.count(LIMITS.maxHeaders, 'header count');
  const out: BlockHeader[] = [];
  for (let i = 0; i < n; i++) out.push(readHeader(r));
  r.end('headers');
  return out;
}

/** A list of 32-byte hashes (blocks request, mempool listing and mempool request). */
export function encodeHashes(hashes: Uint8Array[]): Uint8Array {
  const w = new ByteWriter(hashListBytes(hashes.length)).varint(hashes.length);
  for (const h of hashes) w.bytes(h);
  return w.finish();
}

export function decodeHashes(b: Uint8Array, max: number): Uint8Array[] {
  const r = new ByteReader(b);
  const n = r.count(max, 'hash count');
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.take(HASH_BYTES));
  r.end('hash list');
  return out;
}

/** Mempool requests start with a kind byte: list the txids, or send these transactions. */
const MEMPOOL_LIST = 0;
const MEMPOOL_GET = 1;

export type MempoolRequest = { kind: 'list' } | { kind: 'get'; txids: Uint8Array[] };

/** mempool request: kind 0 (list the txids), or kind 1 | a hash list (send these transactions). */
export function encodeMempoolRequest(req: MempoolRequest): Uint8Array {
  if (req.kind === 'list') return Uint8Array.of(MEMPOOL_LIST);
  const w = new ByteWriter(1 + hashListBytes(req.txids.length)).u8(MEMPOOL_GET).varint(req.txids.length);
  for (const id of req.txids) w.bytes(id);
  return w.finish();
}

export function decodeMempoolRequest(b: Uint8Array): MempoolRequest {
  const r = new ByteReader(b);
  const kind = r.u8();
  if (kind === MEMPOOL_LIST) {
    r.end('mempool list request');
    return { kind: 'list' };
  }
  if (kind !== MEMPOOL_GET) throw new DecodeError('bad-value', `unknown mempool request kind ${kind}`);
  return { kind: 'get', txids: decodeHashes(b.subarray(1), LIMITS.maxTxsPerRequest) };
}

/** The empty response frame: the peer does not have the block or transaction asked for. */
export const NOT_HERE: Uint8Array = new Uint8Array(0);

export function isNotHere(frame: Uint8Array): boolean {
  return frame.length === 0;
}
