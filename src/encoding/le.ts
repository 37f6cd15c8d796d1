/** Little-endian integers written and read in place, byte by byte (no DataView: see ByteWriter). */

export function putU32le(out: Uint8Array, off: number, n: number): void {
  out[off] = n & 0xff;
  out[off + 1] = (n >>> 8) & 0xff;
  out[off + 2] = (n >>> 16) & 0xff;
  out[off + 3] = n >>> 24;
}

export function getU32le(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** `v` must already be known to lie in 0..2^64-1. */
export function putU64le(out: Uint8Array, off: number, v: bigint): void {
  putU32le(out, off, Number(v & 0xffffffffn));
  putU32le(out, off + 4, Number(v >> 32n));
}
