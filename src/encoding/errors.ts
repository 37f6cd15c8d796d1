/**
 * Decoding failures. Every malformed byte string becomes a DecodeError with a code,
 * never a RangeError from deep inside a typed array or an allocation sized by the input.
 */
export type DecodeErrorCode =
  | 'truncated' // read past the end of the input
  | 'trailing-bytes' // input longer than the object it encodes
  | 'non-minimal-varint' // CompactSize not in its shortest form
  | 'oversized' // a count or length above the bound the caller allows
  | 'bad-hex' // not an even-length hex string
  | 'bad-length' // a fixed-size field of the wrong size
  | 'bad-value'; // a field outside the values it may take (an unknown kind byte)

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
