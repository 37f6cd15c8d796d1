import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, MAX_URL_CHARS, sendError, type PublicHandler } from './http.js';

/** What a route gets: the path's captured parts, the query, and the request to answer. */
export interface RouteContext {
  params: string[];
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
}

export type Route = (ctx: RouteContext) => void | Promise<void>;

/**
 * GET routes by regular expression over the decoded path. A route that throws an HttpError
 * answers with its status and a one-line JSON error; anything else thrown is a 500 reported to
 * `onError` (never the client's fault, never a crash).
 */
export class Router {
  private readonly routes: { pattern: RegExp; route: Route }[] = [];

  constructor(private readonly onError: (err: Error) => void = () => undefined) {}

  get(pattern: RegExp, route: Route): this {
    this.routes.push({ pattern, route });
    return this;
  }

  /** The routes below `prefix` as one public handler; paths outside it are left to others. */
  handler(prefix = '/'): PublicHandler {
    return (req, res) => {
      const target = req.url ?? '/';
      const path = target.split('?', 1)[0]!;
      if (!path.startsWith(prefix)) return false;
      if (target.length > MAX_URL_CHARS) {
        sendError(req, res, 414, `request target over ${MAX_URL_CHARS} characters`);
        return true;
      }
      void this.dispatch(req, res, target);
      return true;
    };
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    let url: URL;
    let path: string;
    try {
      url = new URL(target, 'http://localhost');
      path = decodeURIComponent(url.pathname);
    } catch {
      sendError(req, res, 400, 'malformed request target');
      return;
    }
    for (const { pattern, route } of this.routes) {
      const m = pattern.exec(path);
      if (!m) continue;
      try {
        await route({ params: m.slice(1).map((s) => s ?? ''), query: url.searchParams, req, res });
      } catch (err) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof HttpError) sendError(req, res, err.status, err.message);
        else {
          this.onError(err as Error);
          sendError(req, res, 500, (err as Error).message || 'internal error');
        }
      }
      return;
    }
    sendError(req, res, 404, `no such path: ${path}`);
  }
}

/** Several public handlers as one: the first that takes the request answers it. */
export function combineHandlers(handlers: PublicHandler[]): PublicHandler {
  return (req, res) => handlers.some((h) => h(req, res));
}
