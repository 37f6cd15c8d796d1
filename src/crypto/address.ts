import { bech32, bech32m } from '@scure/base';
import { hash160 } from './hash.js';
import { hasCompressedKeyShape, isBytes } from './signature.js';

/**
 * Addresses: bech32m (BIP 350) with the network's human-readable part and data words
 * = [version 0, ...hash160(pubkey) in 5-bit groups]. A 20-byte hash fills exactly 32 words,
 * so there is no padding to get wrong.
 */

export const ADDRESS_VERSION = 0;
export const PUBKEY_HASH_BYTES = 20;
// BIP 173's limit, which bech32m's checksum guarantees are detected within.
const MAX_ADDRESS_LENGTH = 90;
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

export type AddressErrorCode =
  | 'bad-format' // not a bech32 string at all: length, case, separator, characters
  | 'bad-checksum' // a typo, or a plain-bech32 (not bech32m) string
  | 'wrong-network' // well-formed, but for another network's prefix
  | 'bad-version' // a witness-style version other than 0
  | 'bad-length'; // the payload is not a 20-byte hash

export class AddressError extends Error {
  override readonly name = 'AddressError';
  constructor(
    readonly code: AddressErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Encodes a 20-byte public key hash as a version-0 bech32m address under `hrp`. */
export function encodeAddress(hrp: string, pubKeyHash: Uint8Array): string {
  if (!isBytes(pubKeyHash) || pubKeyHash.length !== PUBKEY_HASH_BYTES) {
    throw new AddressError('bad-length', `a public key hash is ${PUBKEY_HASH_BYTES} bytes`);
  }
  if (typeof hrp !== 'string' || hrp.length === 0 || hrp !== hrp.toLowerCase()) {
    throw new AddressError('bad-format', 'the human-readable part must be a non-empty lower-case string');
  }
  try {
    return bech32m.encode(hrp, [ADDRESS_VERSION, ...bech32m.toWords(pubKeyHash)], MAX_ADDRESS_LENGTH);
  } catch (err) {
    throw new AddressError('bad-format', `cannot encode with prefix "${hrp}": ${(err as Error).message}`);
  }
}

/** The address that pays to `pubkey33` (hash160 of the compressed key). */
export function addressFromPublicKey(hrp: string, pubkey33: Uint8Array): string {
  if (!hasCompressedKeyShape(pubkey33)) {
    throw new AddressError('bad-length', 'a public key is 33 bytes, compressed (0x02/0x03 prefix)');
  }
  return encodeAddress(hrp, hash160(pubkey33));
}

/**
 * Decodes an address for the network whose prefix is `expectedHrp`, returning the 20-byte
 * public key hash. Checks run from the outside in (format, checksum, network, version,
 * length), so the error names the first thing wrong with what the user typed.
 */
export function decodeAddress(address: string, expectedHrp: string): Uint8Array {
  const lowered = checkFormat(address);
  const decoded = bech32m.decodeUnsafe(lowered, MAX_ADDRESS_LENGTH);
  if (!decoded) {
    const legacy = bech32.decodeUnsafe(lowered, MAX_ADDRESS_LENGTH) !== undefined;
    throw new AddressError(
      'bad-checksum',
      legacy ? 'this is a bech32 string; addresses use bech32m' : 'checksum mismatch (a mistyped character?)',
    );
  }
  if (decoded.prefix !== expectedHrp.toLowerCase()) {
    throw new AddressError(
      'wrong-network',
      `address is for prefix "${decoded.prefix}", this network uses "${expectedHrp.toLowerCase()}"`,
    );
  }
  const words = decoded.words;
  if (words.length === 0) throw new AddressError('bad-length', 'address has no payload');
  if (words[0] !== ADDRESS_VERSION) {
    throw new AddressError('bad-version', `address version ${words[0]} is not supported (expected ${ADDRESS_VERSION})`);
  }
  const payload = words.slice(1);
  if (payload.length * 5 !== PUBKEY_HASH_BYTES * 8) {
    throw new AddressError('bad-length', `payload of ${payload.length} words is not a ${PUBKEY_HASH_BYTES}-byte hash`);
  }
  return Uint8Array.from(bech32m.fromWords(payload));
}

/** True when `address` decodes for `expectedHrp`. */
export function isValidAddress(address: string, expectedHrp: string): boolean {
  try {
    decodeAddress(address, expectedHrp);
    return true;
  } catch (err) {
    if (err instanceof AddressError) return false;
    throw err;
  }
}

/** Everything that is not a checksum question; returns the lower-cased string. */
function checkFormat(address: string): string {
  if (typeof address !== 'string') throw new AddressError('bad-format', 'address must be a string');
  if (address.length < 8 || address.length > MAX_ADDRESS_LENGTH) {
    throw new AddressError('bad-format', `address length ${address.length} is outside 8..${MAX_ADDRESS_LENGTH}`);
  }
  const lowered = address.toLowerCase();
  if (address !== lowered && address !== address.toUpperCase()) {
    throw new AddressError('bad-format', 'address mixes upper and lower case');
  }
  const sep = lowered.lastIndexOf('1');
  if (sep < 1) throw new AddressError('bad-format', 'address has no "1" separator after its prefix');
  for (let i = 0; i < sep; i++) {
    const c = lowered.charCodeAt(i);
    if (c < 33 || c > 126) throw new AddressError('bad-format', `invalid character in prefix at position ${i}`);
  }
  if (lowered.length - sep - 1 < 6) throw new AddressError('bad-format', 'address is too short for a checksum');
  for (let i = sep + 1; i < lowered.length; i++) {
    if (!CHARSET.includes(lowered[i]!)) {
      throw new AddressError('bad-format', `invalid character "${address[i]}" at position ${i}`);
    }
  }
  return lowered;
}
