/**
 * The chain database layout: every key space and its encoding, in one place. Nothing else in
 * powchain builds a key by hand.
 *
 *   key                                      value
 *   M 'network'                              network magic u32 (BE)          which network owns this database
 *   M 'schema'                               schema version u32 (BE)
 *   M 'tip'                                  block hash                      the connected tip
 *   M 'reindexing'                           empty                           a reindex began and has not finished
 *   b hash                                   (schemas 1 and 2 only)          blocks, moved to the block store by --reindex
 *   i hash                                   index entry (below)             header, height, work, status, sequence
 *   h height(u32 BE)                         block hash                      main chain only
 *   u txid index(u32 BE)                     coin (below)                    the UTXO set
 *   d hash                                   undo record (below)             coins a connected block spent
 *   c hash                                   UTXO commitment (48 bytes)      the UTXO set after each main-chain block
 *   x pubKeyHash height(u32 BE) txid         history (below)                 address index: each transaction touching an address
 *   a ...                                    (schema 1 only)                 cleared by reindex when upgrading
 *   n key                                    (owned by other layers)         node-level records: bans, peers
 *
 * The blocks themselves live in the block store, a database of their own (block-store.ts).
 *
 * Big-endian heights and indexes make LevelDB's byte order the numeric order, so the height index
 * and each address's history iterate oldest first.
 *
 * The address index is one record per (address, transaction), holding the indexes of the outputs
 * that pay the address: an address's unspent outputs are those outputs still in the UTXO set.
 * Schema 1 kept a copy of every coin under its address as well; `--reindex` upgrades such a
 * database in place (docs/architecture.md, "Database layout in one file").
 */
import { ByteReader } from '../encoding/reader.js';
import { ByteWriter } from '../encoding/writer.js';
import { HEAP, type Arena } from '../encoding/arena.js';
import { getU32le, putU32le, putU64le } from '../encoding/le.js';
import { decodeHeader, encodeHeader, type BlockHeader } from '../consensus/header.js';
import type { Coin } from '../consensus/coin.js';

export const SCHEMA_VERSION = 3;
/**
 * Schemas `--reindex` can upgrade from: their blocks are the same, kept in this database (`b`);
 * the upgrade moves them to the block store and rebuilds everything else.
 */
export const UPGRADABLE_SCHEMAS: readonly number[] = [1, 2];

const P = {
  meta: 0x4d, // M
  legacyBlock: 0x62, // b: schemas 1 and 2 kept the blocks here
  index: 0x69, // i
  height: 0x68, // h
  coin: 0x75, // u
  undo: 0x64, // d
  commitment: 0x63, // c
  legacyAddrCoin: 0x61, // a: schema 1's coin copies by address
  addrHistory: 0x78, // x
  node: 0x6e, // n
} as const;

const enc = new TextEncoder();

function key(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  let len = 1;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  out[0] = prefix;
  let off = 1;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function putU32be(out: Uint8Array, off: number, n: number): void {
  out[off] = n >>> 24;
  out[off + 1] = (n >>> 16) & 0xff;
  out[off + 2] = (n >>> 8) & 0xff;
  out[off + 3] = n & 0xff;
}

/**
 * prefix | a | b? | u32be(n): the shape of the coin, address-coin and history keys. Built in one
 * allocation: a block writes several of these per output, so they are a hot path.
 */
function keyWithU32(
  prefix: number,
  a: Uint8Array,
  b: Uint8Array | null,
  n: number,
  tail: Uint8Array | null = null,
  arena: Pick<Arena, 'alloc'> = HEAP,
): Uint8Array {
  const bLen = b ? b.length : 0;
  const out = arena.alloc(1 + a.length + bLen + 4 + (tail ? tail.length : 0));
  out[0] = prefix;
  out.set(a, 1);
  if (b) out.set(b, 1 + a.length);
  putU32be(out, 1 + a.length + bLen, n);
  if (tail) out.set(tail, 1 + a.length + bLen + 4);
  return out;
}

export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  putU32be(b, 0, n >>> 0);
  return b;
}

export function readU32be(b: Uint8Array, offset = 0): number {
  return ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0;
}

