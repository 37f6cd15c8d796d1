import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import { RpcError } from './errors.js';
import { parseJsonExact } from './json.js';

export interface RpcClientOptions {
  url: string;
  /** `user:password` for HTTP Basic auth. */
  auth: string;
  timeoutMs?: number;
}

/** The node is not reachable (not running, wrong port): distinct from an RPC error it returned. */
export class RpcConnectionError extends Error {
  override readonly name = 'RpcConnectionError';
}

// node:http and node:https through require: an ES import of either loads Node's fetch
// implementation with it (see rpc/server.ts).
const requireCjs = createRequire(import.meta.url);

/**
 * A JSON-RPC client for a powchain node, used by `powchain rpc`, the wallet, the testnet and the
 * benchmarks. It speaks HTTP/1.1 through node:http over kept-alive connections: fetch cost about
 * three times the CPU per call (measured: 266-345 µs against 88-130 µs, 16 calls in flight), which
 * on a machine running the node too is CPU the node does not get. Idle connections do not keep
 * the process alive.
 */
export class RpcClient {
  private nextId = 1;
  private readonly http: typeof Http;
  private readonly agent: Http.Agent;
  private readonly authorization: string;

  constructor(private readonly o: RpcClientOptions) {
    this.http = requireCjs(new URL(o.url).protocol === 'https:' ? 'node:https' : 'node:http') as typeof Http;
    this.agent = new this.http.Agent({ keepAlive: true });
    this.authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
  }

  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const body = await this.post({ jsonrpc: '2.0', id: this.nextId++, method, params });
    const reply = (body ?? {}) as { result?: T; error?: { code: number; message: string } | null };
    if (reply.error) throw new RpcError(reply.error.code, reply.error.message);
    return reply.result as T;
  }

  /**
   * Several calls in one HTTP request (a JSON-RPC batch), results in the order given. The first
   * failed call's error is thrown.
   */
  async callBatch<T = unknown>(calls: { method: string; params?: unknown[] }[]): Promise<T[]> {
    const settled = await this.callBatchSettled<T>(calls);
    const failed = settled.find((r): r is RpcError => r instanceof RpcError);
    if (failed) throw failed;
    return settled as T[];
  }

  /**
   * Several calls in one HTTP request, each call's result or RpcError in the order given: for a
   * tool that submits many payments at once and must know which of them failed. Throws only when
   * the request as a whole fails (connection, authorization, a reply that is not the batch's).
   */
  async callBatchSettled<T = unknown>(calls: { method: string; params?: unknown[] }[]): Promise<(T | RpcError)[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const body = await this.post(
      calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params ?? [] })),
    );
    if (!Array.isArray(body) || body.length !== calls.length)
      throw new RpcError(-1, `the node answered a batch of ${calls.length} with something else`);
    const byId = new Map<unknown, { result?: T; error?: { code: number; message: string } | null }>(
      body.map((r: { id?: unknown }) => [r?.id, r as never]),
    );
    return calls.map((_, i) => {
      const r = byId.get(first + i);
      if (!r) throw new RpcError(-1, `the node's batch reply lacks call ${i + 1}`);
      if (r.error) return new RpcError(r.error.code, r.error.message);
      return r.result as T;
    });
  }

  /** Closes the idle connections (they do not keep the process alive; this frees them at once). */
  close(): void {
    this.agent.destroy();
  }

  /** One POST of `payload` as JSON: the parsed reply, or an RpcConnectionError / RpcError saying why not. */
  private async post(payload: unknown): Promise<unknown> {
    const body = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const { status, text } = await this.send(body);
    if (status === 401) throw new RpcError(-1, 'authorization failed: wrong RPC credentials or cookie');
    try {
      // Non-integer numbers (amounts) stay exact: see RawNumber.
      return parseJsonExact(text);
    } catch {
      throw new RpcError(-1, `node answered HTTP ${status} with non-JSON: ${text.slice(0, 200)}`);
    }
  }

  /** One POST: the status and the whole body, or an RpcConnectionError saying why there is none. */
  private send(body: string): Promise<{ status: number; text: string }> {
    const timeoutMs = this.o.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        reject(new RpcConnectionError(`cannot reach the node at ${this.o.url} (${reason}); is it running?`));
      };
      const req = this.http.request(
        this.o.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: this.authorization,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, text });
          });
          res.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      req.end(body);
    });
  }
}
