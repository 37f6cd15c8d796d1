import { ByteReader } from '../encoding/reader.js';
import { DecodeError } from '../encoding/errors.js';
import { bytesKey, bytesToHex } from '../encoding/hex.js';
import { ByteWriter, varintSize } from '../encoding/writer.js';
import { sha256d } from '../crypto/hash.js';

/** A reference to one output of an earlier transaction. */
export interface OutPoint {
  txid: Uint8Array;
  index: number;
}

export interface TxInput {
  prevTxid: Uint8Array;
  prevIndex: number;
  /** Spend: compressed pubkey (33) || r||s (64). Coinbase: height u32 || extraNonce u64 || free bytes. */
  unlock: Uint8Array;
}

export interface TxOutput {
  /** Base units. */
  value: bigint;
  pubKeyHash: Uint8Array;
}

export interface Transaction {
  version: number;
  inputs: TxInput[];
  outputs: TxOutput[];
  lockTime: number;
}

/** Sizes that bound decoding: nothing is allocated from a count larger than the input allows. */
export const MIN_INPUT_BYTES = 32 + 4 + 1;
export const OUTPUT_BYTES = 8 + 20;
/** Large enough for every valid unlock (97 for a spend, ≤ 100 for a coinbase); rules check exact sizes. */
export const MAX_UNLOCK_BYTES = 1_000;

export const COINBASE_PREV_INDEX = 0xffffffff;

export function isCoinbaseInput(input: TxInput): boolean {
  return input.prevIndex === COINBASE_PREV_INDEX && input.prevTxid.every((b) => b === 0);
}

/** A coinbase has exactly one input with the null prevout. */
export function isCoinbase(tx: Transaction): boolean {
  return tx.inputs.length === 1 && isCoinbaseInput(tx.inputs[0]!);
}

export function txSize(tx: Transaction): number {
  let n = 4 + varintSize(tx.inputs.length) + varintSize(tx.outputs.length) + 4;
  for (const i of tx.inputs) n += 36 + varintSize(i.unlock.length) + i.unlock.length;
  n += tx.outputs.length * OUTPUT_BYTES;
  return n;
}

export function writeTx(w: ByteWriter, tx: Transaction): void {
  // Fixed-size fields of the wrong size would shift every later byte: the txid would commit to
  // bytes that decode to a different transaction (as header encoding, refuse rather than write).
  w.u32(tx.version).varint(tx.inputs.length);
  for (const i of tx.inputs) {
    if (i.prevTxid.length !== 32) throw new DecodeError('bad-length', 'prevTxid must be 32 bytes');
    w.bytes(i.prevTxid).u32(i.prevIndex).varBytes(i.unlock);
  }
  w.varint(tx.outputs.length);
  for (const o of tx.outputs) {
    if (o.pubKeyHash.length !== 20) throw new DecodeError('bad-length', 'pubKeyHash must be 20 bytes');
    w.u64(o.value).bytes(o.pubKeyHash);
  }
  w.u32(tx.lockTime);
}

export function encodeTx(tx: Transaction): Uint8Array {
  const w = new ByteWriter(txSize(tx));
  writeTx(w, tx);
  return w.finish();
}

/**
 * One transaction from `r`. By default its byte fields are copies, so a transaction outlives the
 * message it came in. `views: true` makes them views into the input instead, for a block's
 * transactions: they live as long as the block, which is kept whole anyway, and a block of
 * thousands of inputs then decodes without thousands of small copies (and their collection).
 * A views transaction keeps its whole block alive: copy it (decodeTx(encodeTx(tx))) to keep it
 * apart from the block.
 */
export function readTx(r: ByteReader, views = false): Transaction {
  const version = r.u32();
  const nIn = r.count(Math.floor(r.remaining / MIN_INPUT_BYTES), 'input count');
  const inputs: TxInput[] = new Array(nIn);
  for (let k = 0; k < nIn; k++) {
    const prevTxid = views ? r.bytesView(32, 'prevTxid') : r.take(32, 'prevTxid');
    const prevIndex = r.u32();
    const max = Math.min(MAX_UNLOCK_BYTES, r.remaining);
    const unlock = views ? r.varBytesView(max, 'unlock') : r.varBytes(max, 'unlock');
    inputs[k] = { prevTxid, prevIndex, unlock };
  }
  const nOut = r.count(Math.floor(r.remaining / OUTPUT_BYTES), 'output count');
  const outputs: TxOutput[] = new Array(nOut);
  for (let k = 0; k < nOut; k++) {
    const value = r.u64();
    const pubKeyHash = views ? r.bytesView(20, 'pubKeyHash') : r.take(20, 'pubKeyHash');
    outputs[k] = { value, pubKeyHash };
  }
  const lockTime = r.u32();
  return { version, inputs, outputs, lockTime };
}

/** Exactly one transaction; trailing bytes are an error. */
export function decodeTx(bytes: Uint8Array): Transaction {
  const r = new ByteReader(bytes);
  const tx = readTx(r);
  r.end('transaction');
  return tx;
}

/** txid = sha256d of the serialization, internal byte order. */
export function txid(tx: Transaction): Uint8Array {
  return sha256d(encodeTx(tx));
}

/** Where outpoint map keys are built: one flat string per key, with nothing else allocated. */
const KEY = Buffer.alloc(1 + 32 + 4);
KEY[0] = 32;

/**
 * A map key for an outpoint: one Latin-1 character per byte of the txid's length (32), the txid,
 * and the index as four little-endian bytes, made in one step as a flat string. Building it from
 * a hex or Latin-1 txid plus a decimal index took several strings per key (and a flatten when the
 * map hashed it); blocks look up and create several keys per transaction. A txid of another length
 * takes the general form, whose first character is its length: the two kinds never collide.
 */
export function outpointMapKey(txid: Uint8Array, index: number): string {
  // Four bytes hold any output index; anything else would alias another key (2^32 as 0).
  if (index >>> 0 !== index) throw new RangeError(`output index ${index} is not a u32`);
  if (txid.length !== 32) return `${String.fromCharCode(txid.length)}${bytesKey(txid)}:${index}`;
  KEY.set(txid, 1);
  KEY[33] = index & 0xff;
  KEY[34] = (index >>> 8) & 0xff;
  KEY[35] = (index >>> 16) & 0xff;
  KEY[36] = index >>> 24;
  return KEY.toString('latin1', 0, KEY.length);
}

/** A string key for maps and sets of outpoints: the hex txid, a colon, the index (flat: see bytesToHex). */
export function outpointKey(txidBytes: Uint8Array, index: number): string {
  return `${bytesToHex(txidBytes.subarray(0, 32))}:${index}`;
}

export function totalOutput(tx: Transaction): bigint {
  let sum = 0n;
  for (const o of tx.outputs) sum += o.value;
  return sum;
}
