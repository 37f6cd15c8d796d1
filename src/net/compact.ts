/**
 * Compact blocks on the wire (BIP 152's encoding, adapted to gossip): a block as its header, a
 * per-block salt, a 6-byte short id for each transaction its receivers probably have, and the
 * transactions they cannot have (the coinbase) in full. And the request/response pair that
 * fetches the transactions a receiver lacked. docs/protocol.md has the byte layouts.
 */
import { randomBytes } from 'node:crypto';
import { sha256, sha256d } from '../crypto/hash.js';
import { sipKey, siphash24, type SipKey } from '../crypto/siphash.js';
import { encodeHeader, HEADER_BYTES, readHeader, type BlockHeader } from '../consensus/header.js';
import { readTx, txSize, writeTx, type Transaction } from '../consensus/tx.js';
import { DecodeError } from '../encoding/errors.js';
import { ByteReader } from '../encoding/reader.js';
import { ByteWriter } from '../encoding/writer.js';

export const SHORT_ID_BYTES = 6;
export const SALT_BYTES = 8;
/** The smallest serialized transaction (version, two empty counts, lockTime): bounds every count. */
const MIN_TX_BYTES = 10;

export interface PrefilledTx {
  /** Position in the block. */
  index: number;
  tx: Transaction;
}

export interface CompactBlock {
  header: BlockHeader;
  /** Chosen by the peer that announced the block first, relayed unchanged (gossip ids are content hashes). */
  salt: Uint8Array;
  /** Short ids of the transactions that are not prefilled, in block order (48-bit integers). */
  shortIds: number[];
  /** Ascending by index; always the coinbase, at index 0. */
  prefilled: PrefilledTx[];
}

/** The most transactions a block of `maxBlockBytes` can hold: every count on the wire is bounded by it. */
export function maxBlockTxs(maxBlockBytes: number): number {
  return Math.floor((maxBlockBytes - HEADER_BYTES) / MIN_TX_BYTES);
}

/**
 * The short-id function of one compact block: SipHash-2-4 of a txid, keyed by the first 16 bytes
 * of SHA-256(header || salt), truncated to its low 48 bits. A per-block key means nobody can
 * craft transactions whose short ids collide in every block; the salt makes it unpredictable to
 * whoever did not announce the block.
 */
export function shortIdFunction(header: BlockHeader, salt: Uint8Array): (txid: Uint8Array) => number {
  const seed = new Uint8Array(HEADER_BYTES + SALT_BYTES);
  seed.set(encodeHeader(header), 0);
  seed.set(salt, HEADER_BYTES);
  const key: SipKey = sipKey(sha256(seed));
  const out = new Uint32Array(2);
  return (txid) => {
    siphash24(key, txid, out);
    return (out[0]! & 0xffff) * 0x1_0000_0000 + out[1]!;
  };
}

/** A compact form of `txs` (with their txids): the coinbase prefilled, the rest as short ids. */
export function makeCompactBlock(
  header: BlockHeader,
  txs: readonly Transaction[],
  txids: readonly Uint8Array[],
  salt: Uint8Array = randomBytes(SALT_BYTES),
): CompactBlock {
  const shortId = shortIdFunction(header, salt);
  const shortIds: number[] = [];
  for (let i = 1; i < txids.length; i++) shortIds.push(shortId(txids[i]!));
  return { header, salt, shortIds, prefilled: txs.length > 0 ? [{ index: 0, tx: txs[0]! }] : [] };
}

/** Transactions in the block: short ids and prefilled together. */
export function compactTxCount(cb: CompactBlock): number {
  return cb.shortIds.length + cb.prefilled.length;
}

/**
 * compact block: header 80 | salt 8 | varint n | n × short id (6 bytes, little-endian) |
 * varint p | p × (varint index delta | tx). The first prefilled index is its delta; each next
 * one is the previous index + 1 + its delta (BIP 152's differential encoding).
 */
export function encodeCompactBlock(cb: CompactBlock): Uint8Array {
  let size = HEADER_BYTES + SALT_BYTES + 9 + cb.shortIds.length * SHORT_ID_BYTES + 9;
  for (const p of cb.prefilled) size += 5 + txSize(p.tx);
  const w = new ByteWriter(size).bytes(encodeHeader(cb.header)).bytes(cb.salt).varint(cb.shortIds.length);
  const id = new Uint8Array(SHORT_ID_BYTES);
  for (const s of cb.shortIds) {
    let v = s;
    for (let b = 0; b < SHORT_ID_BYTES; b++) {
      id[b] = v % 256;
      v = Math.floor(v / 256);
    }
    w.bytes(id);
  }
  w.varint(cb.prefilled.length);
  let last = -1;
  for (const p of cb.prefilled) {
    w.varint(p.index - last - 1);
    writeTx(w, p.tx);
    last = p.index;
  }
  return w.finish();
}

