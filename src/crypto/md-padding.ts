/**
 * The final blocks of a Merkle–Damgård hash (SHA-256, RIPEMD-160): the message bytes after its
 * last full 64-byte block, the 0x80 byte, zeros, and the message length in bits as a 64-bit
 * number, big-endian for SHA-256 and little-endian for RIPEMD-160.
 */
export function padTail(
  tail: Uint8Array,
  data: Uint8Array,
  full: number,
  littleEndian: boolean,
  messageBytes = data.length,
): 1 | 2 {
  // `messageBytes` is the whole message's length when `data` is only its end (a resumed midstate).
  const len = messageBytes;
  const rest = data.length - full;
  const blocks = rest < 56 ? 1 : 2;
  tail.fill(0, 0, blocks * 64);
  // Byte by byte: under 64 bytes, and a subarray to set() from would be an allocation per hash.
  for (let i = 0; i < rest; i++) tail[i] = data[full + i]!;
  tail[rest] = 0x80;
  const end = blocks * 64;
  // The bit length's low and high 32-bit words (the high word is len / 2^29).
  const lo = (len << 3) >>> 0;
  const hi = Math.floor(len / 0x20000000);
  for (let i = 0; i < 4; i++) {
    const shift = 8 * i;
    if (littleEndian) {
      tail[end - 8 + i] = (lo >>> shift) & 0xff;
      tail[end - 4 + i] = (hi >>> shift) & 0xff;
    } else {
      tail[end - 1 - i] = (lo >>> shift) & 0xff;
      tail[end - 5 - i] = (hi >>> shift) & 0xff;
    }
  }
  return blocks;
}
