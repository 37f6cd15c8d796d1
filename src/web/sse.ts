import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './http.js';

/** MAX_EVENT_CLIENTS: open event streams at once; one more gets 503. */
export const MAX_EVENT_CLIENTS = 64;
/**
 * MAX_CLIENT_BACKLOG: bytes queued for a client that does not read; past it the client is
 * dropped (it reconnects and reloads), so a stalled browser never grows the node's memory.
 */
export const MAX_CLIENT_BACKLOG = 1024 * 1024;
/** A comment line this often keeps proxies and idle timers from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events to every open page: `publish(type, data)` writes one event to each client.
 * Bounded in clients and in each client's backlog; `close()` ends every stream.
 */
export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly maxClients = MAX_EVENT_CLIENTS) {
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Open an event stream on this request; `hello` is the first event (the state to start from). */
  attach(req: IncomingMessage, res: ServerResponse, hello?: { type: string; data: unknown }): void {
    if (this.closed || this.clients.size >= this.maxClients) {
      sendError(req, res, 503, `too many open event streams (at most ${this.maxClients})`);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    // Browsers reconnect after this many milliseconds when the stream drops.
    res.write('retry: 2000\n\n');
    if (hello) res.write(frame(hello.type, hello.data));
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    res.on('close', drop);
    res.on('error', drop);
  }

  publish(type: string, data: unknown): void {
    if (this.clients.size > 0) this.write(frame(type, data));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const c of this.clients) {
      if (c.writableLength > MAX_CLIENT_BACKLOG) {
        this.clients.delete(c);
        c.destroy();
        continue;
      }
      c.write(text);
    }
  }
}

/** One event: its type and its data as one line of JSON. */
function frame(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
