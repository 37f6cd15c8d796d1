import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import type { RpcMethod } from '../../rpc/server.js';
import { HttpError } from '../../web/http.js';

/** The HTTP status for an RPC error a read method threw: unknown things 404, bad input 400. */
export function statusOfRpcError(code: number): number {
  switch (code) {
    case RpcErrorCode.InvalidAddressOrKey:
      return 404;
    case RpcErrorCode.Type:
    case RpcErrorCode.InvalidParameter:
    case RpcErrorCode.InvalidParams:
    case RpcErrorCode.Deserialization:
      return 400;
    default:
      return 500;
  }
}

/**
 * Call an RPC method's implementation for a public page: the REST and explorer answers are the
 * RPC's own, field for field. Its RpcError becomes an HttpError with the matching status.
 */
export async function callMethod<T = unknown>(
  methods: Record<string, RpcMethod>,
  name: string,
  params: unknown[] = [],
): Promise<T> {
  const fn = methods[name];
  if (!fn) throw new Error(`no RPC method ${name}`);
  try {
    return (await fn(params)) as T;
  } catch (err) {
    if (err instanceof RpcError) throw new HttpError(statusOfRpcError(err.code), err.message);
    throw err;
  }
}