export const keys = {
  network: () => key(P.meta, enc.encode('network')),
  schema: () => key(P.meta, enc.encode('schema')),
  tip: () => key(P.meta, enc.encode('tip')),
  reindexing: () => key(P.meta, enc.encode('reindexing')),
  /** Schemas 1 and 2: where the blocks were before the block store. */
  legacyBlockPrefix: () => Uint8Array.of(P.legacyBlock),
  index: (hash: Uint8Array) => key(P.index, hash),
  indexPrefix: () => Uint8Array.of(P.index),
  height: (h: number) => key(P.height, u32be(h)),
  /** `arena`: where a batch's records are built (see encoding/arena.ts); plain allocation without. */
  coin: (txid: Uint8Array, index: number, arena?: Arena) => keyWithU32(P.coin, txid, null, index >>> 0, null, arena),
  coinPrefix: () => Uint8Array.of(P.coin),
  /** The unspent outputs of one transaction. */
  coinsOfTx: (txid: Uint8Array) => key(P.coin, txid),
  undo: (hash: Uint8Array) => key(P.undo, hash),
  /** The UTXO commitment after a main-chain block (utxo-commitment.ts). */
  commitment: (hash: Uint8Array) => key(P.commitment, hash),
  addrHistory: (pkh: Uint8Array, height: number, txid: Uint8Array, arena?: Arena) =>
    keyWithU32(P.addrHistory, pkh, null, height >>> 0, txid, arena),
  addrHistoryPrefix: (pkh: Uint8Array) => key(P.addrHistory, pkh),
  /** The whole address index (a transaction's lookup by txid scans it). */
  addrHistoryAll: () => Uint8Array.of(P.addrHistory),
  node: (name: string) => key(P.node, enc.encode(name)),
  /** Every key space that is chain state derived from the stored blocks (what reindex rebuilds). */
  derivedPrefixes: () =>
    [P.height, P.coin, P.undo, P.commitment, P.legacyAddrCoin, P.addrHistory].map((p) => Uint8Array.of(p)),
};

/** The exclusive upper bound of all keys starting with `prefix`, for range iteration. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  throw new RangeError('prefix has no upper bound');
}

// ---- coins ----------------------------------------------------------------------------------

/** value u64 | pubKeyHash 20 | height u32 | coinbase u8 (little-endian numbers) */
export function encodeCoin(c: Coin, arena: Pick<Arena, 'alloc'> = HEAP): Uint8Array {
  const out = arena.alloc(COIN_BYTES);
  writeCoin(c, out, 0);
  return out;
}

export const COIN_BYTES = 33;

/** A coin record written at `out[off..off+33)`. By hand, not with ByteWriter: one per output of every block. */
export function writeCoin(c: Coin, out: Uint8Array, off: number): void {
  if (c.pubKeyHash.length !== 20 || c.value < 0n || c.value > U64_MAX) {
    throw new RangeError('coin does not fit its record');
  }
  putU64le(out, off, c.value);
  out.set(c.pubKeyHash, off + 8);
  putU32le(out, off + 28, c.height);
  out[off + 32] = c.coinbase ? 1 : 0;
}

const U64_MAX = (1n << 64n) - 1n;

/** The coin record at `b[off..off+33)`, with a pubKeyHash of its own (a copy): decodeCoin without a reader. */
export function readCoinAt(b: Uint8Array, off: number): Coin {
  const lo = getU32le(b, off);
  const hi = getU32le(b, off + 4);
  // Below 2^21 in the high word the value is a safe integer: no BigInt arithmetic needed.
  const value = hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  return { value, pubKeyHash: b.slice(off + 8, off + 28), height: getU32le(b, off + 28), coinbase: b[off + 32] === 1 };
}

export function decodeCoin(b: Uint8Array): Coin {
  const r = new ByteReader(b);
  const coin = { value: r.u64(), pubKeyHash: r.take(20), height: r.u32(), coinbase: r.u8() === 1 };
  r.end('coin');
  return coin;
}

// ---- undo -------------------------------------------------------------------------------------

/** The coins a block spent, in input order (coinbase excluded): count varint | coin* */
export function encodeUndo(spent: Coin[]): Uint8Array {
  const head = new ByteWriter(9).varint(spent.length).finish();
  const out = new Uint8Array(head.length + spent.length * COIN_BYTES);
  out.set(head, 0);
  for (let i = 0, off = head.length; i < spent.length; i++, off += COIN_BYTES) writeCoin(spent[i]!, out, off);
  return out;
}

