import { ByteReader } from '../encoding/reader.js';
import { DecodeError } from '../encoding/errors.js';
import { sha256d } from '../crypto/hash.js';

export const HEADER_BYTES = 80;

/** Bitcoin's 80-byte block header. Hashes are in internal byte order. */
export interface BlockHeader {
  version: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  writeHeaderInto(h, out, 0);
  return out;
}

/** Serialize into an existing buffer (block encoding writes the header in place). */
export function writeHeaderInto(h: BlockHeader, out: Uint8Array, offset: number): void {
  if (h.prevHash.length !== 32 || h.merkleRoot.length !== 32) {
    throw new DecodeError('bad-length', 'prevHash and merkleRoot must be 32 bytes');
  }
  const v = new DataView(out.buffer, out.byteOffset + offset, HEADER_BYTES);
  v.setUint32(0, h.version >>> 0, true);
  out.set(h.prevHash, offset + 4);
  out.set(h.merkleRoot, offset + 36);
  v.setUint32(68, h.time >>> 0, true);
  v.setUint32(72, h.bits >>> 0, true);
  v.setUint32(76, h.nonce >>> 0, true);
}

export function readHeader(r: ByteReader): BlockHeader {
  const version = r.u32();
  const prevHash = r.take(32, 'prevHash');
  const merkleRoot = r.take(32, 'merkleRoot');
  const time = r.u32();
  const bits = r.u32();
  const nonce = r.u32();
  return { version, prevHash, merkleRoot, time, bits, nonce };
}

/** Exactly 80 bytes to a header; any other length is a DecodeError. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== HEADER_BYTES) {
    throw new DecodeError(
      bytes.length < HEADER_BYTES ? 'truncated' : 'trailing-bytes',
      `a header is 80 bytes, got ${bytes.length}`,
    );
  }
  return readHeader(new ByteReader(bytes));
}

/** Block hash: sha256d of the serialized header, internal byte order. */
export function headerHash(h: BlockHeader): Uint8Array {
  return sha256d(encodeHeader(h));
}
