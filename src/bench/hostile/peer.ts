/**
 * A hostile powchain peer built from libp2p parts (TCP, Noise, Yamux, identify) with no
 * gossipsub router of its own: it writes gossipsub's wire format (length-prefixed protobuf RPC
 * frames on a /meshsub/1.1.0 stream) by hand, so it can send what a well-behaved router never
 * would: thousands of messages in one frame, frames of any size, bytes that are not protobuf.
 * It answers the node's status requests (so the node keeps the connection) and counts every
 * request the node makes of it. Nothing here comes from src/net: the protocol is as documented
 * in docs/protocol.md. The flood tests and `powchain bench flood` both attack with it.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { RPC } from '@chainsafe/libp2p-gossipsub/message';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { lpStream, type LengthPrefixedStream } from 'it-length-prefixed-stream';
import { createLibp2p } from 'libp2p';
import type { NetworkParams } from '../../index.js';
import { encodeStatus, wireFor, type Status, type Wire } from './wire.js';

/** gossipsub's protocol id; the node speaks 1.0, 1.1 and 1.2. */
export const MESHSUB = '/meshsub/1.1.0';

export type RequestKind = 'status' | 'headers' | 'blocks' | 'mempool';

/** Requests from the node counted across several hostile peers (an ancestry storm's fan-in). */
export interface RequestTally {
  /** Which requests count (default: all). */
  kinds?: RequestKind[];
  total: number;
  inFlight: number;
  maxInFlight: number;
}

export interface HostileOptions {
  params: NetworkParams;
  /** The status this peer claims (default: at genesis, no more work than the node). */
  status?: Partial<Status>;
  /** How to treat the node's headers and mempool requests: answer with nothing, or never answer. */
  answer?: 'empty' | 'silent';
  /** Wait this long before answering any request (a slow peer keeps the node's requests in flight). */
  answerDelayMs?: number;
  /** Count the node's requests here too (shared by several peers). */
  tally?: RequestTally;
}

/** Open, write, close a stream: each step may meet a connection the node just closed. */
async function quietly(p: Promise<unknown> | void): Promise<void> {
  await Promise.resolve(p).catch(() => undefined);
}

export class HostilePeer {
  readonly wire: Wire;
  /** Requests the node made of this peer, by protocol. */
  readonly requests: Record<RequestKind, number> = { status: 0, headers: 0, blocks: 0, mempool: 0 };
  /** Requests in flight from the node at once, the most seen. */
  maxConcurrentRequests = 0;
  private inFlight = 0;
  private gossipOut: { conn: Connection; stream: Stream; lp: LengthPrefixedStream<Stream> } | undefined;
  private readonly meshsubIn = new Set<string>();

  private constructor(
    readonly host: Libp2p,
    private readonly o: HostileOptions,
  ) {
    this.wire = wireFor(o.params);
  }

