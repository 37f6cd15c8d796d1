/**
 * The event streams both pages depend on, over real sockets: a client that stops reading is
 * dropped once its backlog passes the bound (the server's memory stays bounded), and the
 * follower reconnects after a drop and refuses an event larger than its bound.
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { EventHub, MAX_CLIENT_BACKLOG } from '../../src/web/sse.js';
import { followEvents, MAX_EVENT_BYTES } from '../../src/web/sse-client.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a client that does not read is dropped past its backlog; a reading one keeps its stream', async () => {
  const hub = new EventHub();
  const server = createServer((req, res) => hub.attach(req, res));
  const port = await listen(server);
  const stop = new AbortController();
  let received = 0;
  const reader = followEvents(`http://127.0.0.1:${port}/`, () => received++, { signal: stop.signal });
  // A raw client that sends its request and never reads a byte.
  const stalled = connect(port, '127.0.0.1');
  stalled.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  stalled.pause();
  try {
    await until(() => hub.size === 2, 'both clients attached');
    const chunk = 'x'.repeat(64 * 1024);
    // One event at a time, each once the reading client has it (so its own backlog stays small),
    // until the stalled one's kernel buffers and then its backlog bound are full.
    let sent = 0;
    for (; hub.size === 2 && sent < 4 * 1024; sent++) {
      hub.publish('bulk', chunk);
      await until(() => received === sent + 1, `the reader to get event ${sent + 1}`);
    }
    expect(hub.size).toBe(1);
    expect(received).toBeGreaterThan(MAX_CLIENT_BACKLOG / chunk.length);
    // The one left is the reader: it still gets every event.
    hub.publish('bulk', 'after');
    await until(() => received === sent + 1, 'the reader to get the next event');
  } finally {
    stop.abort();
    stalled.destroy();
    hub.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await reader;
  }
});

test('the follower reconnects after a drop and refuses an oversized event', async () => {
  let connections = 0;
  const server = createServer((_req, res) => {
    connections++;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (connections === 1) {
      // One good event, then the server hangs up.
      res.end('event: hello\ndata: {"n":1}\n\n');
    } else {
      // An event that never ends, longer than the bound.
      res.write(`event: big\ndata: "${'y'.repeat(MAX_EVENT_BYTES + 10)}`);
    }
  });
  const port = await listen(server);
  const stop = new AbortController();
  const events: string[] = [];
  const states: string[] = [];
  const follow = followEvents(
    `http://127.0.0.1:${port}/`,
    (type, data) => events.push(`${type} ${JSON.stringify(data)}`),
    {
      signal: stop.signal,
      retryMs: 50,
      onState: (s, why) => states.push(why ? `${s}: ${why}` : s),
    },
  );
  try {
    await until(
      () => states.some((s) => s.includes(`an event over ${MAX_EVENT_BYTES} bytes`)),
      'the oversized event refused',
    );
    expect(events).toEqual(['hello {"n":1}']);
    expect(states.slice(0, 3)).toEqual(['live', 'down: the stream ended', 'live']);
  } finally {
    stop.abort();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await follow;
  }
});
