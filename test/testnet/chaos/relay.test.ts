/**
 * The link relay (src/testnet/relay.ts) on 127.0.0.1, with real sockets: bytes cross both ways;
 * latency and bandwidth hold them at least as long as they say (lower bounds only: a busy machine
 * only adds delay); a stall and a one-way cut hold bytes, ends and new connections until lifted,
 * without closing anything; a target that is down resets the dialler; a stalled link stops
 * reading its source instead of buffering without bound; bad requests are typed errors. Then the
 * same relay as a process driven over its stdin (relay-server.ts, relay-process.ts).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { Relay, RelayError, MAX_QUEUED_BYTES } from '../../../src/testnet/relay.js';
import { serveRelay } from '../../../src/testnet/relay-server.js';
import { RelayProcess } from '../../../src/testnet/relay-process.js';
import { ensureBuilt } from '../helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A server that echoes, or records what it receives. */
async function target(
  mode: 'echo' | 'sink',
): Promise<{ server: Server; port: number; got: () => Buffer; conns: () => number }> {
  const chunks: Buffer[] = [];
  let conns = 0;
  const server = createServer({ allowHalfOpen: true }, (s) => {
    conns++;
    s.on('error', () => undefined);
    if (mode === 'echo') s.pipe(s);
    else {
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('end', () => s.end());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return {
    server,
    port: (server.address() as { port: number }).port,
    got: () => Buffer.concat(chunks),
    conns: () => conns,
  };
}

async function relayTo(port: number): Promise<{ relay: Relay; port: number }> {
  const relay = new Relay(7);
  closers.push(() => relay.close());
  const p = await relay.addLink('1>0', { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port });
  return { relay, port: p };
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
    closers.push(() => void s.destroy());
  });
}

/** Collect what arrives on `s` until `n` bytes have, or `ms` pass. */
function read(s: Socket, n: number, ms: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      clearTimeout(timer);
      s.off('data', onData);
      resolve(Buffer.concat(chunks));
    };
    const onData = (d: Buffer) => {
      chunks.push(d);
      total += d.length;
      if (total >= n) done();
    };
    const timer = setTimeout(done, ms);
    s.on('data', onData);
  });
}

test('bytes cross the relay both ways, unchanged', async () => {
  const echo = await target('echo');
  const { relay, port } = await relayTo(echo.port);
  const s = await dial(port);
  const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
  s.write(data);
  expect((await read(s, data.length, 20_000)).equals(data)).toBe(true);
  const st = relay.stats('1>0');
  expect(st).toMatchObject({ connections: 1, forwardBytes: data.length, backwardBytes: data.length });
});

test('latency and bandwidth hold the bytes at least as long as they say', async () => {
  const echo = await target('echo');
  const { relay, port } = await relayTo(echo.port);
  relay.shape('1>0', { latencyMs: 150, jitterMs: 50 });
  const s = await dial(port);
  let t = performance.now();
  s.write('ping');
  expect((await read(s, 4, 20_000)).toString()).toBe('ping');
  // There and back: two crossings of at least 150 ms each.
  expect(performance.now() - t).toBeGreaterThanOrEqual(300);

  relay.shape('1>0', { latencyMs: 0, jitterMs: 0, bandwidth: 100_000 });
  const data = Buffer.alloc(50_000, 1);
  t = performance.now();
  s.write(data);
  expect((await read(s, data.length, 20_000)).length).toBe(data.length);
  // 50 kB each way at 100 kB/s: at least half a second per crossing.
  expect(performance.now() - t).toBeGreaterThanOrEqual(900);
});

test('a stall holds bytes and the end of the stream, closes nothing, and lets them go when lifted', async () => {
  const sink = await target('sink');
  const { relay, port } = await relayTo(sink.port);
  const s = await dial(port);
  s.write('before');
  for (let i = 0; i < 100 && sink.got().length < 6; i++) await sleep(50);
  expect(sink.got().toString()).toBe('before');
  relay.shape('1>0', { stalled: true });
  s.write('-held');
  s.end();
  await sleep(400);
  expect(sink.got().toString()).toBe('before');
  expect(s.destroyed).toBe(false);
  relay.shape('1>0', { stalled: false });
  for (let i = 0; i < 100 && sink.got().length < 11; i++) await sleep(50);
  expect(sink.got().toString()).toBe('before-held');
});

test('a one-way cut is silence in one direction only, and holds new connections until lifted', async () => {
  const echo = await target('echo');
  const { relay, port } = await relayTo(echo.port);
  const s = await dial(port);
  s.write('a');
  expect((await read(s, 1, 20_000)).toString()).toBe('a');
  // Listener -> dialler cut: the request arrives, the answer does not.
  relay.shape('1>0', { cutBackward: true });
  s.write('b');
  expect((await read(s, 1, 400)).toString()).toBe('');
  relay.shape('1>0', { cutBackward: false });
  expect((await read(s, 1, 20_000)).toString()).toBe('b');

  // Dialler -> listener cut: a new connection never reaches the target while it lasts.
  relay.shape('1>0', { cutForward: true });
  const before = echo.conns();
  const s2 = await dial(port);
  s2.write('c');
  await sleep(400);
  expect(echo.conns()).toBe(before);
  relay.shape('1>0', { cutForward: false });
  expect((await read(s2, 1, 20_000)).toString()).toBe('c');
  expect(echo.conns()).toBe(before + 1);
});

