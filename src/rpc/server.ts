import type * as Http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { timingSafeEqual } from 'node:crypto';
import { RpcError, RpcErrorCode } from './errors.js';
import { toJson } from './json.js';

/**
 * node:http through require, not `import`: an ES import of node:http builds the module's whole
 * namespace, and one of its lazy exports loads undici, Node's fetch implementation, which a
 * server never uses. Measured: 13 MB more resident memory (59.7 MB against 46.1 MB for a process
 * that loads only node:http), a ninth of an idle node.
 */
const { createServer } = createRequire(import.meta.url)('node:http') as typeof Http;

/** MAX_BODY_BYTES: the largest request body read; larger ones get 413 before being buffered. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** MAX_DISCARD_BYTES: how much of a too-large body is read and dropped before hanging up. */
export const MAX_DISCARD_BYTES = 4 * MAX_BODY_BYTES;
/** MAX_BATCH: requests in one batch. */
export const MAX_BATCH = 1_000;

export type RpcMethod = (params: unknown[]) => unknown;

export interface RpcServerOptions {
  host: string;
  port: number;
  /** `user:password` accepted in HTTP Basic auth (the cookie, or configured credentials). */
  credentials: () => string[];
  methods: Record<string, RpcMethod>;
  /**
   * Named parameters (a JSON object) to positional ones for `method`, or a reason they do not
   * fit. Without it, an object is rejected.
   */
  namedParams?: (method: string, named: Record<string, unknown>) => unknown[] | string;
  onError?: (err: Error) => void;
  /**
   * Public, read-only pages on the same port (REST, metrics, the web page), consulted for GET and
   * HEAD before authentication: it answers and returns true for a path it serves, or returns false
   * and the request gets the JSON-RPC treatment (401 without credentials, 405 for a GET).
   * JSON-RPC itself is POST only and always authenticated.
   */
  publicGet?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Told of every call of a known method: how long it took and whether it failed (metrics). */
  onCall?: (method: string, seconds: number, ok: boolean) => void;
  /**
   * Methods that keep the order of their calls themselves once started (sendrawtransaction: the
   * mempool takes payments in the order they arrive). A run of such calls in a batch starts at
   * once instead of one after another, so their work can overlap (the payments' signatures go to
   * the verify workers together); any other call in a batch starts once every call before it has
   * finished, as bitcoind runs a batch.
   */
  ordered?: ReadonlySet<string>;
}

interface Reply {
  result: unknown;
  error: { code: number; message: string } | null;
  id: unknown;
  jsonrpc?: string;
}

