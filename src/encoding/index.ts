/**
 * encoding: the bottom layer. Length-checked ByteReader/ByteWriter, minimal CompactSize, hex,
 * little-endian helpers and the off-heap Arena that batch records are built in. Every malformed
 * input is a DecodeError with a code, never a RangeError from deep inside a typed array.
 *
 * May import: nothing of powchain. No I/O, no clock (dependency-cruiser: encoding-not-to-...,
 * consensus-no-io).
 */
export { ByteReader } from './reader.js';
export { ByteWriter, varintSize } from './writer.js';
export { DecodeError, type DecodeErrorCode } from './errors.js';
export { bytesToHex, hexToBytes, hashToHex, hexToHash, equalBytes, compareBytes, concatBytes } from './hex.js';
