import type { IncomingMessage, ServerResponse } from 'node:http';

/** MAX_URL_CHARS: the longest request target a public page answers; longer ones get 414. */
export const MAX_URL_CHARS = 2_048;

/** A public GET handler: answers the request, or returns false when the path is not its own. */
export type PublicHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Headers every public answer carries: nothing here may be framed by or sniffed as another type. */
const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Answer with `body`; a HEAD request gets the headers only. */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': contentType,
    'content-length': String(bytes.length),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** A JSON answer; `json` is already serialized (callers use toJson for exact amounts). */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, json: string): void {
  send(req, res, status, 'application/json', `${json}\n`);
}

/** An error as one line of JSON: `{"error":"..."}` (400 bad input, 404 unknown, 503 busy...). */
export function sendError(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  sendJson(req, res, status, JSON.stringify({ error: message.replace(/\s*\n\s*/g, ' ') }));
}

/** An error a route throws to answer with `status` and a one-line JSON message. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