interface RpcRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/**
 * JSON-RPC 1.0/2.0 over HTTP POST, bitcoind style: Basic auth, batches, bounded bodies, errors
 * with codes. Parameters may be positional (array) or named (object, mapped to positions by
 * `namedParams`).
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
    if ((req.method === 'GET' || req.method === 'HEAD') && this.o.publicGet?.(req, res)) {
      drain(req);
      return;
    }
    if (!this.authorized(req)) {
      answerUnread(
        req,
        res,
        401,
        { 'www-authenticate': 'Basic realm="jsonrpc"', 'content-type': 'text/plain' },
        'unauthorized\n',
      );
      return;
    }
    if (req.method !== 'POST') {
      answerUnread(
        req,
        res,
        405,
        { allow: 'POST', 'content-type': 'text/plain' },
        'JSON-RPC server handles only POST requests\n',
      );
      return;
    }
    const tooLarge = () =>
      answerUnread(
        req,
        res,
        413,
        { 'content-type': 'application/json' },
        toJson({
          result: null,
          error: { code: RpcErrorCode.InvalidRequest, message: `request body over ${MAX_BODY_BYTES} bytes` },
          id: null,
        }),
      );
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      tooLarge();
      return;
    }
    const raw = await readBody(req);
    if (raw === 'aborted') return; // the client went away
    if (raw === 'too-large') {
      tooLarge();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      send(500, toJson({ result: null, error: { code: RpcErrorCode.ParseError, message: 'Parse error' }, id: null }));
      return;
    }
    if (Array.isArray(body)) {
      if (body.length > MAX_BATCH) {
        send(
          400,
          toJson({
            result: null,
            error: { code: RpcErrorCode.InvalidRequest, message: `batch of more than ${MAX_BATCH} requests` },
            id: null,
          }),
        );
        return;
      }
      send(200, toJson(await this.callBatch(body as RpcRequest[])));
      return;
    }
    const reply = await this.call(body as RpcRequest);
    // Like bitcoind: a failed single request gets an HTTP error status with the JSON error body.
    const status = reply.error ? (reply.error.code === RpcErrorCode.MethodNotFound ? 404 : 500) : 200;
    send(status, toJson(reply));
  }

  /** A batch's replies in its order: each call after the previous one, but runs of `ordered` methods together. */
  private async callBatch(batch: RpcRequest[]): Promise<Reply[]> {
    const ordered = this.o.ordered;
    const out: Reply[] = [];
    let i = 0;
    while (i < batch.length) {
      const run: Promise<Reply>[] = [];
      while (i < batch.length && ordered?.has((batch[i] as RpcRequest | null)?.method as string)) {
        run.push(this.call(batch[i++]!));
      }
      if (run.length > 0) out.push(...(await Promise.all(run)));
      else out.push(await this.call(batch[i++]!));
    }
    return out;
  }

  private async call(r: RpcRequest): Promise<Reply> {
    const id = r && typeof r === 'object' && 'id' in r ? r.id : null;
    const v2 = r && typeof r === 'object' && r.jsonrpc === '2.0';
    const wrap = (result: unknown, error: { code: number; message: string } | null) =>
      v2 ? { jsonrpc: '2.0', result, error, id } : { result, error, id };
    if (!r || typeof r !== 'object' || typeof r.method !== 'string')
      return wrap(null, { code: RpcErrorCode.InvalidRequest, message: 'Invalid request: method must be a string' });
    const fn = Object.hasOwn(this.o.methods, r.method) ? this.o.methods[r.method] : undefined;
    if (!fn) return wrap(null, { code: RpcErrorCode.MethodNotFound, message: 'Method not found' });
    let params: unknown[];
    if (r.params === undefined || r.params === null) params = [];
    else if (Array.isArray(r.params)) params = r.params;
    else if (typeof r.params === 'object') {
      const mapped = this.o.namedParams
        ? this.o.namedParams(r.method, r.params as Record<string, unknown>)
        : 'named parameters are not supported';
      if (typeof mapped === 'string') return wrap(null, { code: RpcErrorCode.InvalidParameter, message: mapped });
      params = mapped;
    } else
      return wrap(null, {
        code: RpcErrorCode.InvalidRequest,
        message: 'Invalid request: params must be an array or an object',
      });
    const started = performance.now();
    const done = (ok: boolean) => this.o.onCall?.(r.method as string, (performance.now() - started) / 1000, ok);
    try {
      const result = await fn(params);
      done(true);
      return wrap(result, null);
    } catch (err) {
      done(false);
      if (err instanceof RpcError) return wrap(null, { code: err.code, message: err.message });
      this.o.onError?.(err as Error);
      return wrap(null, { code: RpcErrorCode.Misc, message: (err as Error).message || String(err) });
    }
  }
}

/**
 * Read a request body of at most MAX_BODY_BYTES. On 'too-large' the stream is paused, not
 * destroyed, so the caller can still answer 413 on the same socket.
 */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (r: Buffer | 'too-large' | 'aborted') => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      // The 'error' listener stays: a late socket error must not become an unhandled 'error' event.
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        done('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks));
    const onAbort = () => done('aborted');
    // Closed before the whole body arrived: the client went away.
    const onClose = () => {
      if (!req.complete) done('aborted');
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

/**
 * Answer a request whose body is not read: the whole response at once, with its length (a client
 * that reads while it sends has it complete), then read and drop the rest of the body, and end the
 * response only when the body has ended. Ending it sooner lets Node close the socket of a
 * `Connection: close` request while the client still sends; a socket closed with unread data is
 * reset, and the reset destroys the answer before the client reads it (Python's urllib got
 * "Broken pipe" instead of the 413). A keep-alive connection stays in step for its next request.
 * Past MAX_DISCARD_BYTES of body the socket is destroyed: the work stays bounded.
 */
function answerUnread(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.write(body);
  drain(req, () => res.end());
}

/** Read and drop the rest of a request body that is not read (`onEnd` when it has ended); hang up past a bound. */
function drain(req: IncomingMessage, onEnd?: () => void): void {
  if (req.readableEnded) {
    onEnd?.();
    return;
  }
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARD_BYTES) req.destroy();
  });
  if (onEnd) req.once('end', onEnd);
  req.on('error', () => undefined);
  req.resume();
}
