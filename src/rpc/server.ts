import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { RpcError, RpcErrorCode } from './errors.js';
import { toJson } from './json.js';

/** MAX_BODY_BYTES: the largest request body read; larger ones get 413 before being buffered. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** MAX_BATCH: requests in one batch. */
export const MAX_BATCH = 1_000;

export type RpcMethod = (params: unknown[]) => unknown;

export interface RpcServerOptions {
  host: string;
  port: number;
  /** `user:password` accepted in HTTP Basic auth (the cookie, or configured credentials). */
  credentials: () => string[];
  methods: Record<string, RpcMethod>;
  onError?: (err: Error) => void;
}

interface RpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/**
 * JSON-RPC 1.0/2.0 over HTTP POST, bitcoind style: Basic auth, batches, bounded bodies, errors
 * with codes. Parameters may be positional (array) or named (object, passed as one argument).
 */
export class RpcServer {
  private server: Server | undefined;

  constructor(private readonly o: RpcServerOptions) {}

  async listen(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    return { host: this.o.host, port: typeof addr === 'object' && addr ? addr.port : this.o.port };
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    const given = Buffer.from(Buffer.from(header.slice(6), 'base64').toString('utf8'));
    return this.o.credentials().some((c) => {
      const want = Buffer.from(c);
      return want.length === given.length && timingSafeEqual(want, given);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (!this.authorized(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"', 'content-type': 'text/plain' });
      res.end('unauthorized\n');
      req.resume();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' });
      res.end('JSON-RPC server handles only POST requests\n');
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      send(413, toJson({ result: null, error: { code: RpcErrorCode.InvalidRequest, message: `request body over ${MAX_BODY_BYTES} bytes` }, id: null }));
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          send(413, toJson({ result: null, error: { code: RpcErrorCode.InvalidRequest, message: `request body over ${MAX_BODY_BYTES} bytes` }, id: null }));
          req.destroy();
          return;
        }
        chunks.push(chunk as Buffer);
      }
    } catch {
      return; // the client went away
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(500, toJson({ result: null, error: { code: RpcErrorCode.ParseError, message: 'Parse error' }, id: null }));
      return;
    }
    if (Array.isArray(body)) {
      if (body.length > MAX_BATCH) {
        send(400, toJson({ result: null, error: { code: RpcErrorCode.InvalidRequest, message: `batch of more than ${MAX_BATCH} requests` }, id: null }));
        return;
      }
      const out = [];
      for (const r of body) out.push(await this.call(r as RpcRequest));
      send(200, toJson(out));
      return;
    }
    const reply = await this.call(body as RpcRequest);
    // Like bitcoind: a failed single request gets an HTTP error status with the JSON error body.
    const status = reply.error ? (reply.error.code === RpcErrorCode.MethodNotFound ? 404 : 500) : 200;
    send(status, toJson(reply));
  }

  private async call(r: RpcRequest): Promise<{ result: unknown; error: { code: number; message: string } | null; id: unknown; jsonrpc?: string }> {
    const id = r && typeof r === 'object' && 'id' in r ? r.id : null;
    const v2 = r && typeof r === 'object' && r.jsonrpc === '2.0';
    const wrap = (result: unknown, error: { code: number; message: string } | null) => (v2 ? { jsonrpc: '2.0', result, error, id } : { result, error, id });
    if (!r || typeof r !== 'object' || typeof r.method !== 'string') return wrap(null, { code: RpcErrorCode.InvalidRequest, message: 'Invalid request: method must be a string' });
    const fn = Object.hasOwn(this.o.methods, r.method) ? this.o.methods[r.method] : undefined;
    if (!fn) return wrap(null, { code: RpcErrorCode.MethodNotFound, message: 'Method not found' });
    const params = r.params === undefined || r.params === null ? [] : Array.isArray(r.params) ? r.params : [r.params];
    try {
      return wrap(await fn(params), null);
    } catch (err) {
      if (err instanceof RpcError) return wrap(null, { code: err.code, message: err.message });
      this.o.onError?.(err as Error);
      return wrap(null, { code: RpcErrorCode.Misc, message: (err as Error).message || String(err) });
    }
  }
}
