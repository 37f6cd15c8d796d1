import { ByteReader } from '../../encoding/reader.js';
import { ByteWriter } from '../../encoding/writer.js';
import { DecodeError } from '../../encoding/errors.js';
import { parseTcpAddress } from './announce.js';
import { BOOK_LIMITS } from './address-book.js';
import { DiscoveryError } from './errors.js';

/**
 * Peer exchange: a peer asks (an empty frame) and is told up to MAX_EXCHANGE_PEERS peers this node
 * knows to be good, with their addresses. The answer is one frame:
 *
 *   count (CompactSize, at most 32)
 *   per peer: id (CompactSize length + UTF-8, at most 300 bytes)
 *             address count (CompactSize, 1 to 4)
 *             per address: multiaddr text (CompactSize length + UTF-8, at most 300 bytes), a TCP
 *             address without /p2p (parseTcpAddress)
 *
 * Text, not binary multiaddrs: the same checks as every other address this node reads apply.
 */
export const EXCHANGE_LIMITS = {
  /** MAX_EXCHANGE_PEERS: peers in one answer. */
  maxPeers: 32,
  /** The largest answer frame. */
  get maxFrameBytes(): number {
    return (
      9 +
      this.maxPeers *
        (9 + BOOK_LIMITS.maxTextLength + 9 + BOOK_LIMITS.maxAddrsPerPeer * (9 + BOOK_LIMITS.maxTextLength))
    );
  },
} as const;

export interface ExchangedPeer {
  id: string;
  addrs: string[];
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeExchangeRequest(): Uint8Array {
  return new Uint8Array(0);
}

export function decodeExchangeRequest(b: Uint8Array): void {
  if (b.length !== 0) throw new DecodeError('trailing-bytes', `address request of ${b.length} bytes (expected none)`);
}

export function encodeExchange(peers: readonly ExchangedPeer[]): Uint8Array {
  const list = peers.slice(0, EXCHANGE_LIMITS.maxPeers);
  const w = new ByteWriter(256).varint(list.length);
  for (const p of list) {
    const addrs = p.addrs.slice(0, BOOK_LIMITS.maxAddrsPerPeer);
    w.varBytes(utf8.encode(p.id)).varint(addrs.length);
    for (const a of addrs) w.varBytes(utf8.encode(a));
  }
  return w.finish();
}

function text(r: ByteReader, what: string): string {
  try {
    return fromUtf8.decode(r.varBytesView(BOOK_LIMITS.maxTextLength, what));
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError('bad-value', `${what} is not UTF-8`);
  }
}

/**
 * A peer's answer, every count and length within its bound and every address a dialable TCP
 * address; anything else is a DecodeError (the sender is penalised for it).
 */
export function decodeExchange(b: Uint8Array): ExchangedPeer[] {
  const r = new ByteReader(b);
  const n = r.count(EXCHANGE_LIMITS.maxPeers, 'exchanged peers');
  const out: ExchangedPeer[] = [];
  for (let i = 0; i < n; i++) {
    const id = text(r, 'peer id');
    const k = r.count(BOOK_LIMITS.maxAddrsPerPeer, 'addresses of a peer');
    if (k === 0) throw new DecodeError('bad-value', `peer ${id} comes with no address`);
    const addrs: string[] = [];
    for (let j = 0; j < k; j++) {
      const a = text(r, 'address');
      try {
        addrs.push(parseTcpAddress(a, 'forbidden').toString());
      } catch (err) {
        if (err instanceof DiscoveryError) throw new DecodeError('bad-value', err.message);
        throw err;
      }
    }
    out.push({ id, addrs });
  }
  r.end('address list');
  return out;
}