  static async start(o: HostileOptions): Promise<HostilePeer> {
    const host = await createLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { maxConnections: 1_000 },
      // A flood keeps the node busy; the attacker must not hang up because its pings go unanswered.
      connectionMonitor: { enabled: false },
      connectionGater: { denyDialMultiaddr: () => false },
      services: { identify: identify() },
    });
    const peer = new HostilePeer(host, o);
    await peer.listen();
    return peer;
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }

  private status(): Status {
    const p = this.o.params;
    return {
      network: p.name,
      genesis: p.genesisHash,
      tip: p.genesisHash,
      height: 0,
      chainWork: 1n,
      ...this.o.status,
    };
  }

  private async listen(): Promise<void> {
    const count = async (kind: RequestKind, stream: Stream, answer: () => Uint8Array[] | undefined) => {
      const tally =
        this.o.tally && (!this.o.tally.kinds || this.o.tally.kinds.includes(kind)) ? this.o.tally : undefined;
      this.requests[kind]++;
      this.maxConcurrentRequests = Math.max(this.maxConcurrentRequests, ++this.inFlight);
      if (tally) {
        tally.total++;
        tally.maxInFlight = Math.max(tally.maxInFlight, ++tally.inFlight);
      }
      try {
        const lp = lpStream(stream, { maxDataLength: 1 << 20 });
        await lp.read({ signal: AbortSignal.timeout(30_000) });
        if (this.o.answerDelayMs) await new Promise((r) => setTimeout(r, this.o.answerDelayMs));
        const frames = answer();
        if (!frames) {
          // Never answer: hold the stream open until the node gives up on it (the read then fails).
          await lp.read({ signal: AbortSignal.timeout(30_000) });
          return;
        }
        for (const f of frames) await lp.write(f);
        await stream.close();
      } catch {
        stream.abort(new Error('hostile peer: stream ended'));
      } finally {
        this.inFlight--;
        if (tally) tally.inFlight--;
      }
    };
    const opts = { maxInboundStreams: 1_000, runOnLimitedConnection: true };
    await this.host.handle(
      this.wire.status,
      ({ stream }) => void count('status', stream, () => [encodeStatus(this.status())]),
      opts,
    );
    const emptyOrSilent = () => (this.o.answer === 'silent' ? undefined : [Uint8Array.of(0)]);
    await this.host.handle(this.wire.headers, ({ stream }) => void count('headers', stream, emptyOrSilent), opts);
    await this.host.handle(this.wire.blocks, ({ stream }) => void count('blocks', stream, () => undefined), opts);
    await this.host.handle(this.wire.mempool, ({ stream }) => void count('mempool', stream, emptyOrSilent), opts);
    // The node's gossipsub opens a stream to us: read and drop everything it says.
    await this.host.handle(
      MESHSUB,
      ({ stream, connection }) => {
        this.meshsubIn.add(connection.remotePeer.toString());
        void (async () => {
          try {
            for await (const chunk of stream.source) void chunk;
          } catch {
            // the node hung up
          }
        })();
      },
      opts,
    );
  }

  /** Connect to the node at `addr` (a multiaddr with /p2p/<id>). */
  async dial(addr: string, timeoutMs = 10_000): Promise<Connection> {
    return this.host.dial(multiaddr(addr), { signal: AbortSignal.timeout(timeoutMs) });
  }

  /** Connections to `node` that are open now. */
  connectionsTo(node: PeerId | string): Connection[] {
    const id = node.toString();
    return this.host.getConnections().filter((c) => c.remotePeer.toString() === id && c.status === 'open');
  }

  /** True once the node's gossipsub has opened its stream to us (it knows we speak gossipsub). */
  gossipReady(node: PeerId | string): boolean {
    return this.meshsubIn.has(node.toString());
  }

  /** The gossip stream to the node on `conn`: the open one, or a new one (asked for, or the old one closed). */
  private async gossipStream(conn: Connection, fresh = false): Promise<LengthPrefixedStream<Stream>> {
    const out = this.gossipOut;
    if (!fresh && out?.conn === conn && out.stream.status === 'open') return out.lp;
    const stream = await conn.newStream(MESHSUB, { signal: AbortSignal.timeout(10_000) });
    const lp = lpStream(stream, { maxDataLength: Number.MAX_SAFE_INTEGER });
    this.gossipOut = { conn, stream, lp };
    return lp;
  }

  /**
   * Gossip `payloads` on `topic` to the node over `conn`, `perFrame` messages to a frame (a
   * well-behaved router sends one or a few). Messages are unsigned, as powchain's topics require.
   */
  async gossip(
    conn: Connection,
    topic: string,
    payloads: Uint8Array[],
    perFrame = 1,
    o: { newStream?: boolean } = {},
  ): Promise<void> {
    const lp = await this.gossipStream(conn, o.newStream);
    for (let i = 0; i < payloads.length; i += perFrame) {
      const messages = payloads.slice(i, i + perFrame).map((data) => ({ topic, data }));
      await lp.write(RPC.encode({ subscriptions: [], messages }));
    }
  }

  /** Write one raw frame on the gossip stream: junk, or a message of any size. */
  async gossipFrame(conn: Connection, frame: Uint8Array, o: { newStream?: boolean } = {}): Promise<void> {
    const lp = await this.gossipStream(conn, o.newStream);
    await lp.write(frame);
  }

  /** One request to the node: the payload frame out, `frames` response frames back. */
  async request(conn: Connection, protocol: string, payload: Uint8Array, frames = 1): Promise<Uint8Array[]> {
    const signal = AbortSignal.timeout(10_000);
    const stream = await conn.newStream(protocol, { signal });
    const lp = lpStream(stream, { maxDataLength: 4 << 20 });
    try {
      await lp.write(payload, { signal });
      const out: Uint8Array[] = [];
      for (let i = 0; i < frames; i++) out.push((await lp.read({ signal })).subarray());
      await quietly(stream.close());
      return out;
    } catch (err) {
      stream.abort(err as Error);
      throw err;
    }
  }

  async stop(): Promise<void> {
    await quietly(this.host.stop());
  }
}
