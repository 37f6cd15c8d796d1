import { DecodeError, type DecodeErrorCode } from '../../src/encoding/errors.js';

/**
 * Run `fn` and return the code of the DecodeError it throws. Succeeding, or throwing anything
 * other than a DecodeError (a RangeError from a typed array, say), fails the calling test: bad
 * input must always surface as a DecodeError.
 */
export function decodeErrorCode(fn: () => unknown): DecodeErrorCode {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecodeError) return err.code;
    throw err;
  }
  throw new Error('expected a DecodeError, but decoding succeeded');
}
