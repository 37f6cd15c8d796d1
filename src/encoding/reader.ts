import { DecodeError } from './errors.js';

/**
 * A length-checked cursor over bytes. Every read checks the remaining length first, so a
 * truncated input is a DecodeError('truncated'), and counts read from the input are bounded by
 * the caller (`readCount(max)`) before anything is allocated from them.
 */
export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.bytes.length - this.pos < n) {
      throw new DecodeError('truncated', `need ${n} bytes for ${what} at offset ${this.pos}, have ${this.remaining}`);
    }
  }

  u8(): number {
    this.need(1, 'u8');
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8, 'u64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A fixed number of bytes, as a view into the input (no copy). */
  bytesView(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A fixed number of bytes, copied, so the result outlives the input buffer. */
  take(n: number, what = 'bytes'): Uint8Array {
    return this.bytesView(n, what).slice();
  }

  /** Bitcoin's CompactSize, rejecting non-minimal encodings. */
  varint(): bigint {
    const first = this.u8();
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      this.need(2, 'varint');
      const v = this.view.getUint16(this.pos, true);
      this.pos += 2;
      if (v < 0xfd) throw new DecodeError('non-minimal-varint', `0x${v.toString(16)} encoded in 3 bytes`);
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.u32();
      if (v <= 0xffff) throw new DecodeError('non-minimal-varint', `0x${v.toString(16)} encoded in 5 bytes`);
      return BigInt(v);
    }
    const v = this.u64();
    if (v <= 0xffffffffn) throw new DecodeError('non-minimal-varint', `0x${v.toString(16)} encoded in 9 bytes`);
    return v;
  }

  /** A CompactSize count that must not exceed `max` (checked before any allocation). */
  count(max: number, what = 'count'): number {
    // Counts and lengths are nearly always one byte: answer those without making a BigInt.
    const first = this.pos < this.bytes.length ? this.bytes[this.pos]! : -1;
    if (first >= 0 && first < 0xfd) {
      // Consumed before the check, as varint() does.
      this.pos++;
      if (first > max) throw new DecodeError('oversized', `${what} ${first} exceeds the limit ${max}`);
      return first;
    }
    const v = this.varint();
    if (v > BigInt(max)) throw new DecodeError('oversized', `${what} ${v} exceeds the limit ${max}`);
    return Number(v);
  }

  /** CompactSize length followed by that many bytes, at most `max`. */
  varBytes(max: number, what = 'bytes'): Uint8Array {
    const n = this.count(max, `${what} length`);
    return this.take(n, what);
  }

  /** As varBytes, but a view into the input (no copy): it keeps the input alive. */
  varBytesView(max: number, what = 'bytes'): Uint8Array {
    const n = this.count(max, `${what} length`);
    return this.bytesView(n, what);
  }

  /** Fail unless the whole input was consumed. */
  end(what = 'object'): void {
    if (this.remaining !== 0) {
      throw new DecodeError('trailing-bytes', `${this.remaining} bytes after the end of the ${what}`);
    }
  }
}
