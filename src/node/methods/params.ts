import { decodeAddress, AddressError } from '../../crypto/address.js';
import { hexToBytes, hexToHash } from '../../encoding/hex.js';
import { RpcError, RpcErrorCode } from '../../rpc/errors.js';

/** Parameter readers: a wrong type or value is a -8/-3 RPC error with a readable message. */
export const p = {
  required(params: unknown[], i: number, name: string): unknown {
    if (params[i] === undefined || params[i] === null)
      throw new RpcError(RpcErrorCode.InvalidParams, `missing parameter ${i + 1}: ${name}`);
    return params[i];
  },
  hash(params: unknown[], i: number, name: string): Uint8Array {
    const v = p.required(params, i, name);
    if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v))
      throw new RpcError(RpcErrorCode.InvalidParameter, `${name} must be a 64-character hex string`);
    return hexToHash(v);
  },
  hex(params: unknown[], i: number, name: string): Uint8Array {
    const v = p.required(params, i, name);
    if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(v))
      throw new RpcError(RpcErrorCode.Deserialization, `${name} must be a hex string`);
    return hexToBytes(v);
  },
  int(
    params: unknown[],
    i: number,
    name: string,
    dflt?: number,
    min = Number.MIN_SAFE_INTEGER,
    max = Number.MAX_SAFE_INTEGER,
  ): number {
    const v = params[i] ?? dflt;
    if (v === undefined) return p.required(params, i, name) as never;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new RpcError(RpcErrorCode.Type, `${name} must be an integer`);
    if (n < min || n > max)
      throw new RpcError(RpcErrorCode.InvalidParameter, `${name} must be between ${min} and ${max}`);
    return n;
  },
  bool(params: unknown[], i: number, name: string, dflt?: boolean): boolean {
    const v = params[i] ?? dflt;
    if (v === true || v === 'true' || v === 1) return true;
    if (v === false || v === 'false' || v === 0) return false;
    if (v === undefined) return p.required(params, i, name) as never;
    throw new RpcError(RpcErrorCode.Type, `${name} must be true or false`);
  },
  str(params: unknown[], i: number, name: string, dflt?: string): string {
    const v = params[i] ?? dflt;
    if (v === undefined) return p.required(params, i, name) as never;
    if (typeof v !== 'string') throw new RpcError(RpcErrorCode.Type, `${name} must be a string`);
    return v;
  },
  address(params: unknown[], i: number, name: string, hrp: string): Uint8Array {
    const v = p.str(params, i, name);
    try {
      return decodeAddress(v, hrp);
    } catch (err) {
      if (err instanceof AddressError)
        throw new RpcError(RpcErrorCode.InvalidAddressOrKey, `invalid address: ${err.message}`);
      throw err;
    }
  },
};