test('a target that is down resets the dialler', async () => {
  const sink = await target('sink');
  const { port } = await relayTo(sink.port);
  await new Promise<void>((r) => sink.server.close(() => r()));
  const s = await dial(port);
  const closed = await new Promise<boolean>((resolve) => {
    s.on('error', () => undefined);
    s.once('close', () => resolve(true));
    setTimeout(() => resolve(false), 20_000);
  });
  expect(closed).toBe(true);
});

test('a stalled link stops reading its source instead of buffering without bound', async () => {
  const sink = await target('sink');
  const { relay, port } = await relayTo(sink.port);
  relay.shape('1>0', { stalled: true });
  const s = await dial(port);
  const total = 10 * MAX_QUEUED_BYTES;
  s.write(Buffer.alloc(total, 7));
  await sleep(1_500);
  // What the relay took is at most its cap plus what the kernel buffers on the way: the sender
  // still holds most of it.
  expect(s.writableLength).toBeGreaterThan(total / 2);
  relay.shape('1>0', { stalled: false });
  for (let i = 0; i < 600 && sink.got().length < total; i++) await sleep(100);
  expect(sink.got().length).toBe(total);
});

test('bad requests are typed errors', async () => {
  const relay = new Relay(1);
  closers.push(() => relay.close());
  expect(() => relay.shape('nope', { stalled: true })).toThrow(RelayError);
  await relay.addLink('a', { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 9 });
  await expect(relay.addLink('a', { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 9 })).rejects.toThrow(
    RelayError,
  );
  expect(() => relay.shape('a', { latencyMs: -1 })).toThrow(/latencyMs must be a number of 0 or more/);
  expect(() => relay.shape('a', { bandwidth: Number.NaN })).toThrow(RelayError);
  expect(() => relay.shape('a', { stalled: 'yes' as never })).toThrow(/stalled must be true or false/);
  // A refused shape changes nothing.
  expect(relay.stats('a').shape.latencyMs).toBe(0);
});

test('relay server: JSON lines in, replies out, bad lines answered, closes when its input ends', async () => {
  const echo = await target('echo');
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  output.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  const served = serveRelay(input, output, 3);
  const reply = async (id: number) => {
    for (let i = 0; i < 200; i++) {
      const r = lines.find((l) => l.id === id);
      if (r) return r;
      await sleep(25);
    }
    throw new Error(`no reply ${id}`);
  };
  input.write(
    `${JSON.stringify({ id: 1, op: 'add', link: 'x', listen: { host: '127.0.0.1', port: 0 }, target: { host: '127.0.0.1', port: echo.port } })}\n`,
  );
  const added = await reply(1);
  expect(added).toMatchObject({ id: 1, ok: true });
  input.write(`${JSON.stringify({ id: 2, op: 'shape', link: 'x', shape: { latencyMs: 5 } })}\n`);
  expect(await reply(2)).toMatchObject({ ok: true, shape: { latencyMs: 5, stalled: false } });
  input.write('not json\n');
  input.write(`${JSON.stringify({ id: 3, op: 'fly' })}\n`);
  input.write(`${JSON.stringify({ id: 4, op: 'shape', link: 'y', shape: {} })}\n`);
  input.write(`${JSON.stringify({ id: 5, op: 'add', link: 'z', listen: { host: '127.0.0.1', port: 'x' } })}\n`);
  expect(await reply(3)).toMatchObject({ ok: false, error: 'unknown op "fly"' });
  expect(await reply(4)).toMatchObject({ ok: false, error: 'no link y' });
  expect(await reply(5)).toMatchObject({ ok: false, error: 'listen must be {host, port}' });
  expect(lines.find((l) => l.id === null)).toMatchObject({ ok: false });
  const s = await dial(added.port as number);
  s.write('hi');
  expect((await read(s, 2, 20_000)).toString()).toBe('hi');
  input.end();
  await served;
  await expect(dial(added.port as number)).rejects.toThrow();
});

test('relay process: started as a child, driven over its stdin, gone when closed', async () => {
  await ensureBuilt();
  const echo = await target('echo');
  const rp = await RelayProcess.start([], 5);
  closers.push(() => rp.close());
  const port = await rp.addLink('2>1', { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: echo.port });
  await expect(rp.shape('2>1', { latencyMs: 20 })).resolves.toMatchObject({ latencyMs: 20 });
  await expect(rp.shape('nope', {})).rejects.toThrow(RelayError);
  const s = await dial(port);
  s.write('yo');
  expect((await read(s, 2, 20_000)).toString()).toBe('yo');
  expect(await rp.stats('2>1')).toMatchObject({ connections: 1, forwardBytes: 2, backwardBytes: 2 });
  await rp.close();
  await expect(rp.addLink('3>1', { host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 1 })).rejects.toThrow(
    /exited/,
  );
}, 120_000);
