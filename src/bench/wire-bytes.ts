import type { Metrics, Stream } from '@libp2p/interface';

/** Bytes a node wrote on each protocol's streams (payload: before Yamux and Noise framing). */
export class WireBytes {
  private readonly sent = new Map<string, number>();

  /** Bytes sent on protocols whose name passes `match` (all, without one). */
  total(match: (protocol: string) => boolean = () => true): number {
    let n = 0;
    for (const [p, b] of this.sent) if (match(p)) n += b;
    return n;
  }

  /**
   * A libp2p `metrics` implementation that only counts: libp2p hands every negotiated stream to
   * trackProtocolStream, whose sink is wrapped to add up what is written (as
   * @libp2p/prometheus-metrics does). Every metric libp2p registers is a no-op. One per node,
   * so many nodes in one process do not share a registry.
   */
  metrics(): Metrics {
    const noop = () => undefined;
    const metric = { update: noop, increment: noop, decrement: noop, reset: noop, observe: noop, timer: () => noop };
    const count = (protocol: string, n: number) => this.sent.set(protocol, (this.sent.get(protocol) ?? 0) + n);
    const impl = {
      trackMultiaddrConnection: noop,
      trackProtocolStream: (stream: Stream) => {
        const protocol = stream.protocol;
        if (protocol === undefined) return;
        const sink = stream.sink.bind(stream);
        stream.sink = async (source) => {
          await sink(
            (async function* () {
              for await (const chunk of source) {
                count(protocol, chunk.byteLength);
                yield chunk;
              }
            })(),
          );
        };
      },
      registerMetric: () => metric,
      registerMetricGroup: () => metric,
      registerCounter: () => metric,
      registerCounterGroup: () => metric,
      registerHistogram: () => metric,
      registerHistogramGroup: () => metric,
      registerSummary: () => metric,
      registerSummaryGroup: () => metric,
      traceFunction: (_name: string, fn: unknown) => fn,
      createTrace: noop,
    };
    return impl as unknown as Metrics;
  }
}
