import { ByteReader } from '../encoding/reader.js';
import { ByteWriter } from '../encoding/writer.js';
import { HEADER_BYTES, encodeHeader, readHeader, type BlockHeader } from '../consensus/header.js';
import { LIMITS } from './protocol.js';

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
  const genesis = r.take(32);
  const tip = r.take(32);
  const height = r.u32();
  let chainWork = 0n;
  for (const byte of r.bytesView(32, 'chain work')) chainWork = (chainWork << 8n) | BigInt(byte);
  r.end('status');
  return { network, genesis, tip, height, chainWork };
}

/** headers request: varint n | n × 32-byte locator hashes | 32-byte stop hash (zeros: no stop). */
export function encodeHeadersRequest(locator: Uint8Array[], stop: Uint8Array = new Uint8Array(32)): Uint8Array {
  const w = new ByteWriter(1 + locator.length * 32 + 32).varint(locator.length);
  for (const h of locator) w.bytes(h);
  return w.bytes(stop).finish();
}

export function decodeHeadersRequest(b: Uint8Array): { locator: Uint8Array[]; stop: Uint8Array } {
  const r = new ByteReader(b);
  const n = r.count(LIMITS.maxLocator, 'locator length');
  const locator: Uint8Array[] = [];
  for (let i = 0; i < n; i++) locator.push(r.take(32));
  const stop = r.take(32);
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
  const w = new ByteWriter(5 + hashes.length * 32).varint(hashes.length);
  for (const h of hashes) w.bytes(h);
  return w.finish();
}

export function decodeHashes(b: Uint8Array, max: number): Uint8Array[] {
  const r = new ByteReader(b);
  const n = r.count(max, 'hash count');
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.take(32));
  r.end('hash list');
  return out;
}

/** Mempool requests start with a kind byte: list the txids, or send these transactions. */
export const MempoolRequest = { List: 0, Get: 1 } as const;
