import type { GossipSubComponents } from '@chainsafe/libp2p-gossipsub';
import { RPC } from '@chainsafe/libp2p-gossipsub/message';
import type { Stream, StreamHandler } from '@libp2p/interface';

type Registrar = GossipSubComponents['registrar'];

/** A gossip frame that costs its sender: longer than the limit, or not a gossipsub RPC. */
export type FrameFault = 'oversized-frame' | 'undecodable-frame';

/**
 * What one gossip frame may hold, beyond its size (gossipsub's decodeRpcLimits option): what
 * gossipsub itself sends stays within these (IHAVE lists are cut at 5,000 ids), and powchain has
 * two topics.
 */
export const GOSSIP_RPC_LIMITS = {
  maxSubscriptions: 16,
  maxMessages: 5_000,
  maxIhaveMessageIDs: 5_000,
  maxIwantMessageIDs: 5_000,
  maxIdontwantMessageIDs: 5_000,
  maxControlMessages: 64,
  maxPeerInfos: 64,
} as const;

/** The same limits as the protobuf decoder takes them (as gossipsub passes them on). */
const DECODE_LIMITS = {
  subscriptions: GOSSIP_RPC_LIMITS.maxSubscriptions,
  messages: GOSSIP_RPC_LIMITS.maxMessages,
  control$: {
    ihave: GOSSIP_RPC_LIMITS.maxIhaveMessageIDs,
    iwant: GOSSIP_RPC_LIMITS.maxIwantMessageIDs,
    graft: GOSSIP_RPC_LIMITS.maxControlMessages,
    prune: GOSSIP_RPC_LIMITS.maxControlMessages,
    prune$: { peers: GOSSIP_RPC_LIMITS.maxPeerInfos },
    idontwant: GOSSIP_RPC_LIMITS.maxControlMessages,
    idontwant$: { messageIDs: GOSSIP_RPC_LIMITS.maxIdontwantMessageIDs },
  },
};

/**
 * The gossip frame limit: four of the largest blocks and some framing. One message is at most
 * a block, but gossipsub answers an IWANT for several messages in one frame; a peer that sends
 * more than this in a frame is not relaying blocks.
 */
export function maxGossipFrameBytes(maxBlockBytes: number): number {
  return 4 * maxBlockBytes + 64 * 1024;
}

class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly fault: FrameFault,
    message: string,
  ) {
    super(message);
  }
}

type Chunk = Uint8Array | { subarray(): Uint8Array };

/**
 * Split a stream of chunks into its length-prefixed frames (unsigned varint length, then that
 * many bytes), refusing a length above `maxFrameBytes` as soon as the prefix is read: the frame
 * itself is never buffered. A stream that ends inside a frame just ends (a peer going away).
 */
export async function* readFrames(source: AsyncIterable<Chunk>, maxFrameBytes: number): AsyncGenerator<Uint8Array> {
  const parts: Uint8Array[] = [];
  let have = 0;
  let want = -1; // the frame's length once its prefix is read
  /** The next `n` bytes: a view when they lie in one chunk, else a copy. */
  const take = (n: number): Uint8Array => {
    have -= n;
    const first = parts[0];
    if (first && first.length >= n) {
      if (first.length === n) parts.shift();
      else parts[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    for (let off = 0; off < n;) {
      const p = parts[0]!;
      const k = Math.min(p.length, n - off);
      out.set(p.subarray(0, k), off);
      off += k;
      if (k === p.length) parts.shift();
      else parts[0] = p.subarray(k);
    }
    return out;
  };
  for await (const chunk of source) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
    if (bytes.length === 0) continue;
    parts.push(bytes);
    have += bytes.length;
    for (;;) {
      if (want < 0) {
        // The prefix: at most 5 bytes for any length a frame may have here (< 2^35).
        let len = 0;
        let i = 0;
        let done = false;
        for (const p of parts) {
          for (const b of p) {
            len += (b & 0x7f) * 2 ** (7 * i++);
            if (b < 0x80) {
              done = true;
              break;
            }
            if (i >= 5) throw new FrameError('undecodable-frame', 'frame length prefix longer than 5 bytes');
          }
          if (done) break;
        }
        if (!done) break;
        if (len > maxFrameBytes)
          throw new FrameError('oversized-frame', `gossip frame of ${len} bytes (limit ${maxFrameBytes})`);
        take(i);
        want = len;
      }
      if (have < want) break;
      const frame = take(want);
      want = -1;
      yield frame;
    }
  }
}

/** `n` as an unsigned varint. */
function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/**
 * `stream` as gossipsub will read it: frame by frame, each checked to be within the size limit
 * and to decode as a gossipsub RPC within GOSSIP_RPC_LIMITS. A frame that is not is reported
 * (`onFault`, which charges the sender); an undecodable one is dropped and the stream goes on, an
 * oversized one ends the stream. Good frames pass on unchanged (prefix, then the frame).
 */
export function checkedGossipStream(
  stream: Stream,
  maxFrameBytes: number,
  onFault: (fault: FrameFault, reason: string) => void,
): Stream {
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      for await (const frame of readFrames(stream.source, maxFrameBytes)) {
        try {
          RPC.decode(frame, { limits: DECODE_LIMITS });
        } catch (err) {
          onFault('undecodable-frame', `not a gossipsub RPC: ${(err as Error).message}`);
          continue;
        }
        yield varint(frame.length);
        yield frame;
      }
    } catch (err) {
      if (err instanceof FrameError) onFault(err.fault, err.message);
      throw err;
    }
  }
  let checked: AsyncGenerator<Uint8Array> | undefined;
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'source') return (checked ??= source());
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * The registrar gossipsub is given: every gossipsub protocol's inbound streams pass through
 * checkedGossipStream first, with faults reported against the remote peer. Everything else is
 * the node's registrar as it is.
 */
export function checkingRegistrar(
  registrar: Registrar,
  maxFrameBytes: number,
  onFault: (peerId: string, fault: FrameFault, reason: string) => void,
): Registrar {
  return new Proxy(registrar, {
    get(target, prop) {
      if (prop === 'handle') {
        return (protocol: string, handler: StreamHandler, opts?: Parameters<Registrar['handle']>[2]) =>
          target.handle(
            protocol,
            (data: Parameters<StreamHandler>[0]) => {
              const peer = data.connection.remotePeer.toString();
              const stream = checkedGossipStream(data.stream, maxFrameBytes, (f, r) => onFault(peer, f, r));
              return handler({ ...data, stream });
            },
            opts,
          );
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