/**
 * Decode a compact block, checking its shape: at least one transaction, at most `maxTxs`, and
 * every prefilled index inside the block. Anything else is a DecodeError (the sender's fault).
 */
export function decodeCompactBlock(bytes: Uint8Array, maxTxs: number): CompactBlock {
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  const salt = r.take(SALT_BYTES, 'salt');
  const n = r.count(Math.min(maxTxs, Math.floor(r.remaining / SHORT_ID_BYTES)), 'short id count');
  const shortIds: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const b = r.bytesView(SHORT_ID_BYTES, 'short id');
    shortIds[i] =
      (b[4]! | (b[5]! << 8)) * 0x1_0000_0000 + ((b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0);
  }
  const p = r.count(Math.min(maxTxs - n, Math.floor(r.remaining / (1 + MIN_TX_BYTES))), 'prefilled count');
  if (n + p === 0) throw new DecodeError('bad-value', 'a compact block of no transactions');
  const prefilled: PrefilledTx[] = [];
  let last = -1;
  for (let i = 0; i < p; i++) {
    const index = last + 1 + r.count(n + p, 'prefilled index delta');
    if (index >= n + p) throw new DecodeError('bad-value', `prefilled index ${index} outside a block of ${n + p}`);
    prefilled.push({ index, tx: readTx(r) });
    last = index;
  }
  r.end('compact block');
  return { header, salt, shortIds, prefilled };
}

/** A request for some transactions of a block, by position. */
export interface BlockTxnRequest {
  hash: Uint8Array;
  /** Ascending, no repeats. */
  indexes: number[];
}

/** blocktxn request: block hash 32 | varint n | n × varint index delta (differential, as prefilled indexes). */
export function encodeBlockTxnRequest(req: BlockTxnRequest): Uint8Array {
  const w = new ByteWriter(32 + 9 + req.indexes.length * 3).bytes(req.hash).varint(req.indexes.length);
  let last = -1;
  for (const i of req.indexes) {
    w.varint(i - last - 1);
    last = i;
  }
  return w.finish();
}

export function decodeBlockTxnRequest(bytes: Uint8Array, maxTxs: number): BlockTxnRequest {
  const r = new ByteReader(bytes);
  const hash = r.take(32, 'block hash');
  const n = r.count(Math.min(maxTxs, r.remaining), 'index count');
  if (n === 0) throw new DecodeError('bad-value', 'a blocktxn request for no transactions');
  const indexes: number[] = new Array(n);
  let last = -1;
  for (let i = 0; i < n; i++) {
    last = last + 1 + r.count(maxTxs, 'index delta');
    if (last >= maxTxs) throw new DecodeError('oversized', `index ${last} beyond the largest block`);
    indexes[i] = last;
  }
  r.end('blocktxn request');
  return { hash, indexes };
}

/** blocktxn response: block hash 32 | varint n | n × tx, in the order asked for (an empty frame: not here). */
export function encodeBlockTxnResponse(hash: Uint8Array, txs: readonly Transaction[]): Uint8Array {
  let size = 32 + 9;
  for (const tx of txs) size += txSize(tx);
  const w = new ByteWriter(size).bytes(hash).varint(txs.length);
  for (const tx of txs) writeTx(w, tx);
  return w.finish();
}

/** The transactions of a blocktxn response, each with its txid (hashed from its own bytes). */
export function decodeBlockTxnResponse(
  bytes: Uint8Array,
  maxTxs: number,
): { hash: Uint8Array; txs: Transaction[]; txids: Uint8Array[] } {
  const r = new ByteReader(bytes);
  const hash = r.take(32, 'block hash');
  const n = r.count(Math.min(maxTxs, Math.floor(r.remaining / MIN_TX_BYTES)), 'transaction count');
  const txs: Transaction[] = new Array(n);
  const txids: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const start = r.offset;
    txs[i] = readTx(r);
    txids[i] = sha256d(bytes.subarray(start, r.offset));
  }
  r.end('blocktxn response');
  return { hash, txs, txids };
}