export function decodeUndo(b: Uint8Array): Coin[] {
  const r = new ByteReader(b);
  const n = r.count(Math.floor(r.remaining / 33), 'undo count');
  const out: Coin[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = decodeCoin(r.take(33));
  r.end('undo record');
  return out;
}

// ---- block index entries ----------------------------------------------------------------------

export const BlockStatus = {
  /** Header passed its checks and the block bytes are stored; not connected yet. */
  DataStored: 1,
  /** Fully validated: it was connected at least once. */
  Valid: 2,
  /** Failed validation, or descends from a block that did. Never re-validated. */
  Invalid: 3,
} as const;
export type BlockStatus = (typeof BlockStatus)[keyof typeof BlockStatus];

export interface StoredIndexEntry {
  header: BlockHeader;
  height: number;
  chainWork: bigint;
  status: BlockStatus;
  /** Order in which this node first stored the block: the tie-break between equal-work tips. */
  sequence: number;
  /** Reject code for invalid blocks (empty otherwise). */
  invalidCode: string;
  size: number;
  txCount: number;
}

/** header 80 | height u32 | chainWork 32 BE | status u8 | sequence u32 | size u32 | txCount u32 | code varbytes */
export function encodeIndexEntry(e: StoredIndexEntry): Uint8Array {
  const work = new Uint8Array(32);
  let w = e.chainWork;
  for (let i = 31; i >= 0; i--) {
    work[i] = Number(w & 0xffn);
    w >>= 8n;
  }
  return new ByteWriter(80 + 4 + 32 + 1 + 12 + 1 + e.invalidCode.length)
    .bytes(encodeHeader(e.header))
    .u32(e.height)
    .bytes(work)
    .u8(e.status)
    .u32(e.sequence)
    .u32(e.size)
    .u32(e.txCount)
    .varBytes(enc.encode(e.invalidCode))
    .finish();
}

/** The database record of an index entry, as a batch's put. */
export function indexRecord(e: StoredIndexEntry & { hash: Uint8Array }): {
  type: 'put';
  key: Uint8Array;
  value: Uint8Array;
} {
  return { type: 'put', key: keys.index(e.hash), value: encodeIndexEntry(e) };
}

export function decodeIndexEntry(b: Uint8Array): StoredIndexEntry {
  const r = new ByteReader(b);
  const header = decodeHeader(r.bytesView(80, 'header'));
  const height = r.u32();
  const workBytes = r.bytesView(32, 'chainWork');
  let chainWork = 0n;
  for (const byte of workBytes) chainWork = (chainWork << 8n) | BigInt(byte);
  const status = r.u8() as BlockStatus;
  const sequence = r.u32();
  const size = r.u32();
  const txCount = r.u32();
  const invalidCode = new TextDecoder().decode(r.varBytes(64, 'invalid code'));
  r.end('index entry');
  return { header, height, chainWork, status, sequence, size, txCount, invalidCode };
}

// ---- address history --------------------------------------------------------------------------

/** received u64 | sent u64 | count varint | output index varint*: the outputs paying the address. */
export function encodeHistory(
  received: bigint,
  sent: bigint,
  outputs: readonly number[] = [],
  arena: Pick<Arena, 'alloc'> = HEAP,
): Uint8Array {
  if (received < 0n || received > U64_MAX || sent < 0n || sent > U64_MAX)
    throw new RangeError('history amount out of range');
  // Nearly every transaction pays an address one or two outputs below index 253: one byte each.
  if (outputs.length < 0xfd && outputs.every((i) => i >= 0 && i < 0xfd && Number.isInteger(i))) {
    const out = arena.alloc(17 + outputs.length);
    putU64le(out, 0, received);
    putU64le(out, 8, sent);
    out[16] = outputs.length;
    for (let i = 0; i < outputs.length; i++) out[17 + i] = outputs[i]!;
    return out;
  }
  const w = new ByteWriter(16 + 1 + outputs.length * 3).u64(received).u64(sent).varint(outputs.length);
  for (const i of outputs) w.varint(i);
  return w.finish();
}

export function decodeHistory(b: Uint8Array): { received: bigint; sent: bigint; outputs: number[] } {
  const r = new ByteReader(b);
  const received = r.u64();
  const sent = r.u64();
  const n = r.count(r.remaining, 'history outputs');
  const outputs: number[] = new Array(n);
  for (let i = 0; i < n; i++) outputs[i] = r.count(0xffffffff, 'output index');
  r.end('history record');
  return { received, sent, outputs };
}
