/**
 * powchain as a library: the consensus layer (serialization, hashing, merkle, bits/target/work,
 * difficulty, network parameters, rule checks) plus the encoding and crypto it stands on, and the
 * wallet's transaction builder and signer (src/wallet/builder.ts: pure, like the rest).
 * Everything here is pure and synchronous; no import opens a file or a socket.
 */
export * from './consensus/index.js';
export { sha256d, hash160 } from './crypto/hash.js';
export { hashToHex, hexToHash, bytesToHex, hexToBytes } from './encoding/hex.js';
export { DecodeError, type DecodeErrorCode } from './encoding/errors.js';
export { ByteReader } from './encoding/reader.js';
export { ByteWriter } from './encoding/writer.js';
export {
  encodeAddress,
  decodeAddress,
  addressFromPublicKey,
  isValidAddress,
  AddressError,
  type AddressErrorCode,
} from './crypto/address.js';
export { publicKeyFromPrivate, randomPrivateKey, isValidPrivateKey, isValidPublicKey, sign } from './crypto/keys.js';
export {
  verifySignature,
  selectVerifyBackend,
  activeBackendName,
  type VerifyBackend,
  type VerifyBackendName,
} from './crypto/verify.js';
export {
  buildTransaction,
  signTransaction,
  signedTxSize,
  type CoinToSpend,
  type PaymentOutput,
  type BuildTransactionOptions,
  type UnsignedTransaction,
  type SigningKeys,
} from './wallet/builder.js';
export { WalletError, type WalletErrorCode } from './wallet/errors.js';
