/**
 * Every client gets the server's answer to a request it did not read, however the client sends:
 * with `Connection: close` and the whole body written before the reply is read (what Python's
 * urllib does), the server used to close the socket with the body unread, and the reset
 * destroyed the 413 in flight (the client saw Broken pipe). A raw socket client stands in for
 * such a client here, so nothing in between hides what the server does.
 */
import { connect } from 'node:net';
import { MAX_BODY_BYTES, MAX_DISCARD_BYTES, RpcServer } from '../../src/rpc/server.js';

const CREDENTIALS = 'user:secret';
const auth = (c: string) => `Basic ${Buffer.from(c).toString('base64')}`;

interface RawReply {
  /** Everything the server sent before it closed. */
  text: string;
  /** The socket error the client met, if any (EPIPE, ECONNRESET...). */
  error?: string;
}

/**
 * Send a request head and then `bodyBytes` bytes of body (chunked when `chunked`), writing all of
 * it before reading anything, and collect what the server sends until it closes.
 */
function rawRequest(
  port: number,
  o: {
    bodyBytes: number;
    chunked?: boolean;
    credentials?: string;
    connection?: 'close' | 'keep-alive';
    /** Written after the body: a next request on the same connection. */
    then?: string;
  },
): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let error: string | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (err: NodeJS.ErrnoException) => (error ??= err.code ?? err.message));
    socket.on('close', () => resolve({ text, error }));
    socket.setTimeout(60_000, () => socket.destroy(new Error('timed out')));
    const head = [
      'POST / HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Authorization: ${auth(o.credentials ?? CREDENTIALS)}`,
      `Connection: ${o.connection ?? 'close'}`,
      o.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${o.bodyBytes}`,
      '',
      '',
    ].join('\r\n');
    const piece = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < o.bodyBytes && !socket.destroyed) {
        const n = Math.min(piece.length, o.bodyBytes - sent);
        sent += n;
        const data = o.chunked
          ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece.subarray(0, n), Buffer.from('\r\n')])
          : piece.subarray(0, n);
        if (!socket.write(data)) return void socket.once('drain', pump);
      }
      if (o.chunked && !socket.destroyed) socket.write('0\r\n\r\n');
      if (o.then && !socket.destroyed) socket.write(o.then);
    };
    socket.write(head);
    pump();
  });
}

describe('answers to requests whose body the server does not read', () => {
  let server: RpcServer;
  let port: number;
  beforeAll(async () => {
    server = new RpcServer({
      host: '127.0.0.1',
      port: 0,
      credentials: () => [CREDENTIALS],
      methods: { getblockcount: () => 7 },
    });
    ({ port } = await server.listen());
  });
  afterAll(() => server.close());

  const BIG = MAX_BODY_BYTES + 1024 * 1024;

  test.each([
    ['declared length', false],
    ['chunked', true],
  ])('Connection: close, %s, body over the cap: the client reads the whole 413', async (_name, chunked) => {
    const r = await rawRequest(port, { bodyBytes: BIG, chunked });
    expect(r.error).toBeUndefined();
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
    expect(JSON.parse(body)).toEqual({
      result: null,
      error: { code: -32600, message: `request body over ${MAX_BODY_BYTES} bytes` },
      id: null,
    });
  });

  test('Connection: close, wrong credentials and a large body: the client reads the whole 401', async () => {
    const r = await rawRequest(port, { bodyBytes: BIG, credentials: 'user:wrong' });
    expect(r.error).toBeUndefined();
    expect(r.text).toMatch(/^HTTP\/1\.1 401 /);
    expect(r.text.endsWith('unauthorized\n')).toBe(true);
  });

  test('a body past the discard bound is cut off (bounded work), and the server keeps answering', async () => {
    const r = await rawRequest(port, { bodyBytes: MAX_DISCARD_BYTES + 8 * 1024 * 1024 });
    // The answer went out first; whether it was read before the hang-up depends on timing.
    expect(r.text === '' || /^HTTP\/1\.1 413 /.test(r.text)).toBe(true);
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { authorization: auth(CREDENTIALS), 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getblockcount', params: [] }),
    });
    expect(await res.json()).toEqual({ jsonrpc: '2.0', result: 7, error: null, id: 1 });
  });

  test('keep-alive: the body is read past, so the next request on the connection is answered', async () => {
    const next = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'getblockcount', params: [] });
    const r = await rawRequest(port, {
      bodyBytes: BIG,
      connection: 'keep-alive',
      then: [
        'POST / HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: ${auth(CREDENTIALS)}`,
        'Connection: close',
        `Content-Length: ${next.length}`,
        '',
        next,
      ].join('\r\n'),
    });
    expect(r.error).toBeUndefined();
    const replies = r.text.split(/(?=HTTP\/1\.1 )/);
    expect(replies.map((x) => x.slice(0, 12))).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
    expect(replies[1]).toContain('{"jsonrpc":"2.0","result":7,"error":null,"id":2}');
  });
});
