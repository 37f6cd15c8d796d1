import { putU32le, putU64le } from './le.js';

const U64_MAX = (1n << 64n) - 1n;

/**
 * A growable little-endian byte writer. Sizes are usually known up front (pass a hint) so the
 * buffer is allocated once; it doubles when a write does not fit.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  // Numbers are written byte by byte rather than through a DataView: a DataView needs the
  // array's ArrayBuffer, which makes V8 move a small on-heap array out to a backing store of its
  // own, an allocation per writer that the encoders of every block record paid.
  constructor(sizeHint = 256) {
    this.buf = new Uint8Array(Math.max(16, sizeHint));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    this.pos = p + 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.put32(v);
    return this;
  }

  private put32(v: number): void {
    putU32le(this.buf, this.pos, v);
    this.pos += 4;
  }

  u64(v: bigint): this {
    // Wrapping would write a different number than the caller holds (a -1n value as 2^64-1),
    // so an encoded object would no longer decode to itself; refuse instead.
    if (v < 0n || v > U64_MAX) throw new RangeError(`u64 out of range: ${v}`);
    this.ensure(8);
    putU64le(this.buf, this.pos, v);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Bitcoin's CompactSize, always minimal. */
  varint(v: number | bigint): this {
    // The common case, a small safe integer, without a BigInt.
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff) {
      if (v < 0xfd) return this.u8(v);
      if (v <= 0xffff) return this.u8(0xfd).u16(v);
      return this.u8(0xfe).u32(v);
    }
    const n = BigInt(v);
    if (n < 0n || n > U64_MAX) throw new RangeError(`varint out of range: ${n}`);
    if (n < 0xfdn) return this.u8(Number(n));
    if (n <= 0xffffn) return this.u8(0xfd).u16(Number(n));
    if (n <= 0xffffffffn) return this.u8(0xfe).u32(Number(n));
    return this.u8(0xff).u64(n);
  }

  varBytes(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  get length(): number {
    return this.pos;
  }

  /** The written bytes (a copy when the buffer was over-allocated). */
  finish(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
  }
}

/** Size of a CompactSize encoding of n. */
export function varintSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}
