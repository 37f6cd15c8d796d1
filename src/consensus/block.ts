import { ByteReader } from '../encoding/reader.js';
import { DecodeError } from '../encoding/errors.js';
import { ByteWriter, varintSize } from '../encoding/writer.js';
import { HEADER_BYTES, readHeader, writeHeaderInto, type BlockHeader } from './header.js';
import { readTx, txSize, txid, writeTx, type Transaction } from './tx.js';
import { sha256d } from '../crypto/hash.js';

export interface Block {
  header: BlockHeader;
  txs: Transaction[];
}

/**
 * Smallest transaction readTx accepts: version, two 1-byte counts of zero, lockTime. It bounds the
 * transaction count before allocation; it must not assume an input (a tx without one is decodable
 * and rejected later by the rules with bad-txns-vin-empty), or valid encodings would be refused.
 */
const MIN_TX_BYTES = 4 + 1 + 1 + 4;

export function blockSize(b: Block): number {
  let n = HEADER_BYTES + varintSize(b.txs.length);
  for (const tx of b.txs) n += txSize(tx);
  return n;
}

export function encodeBlock(b: Block): Uint8Array {
  const size = blockSize(b);
  const w = new ByteWriter(size);
  const header = new Uint8Array(HEADER_BYTES);
  writeHeaderInto(b.header, header, 0);
  w.bytes(header).varint(b.txs.length);
  for (const tx of b.txs) writeTx(w, tx);
  return w.finish();
}

export interface DecodedBlock extends Block {
  /** txids computed from the input bytes while decoding (no re-serialization). */
  txids: Uint8Array[];
}

/**
 * Decode a whole block, computing each txid from its own byte span of the input. `maxBytes`
 * bounds the input before anything is read (a gossip or request handler passes the network's
 * block size limit). The transactions' byte fields are views into `bytes` (readTx with views):
 * `bytes` must not change afterwards, and a transaction kept apart from its block must be copied.
 */
export function decodeBlockWithTxids(bytes: Uint8Array, maxBytes = Number.MAX_SAFE_INTEGER): DecodedBlock {
  return decodeBlockFrom(bytes, maxBytes, true);
}

function decodeBlockFrom(bytes: Uint8Array, maxBytes: number, views: boolean): DecodedBlock {
  if (bytes.length > maxBytes) {
    throw new DecodeError('oversized', `block of ${bytes.length} bytes exceeds ${maxBytes}`);
  }
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  const n = r.count(Math.floor(r.remaining / MIN_TX_BYTES), 'transaction count');
  const txs: Transaction[] = new Array(n);
  const txids: Uint8Array[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const start = r.offset;
    txs[k] = readTx(r, views);
    txids[k] = sha256d(bytes.subarray(start, r.offset));
  }
  r.end('block');
  return { header, txs, txids };
}

/** A block whose transactions own their fields (copies): it may outlive `bytes`, which may change. */
export function decodeBlock(bytes: Uint8Array): Block {
  const { header, txs } = decodeBlockFrom(bytes, Number.MAX_SAFE_INTEGER, false);
  return { header, txs };
}

export function blockTxids(b: Block): Uint8Array[] {
  return b.txs.map(txid);
}
