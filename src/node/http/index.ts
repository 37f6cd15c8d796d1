/**
 * node/http: the node's public pages on its RPC port: REST (/rest/), the explorer's JSON and live
 * feed (/api/), /metrics. Built on the RPC method implementations, so field names agree.
 *
 * Part of node: may import what it may; reads the chain through ChainQueries
 * (src/node/chain-queries.ts) and serves through src/web.
 */
import type { NodeMetrics } from '../../metrics/index.js';
import type { RpcMethod } from '../../rpc/server.js';
import { staticPages } from '../../web/assets.js';
import { send, sendError, type PublicHandler } from '../../web/http.js';
import { combineHandlers } from '../../web/router.js';
import type { NodeContext } from '../context.js';
import { explorerRoutes } from './explorer-api.js';
import { LiveFeed } from './live.js';
import { restRoutes } from './rest.js';
import { TxLookup } from './tx-lookup.js';

export interface PublicPages {
  /** For RpcServerOptions.publicGet; undefined when none of --rest, --metrics, --web is on. */
  handler: PublicHandler | undefined;
  close(): void;
}

/**
 * The node's unauthenticated, read-only pages on its RPC port, each off unless asked for:
 * --rest (/rest/), --metrics (/metrics), --web (/ and /assets/ for the explorer, /api/ for its
 * data and live events). They only read; everything that changes the node stays behind the
 * JSON-RPC's authentication (docs/explorer.md says what each exposes).
 */
export function publicPages(
  ctx: NodeContext,
  methods: Record<string, RpcMethod>,
  metrics: NodeMetrics | undefined,
  onError: (err: Error) => void,
): PublicPages {
  const handlers: PublicHandler[] = [];
  const txs = new TxLookup(ctx);
  let live: LiveFeed | undefined;
  if (ctx.config.rest) handlers.push(restRoutes(ctx, methods, txs, onError));
  if (metrics) handlers.push(metricsPage(metrics, onError));
  if (ctx.config.web) {
    live = new LiveFeed(ctx);
    handlers.push(explorerRoutes(ctx, methods, txs, live, onError), staticPages('explorer.html'));
  }
  return { handler: handlers.length ? combineHandlers(handlers) : undefined, close: () => live?.close() };
}

function metricsPage(metrics: NodeMetrics, onError: (err: Error) => void): PublicHandler {
  return (req, res) => {
    if ((req.url ?? '').split('?', 1)[0] !== '/metrics') return false;
    metrics.scrape().then(
      (m) => send(req, res, 200, m.contentType, m.body),
      (err: Error) => {
        onError(err);
        sendError(req, res, 500, `metrics collection failed: ${err.message}`);
      },
    );
    return true;
  };
}
