import { createServer, type Server } from 'node:http';
import { staticPages } from '../../web/assets.js';
import { sendError, sendJson } from '../../web/http.js';
import { combineHandlers, Router } from '../../web/router.js';
import { EventHub } from '../../web/sse.js';
import type { DashboardCollector } from './collector.js';

/**
 * The dashboard's web server: the page at /, its state at /api/state, and a `state` event on
 * /api/events after every poll. Read-only and unauthenticated: it binds 127.0.0.1 unless told.
 */
export class DashboardServer {
  private readonly hub = new EventHub();
  private server: Server | undefined;

  constructor(private readonly collector: DashboardCollector) {
    collector.on('update', (s) => this.hub.publish('state', s));
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const router = new Router()
      .get(/^\/api\/state$/, ({ req, res }) => {
        const s = this.collector.current();
        if (s) sendJson(req, res, 200, JSON.stringify(s));
        else sendError(req, res, 503, 'the first poll of the peers has not finished yet');
      })
      .get(/^\/api\/events$/, ({ req, res }) => {
        const s = this.collector.current();
        this.hub.attach(req, res, s ? { type: 'state', data: s } : undefined);
      });
    const handle = combineHandlers([router.handler('/api/'), staticPages('dashboard.html')]);
    const server = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (!handle(req, res)) sendError(req, res, 404, `no such path: ${(req.url ?? '').slice(0, 200)}`);
    });
    server.headersTimeout = 10_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    return { host, port: typeof addr === 'object' && addr ? addr.port : port };
  }

  async close(): Promise<void> {
    this.hub.close();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
