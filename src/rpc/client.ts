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

/** A JSON-RPC client for a powchain node, used by `powchain rpc`, the wallet and the testnet. */
export class RpcClient {
  private nextId = 1;

  constructor(private readonly o: RpcClientOptions) {}

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
      if (r.error) throw new RpcError(r.error.code, r.error.message);
      return r.result as T;
    });
  }

  private async post(payload: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(this.o.auth).toString('base64')}`,
        },
        body: JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 120_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new RpcConnectionError(`cannot reach the node at ${this.o.url} (${cause}); is it running?`);
    }
    if (res.status === 401) throw new RpcError(-1, 'authorization failed: wrong RPC credentials or cookie');
    const text = await res.text();
    try {
      // Non-integer numbers (amounts) stay exact: see RawNumber.
      return parseJsonExact(text);
    } catch {
      throw new RpcError(-1, `node answered HTTP ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
  }
}
