import type { PeerId, Stream } from '@libp2p/interface';
import { lpStream } from 'it-length-prefixed-stream';
import type { Host } from './host.js';
import { LIMITS } from './protocol.js';
import { RateLimiter } from './rate-limit.js';

/** A peer answered badly: malformed, oversized, wrong, or not at all. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: 'timeout' | 'bad-frame' | 'oversized' | 'refused' | 'unexpected',
    message: string,
  ) {
    super(message);
  }
}

export interface Handler {
  protocol: string;
  /** Largest request frame accepted. */
  maxRequestBytes: number;
  /** Turn one request frame into response frames; throw to refuse (the stream is aborted). */
  respond(request: Uint8Array, peerId: string): Promise<Uint8Array[]> | Uint8Array[];
}

export interface ReqRespHooks {
  /** A peer sent a malformed or oversized frame, or exceeded its rate. */
  onMisbehaviour(peerId: string, reason: string, kind: 'bad-frame' | 'rate'): void;
}

/**
 * Request/response over libp2p streams: one new stream per request, each frame length-prefixed
 * and bounded, every read under a timeout, every peer rate-limited per protocol. Nothing
 * unbounded is buffered: a frame above its limit ends the stream before it is read.
 */
export class ReqResp {
  private readonly limiter = new RateLimiter(LIMITS.requestsPerSecond, LIMITS.requestBurst);

  constructor(
    private readonly host: Host,
    private readonly hooks: ReqRespHooks,
  ) {}

  async register(h: Handler): Promise<void> {
    await this.host.handle(
      h.protocol,
      async ({ stream, connection }) => {
        const peerId = connection.remotePeer.toString();
        if (!this.limiter.take(`${peerId} ${h.protocol}`)) {
          this.hooks.onMisbehaviour(peerId, `rate limit on ${h.protocol}`, 'rate');
          stream.abort(new ProtocolError('refused', 'rate limited'));
          return;
        }
        const lp = lpStream(stream, { maxDataLength: h.maxRequestBytes });
        const signal = AbortSignal.timeout(LIMITS.requestTimeoutMs);
        let request: Uint8Array;
        try {
          request = (await lp.read({ signal })).subarray();
        } catch (err) {
          // A frame that is oversized, truncated or unframed is the sender's doing. A request that
          // never came within the timeout, or whose stream the requester reset, is not proof of
          // anything: an honest peer gives up on a request when it (or we) is slow. Charging those
          // made a hundred busy nodes on one machine ban each other (docs/benchmarks.md, scale).
          const gaveUp = signal.aborted || /reset|abort/i.test((err as Error).message ?? '');
          if (!gaveUp)
            this.hooks.onMisbehaviour(
              peerId,
              `unreadable request on ${h.protocol}: ${(err as Error).message}`,
              'bad-frame',
            );
          stream.abort(err as Error);
          return;
        }
        try {
          const frames = await h.respond(request, peerId);
          for (const f of frames) await lp.write(f, { signal });
          await stream.close({ signal });
        } catch (err) {
          if (err instanceof ProtocolError && err.code === 'bad-frame')
            this.hooks.onMisbehaviour(peerId, `${h.protocol}: ${err.message}`, 'bad-frame');
          stream.abort(err as Error);
        }
      },
      { maxInboundStreams: 32, maxOutboundStreams: 64 },
    );
  }

  /**
   * Send one request frame and read `frames` response frames, each at most `maxFrameBytes`.
   * Throws ProtocolError on timeout, an oversized or missing frame.
   */
  async request(
    peer: PeerId,
    protocol: string,
    payload: Uint8Array,
    o: { frames: number; maxFrameBytes: number; timeoutMs?: number },
  ): Promise<Uint8Array[]> {
    const signal = AbortSignal.timeout(o.timeoutMs ?? LIMITS.requestTimeoutMs);
    let stream: Stream;
    try {
      stream = await this.host.dialProtocol(peer, protocol, { signal });
    } catch (err) {
      throw new ProtocolError(
        signal.aborted ? 'timeout' : 'refused',
        `cannot open ${protocol}: ${(err as Error).message}`,
      );
    }
    const lp = lpStream(stream, { maxDataLength: o.maxFrameBytes });
    try {
      await lp.write(payload, { signal });
      const out: Uint8Array[] = [];
      for (let i = 0; i < o.frames; i++) out.push((await lp.read({ signal })).subarray());
      await stream.close({ signal }).catch(() => undefined);
      return out;
    } catch (err) {
      stream.abort(err as Error);
      if (signal.aborted) throw new ProtocolError('timeout', `${protocol} timed out`);
      const msg = (err as Error).message ?? String(err);
      throw new ProtocolError(/max|too long|length/i.test(msg) ? 'oversized' : 'bad-frame', `${protocol}: ${msg}`);
    }
  }
}
