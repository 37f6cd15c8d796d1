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
    let res: Response;
    try {
      res = await fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(this.o.auth).toString('base64')}`,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }, (_k, v: unknown) =>
          typeof v === 'bigint' ? v.toString() : v,
        ),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 120_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new RpcConnectionError(`cannot reach the node at ${this.o.url} (${cause}); is it running?`);
    }
    if (res.status === 401) throw new RpcError(-1, 'authorization failed: wrong RPC credentials or cookie');
    const text = await res.text();
    let body: { result?: T; error?: { code: number; message: string } | null };
    try {
      // Non-integer numbers (amounts) stay exact: see RawNumber.
      body = parseJsonExact(text) as typeof body;
    } catch {
      throw new RpcError(-1, `node answered HTTP ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    if (body.error) throw new RpcError(body.error.code, body.error.message);
    return body.result as T;
  }
}
