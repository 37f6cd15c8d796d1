/**
 * Stratum v1's wire format: newline-delimited JSON-RPC 1.0 over TCP. Requests are
 * `{"id", "method", "params": [...]}`; replies `{"id", "result", "error"}` where an error is
 * `[code, message, traceback]`; server notifications have `"id": null`. The error codes are the
 * ones mining software knows (slush's protocol description, as cpuminer, cgminer and ckpool use
 * them).
 */

export const StratumError = {
  Other: 20,
  /** Also used for a stale job: the job existed but a new block made it worthless. */
  JobNotFound: 21,
  Duplicate: 22,
  LowDifficulty: 23,
  Unauthorized: 24,
  NotSubscribed: 25,
} as const;
export type StratumErrorCode = (typeof StratumError)[keyof typeof StratumError];

/** A request the client sent, after shape checks. */
export interface StratumRequest {
  id: string | number | null;
  method: string;
  params: unknown[];
}

export type Parsed = { ok: true; request: StratumRequest } | { ok: false; id: string | number | null; message: string };

/** Parse one line. Malformed JSON or a message of the wrong shape is an error to answer, never a throw. */
export function parseLine(line: string): Parsed | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return { ok: false, id: null, message: 'Parse error: the line is not JSON' };
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg))
    return { ok: false, id: null, message: 'Malformed message: expected a JSON object' };
  const m = msg as Record<string, unknown>;
  const id = typeof m.id === 'string' || typeof m.id === 'number' ? m.id : null;
  // A reply to something the server asked (no method, a result): nothing to answer.
  if (m.method === undefined && ('result' in m || 'error' in m)) return undefined;
  if (typeof m.method !== 'string' || m.method.length > 64)
    return { ok: false, id, message: 'Malformed request: method must be a short string' };
  const params = m.params === undefined || m.params === null ? [] : m.params;
  if (!Array.isArray(params)) return { ok: false, id, message: 'Malformed request: params must be an array' };
  return { ok: true, request: { id, method: m.method, params } };
}

export function reply(id: string | number | null, result: unknown): string {
  return `${JSON.stringify({ id, result, error: null })}\n`;
}

export function errorReply(id: string | number | null, code: StratumErrorCode, message: string): string {
  return `${JSON.stringify({ id, result: null, error: [code, message, null] })}\n`;
}

export function notification(method: string, params: unknown[]): string {
  return `${JSON.stringify({ id: null, method, params })}\n`;
}

/** A parameter problem: answered as error 20 with this message. */
export class ParamError extends Error {
  override readonly name = 'ParamError';
}

export function paramString(params: unknown[], i: number, name: string, maxLength: number): string {
  const v = params[i];
  if (typeof v !== 'string') throw new ParamError(`${name} must be a string`);
  if (v.length > maxLength) throw new ParamError(`${name} is longer than ${maxLength} characters`);
  return v;
}

/** Exactly `bytes` bytes of hex. */
export function paramHex(params: unknown[], i: number, name: string, bytes: number): Uint8Array {
  const v = params[i];
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9a-fA-F]*$/.test(v))
    throw new ParamError(`${name} must be ${bytes * 2} hex digits`);
  return Uint8Array.from(Buffer.from(v, 'hex'));
}

/** A u32 as 8 big-endian hex digits (ntime, nonce). */
export function paramU32(params: unknown[], i: number, name: string): number {
  const v = params[i];
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{8}$/.test(v)) throw new ParamError(`${name} must be 8 hex digits`);
  return Number.parseInt(v, 16) >>> 0;
}
