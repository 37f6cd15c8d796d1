export { ByteReader } from './reader.js';
export { ByteWriter, varintSize } from './writer.js';
export { DecodeError, type DecodeErrorCode } from './errors.js';
export { bytesToHex, hexToBytes, hashToHex, hexToHash, equalBytes, compareBytes, concatBytes } from './hex.js';
