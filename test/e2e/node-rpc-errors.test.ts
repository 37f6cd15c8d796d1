/**
 * The RPC server's edges against a real node, over raw HTTP where the client would hide them:
 * authentication (cookie, user/password), body caps, malformed JSON, unknown methods, bad
 * parameters, batches. After each abuse the node still answers.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey, tempDir } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

interface HttpReply {
  status: number;
  body: string;
}

/**
 * POST `body` (a string, or a byte count of filler sent in 64 KB chunks) and resolve with the
 * reply; the server may hang up after answering a too-large body, which is not an error here.
 */
function post(
  port: number,
  body: string | { bytes: number; declare: boolean },
  auth?: string,
  method = 'POST',
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (auth !== undefined) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    if (typeof body === 'string') headers['content-length'] = Buffer.byteLength(body);
    else if (body.declare) headers['content-length'] = body.bytes;
    let status = 0;
    let data = '';
    const req = request({ host: '127.0.0.1', port, method, path: '/', headers, timeout: 30_000 }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ status, body: data }));
      res.on('error', () => resolve({ status, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    // A reset after the status line arrived still counts as that answer.
    req.on('error', (err) => (status ? resolve({ status, body: data }) : reject(err)));
    if (typeof body === 'string') {
      req.end(body);
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < body.bytes) {
        const n = Math.min(chunk.length, body.bytes - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const rpcBody = (method: string, params: unknown[] = [], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 7, method, params, ...extra });

test('auth, 413, parse errors, unknown methods, bad params, batches; the node keeps answering', async () => {
  const node = await NodeProcess.start();
  try {
    const cookie = readFileSync(join(node.datadir, '.cookie'), 'utf8').trim();
    expect(cookie).toMatch(/^__cookie__:[0-9a-f]{64}$/);
    const port = node.rpcPort;
    const alive = async () => expect(await node.call('getblockcount')).toBe(0);

    // Authentication: none, a wrong password, a wrong user → 401; the cookie → 200.
    expect((await post(port, rpcBody('getblockcount'))).status).toBe(401);
    expect((await post(port, rpcBody('getblockcount'), '__cookie__:wrong')).status).toBe(401);
    expect((await post(port, rpcBody('getblockcount'), `x${cookie}`)).status).toBe(401);
    const ok = await post(port, rpcBody('getblockcount'), cookie);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ jsonrpc: '2.0', result: 0, error: null, id: 7 });
    // The CLI with the wrong password: non-zero exit, a readable reason.
    const cliBad = await node.cli('--rpc-user', '__cookie__', '--rpc-password', 'nope', 'getblockcount');
    expect(cliBad.code).not.toBe(0);
    expect(cliBad.stderr).toMatch(/authorization failed/);

    // Bodies over 4 MB: 413, whether the length is declared or streamed chunked.
    expect((await post(port, { bytes: 5 * 1024 * 1024, declare: true }, cookie)).status).toBe(413);
    expect((await post(port, { bytes: 5 * 1024 * 1024, declare: false }, cookie)).status).toBe(413);
    await alive();

    // A client that hangs up halfway through its body leaves the node unharmed.
    await new Promise<void>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.write(
          `POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from(cookie).toString('base64')}\r\nContent-Length: 1000\r\n\r\n{"method":`,
        );
        setTimeout(() => sock.destroy(), 100);
      });
      sock.on('close', () => resolve());
      sock.on('error', () => undefined);
    });
    await alive();

    // Only POST.
    expect((await post(port, '', cookie, 'GET')).status).toBe(405);

    // Malformed JSON → -32700; a request that is not an object with a method → -32600.
    const parse = await post(port, '{"method": "getblockcount", ', cookie);
    expect(JSON.parse(parse.body)).toMatchObject({ result: null, error: { code: -32700 }, id: null });
    const invalid = await post(port, '{"id": 1, "method": 42}', cookie);
    expect(JSON.parse(invalid.body)).toMatchObject({ error: { code: -32600 }, id: 1 });
    await alive();

    // Unknown method → -32601 (HTTP 404 like bitcoind), also for Object.prototype names.
    for (const m of ['nosuchmethod', 'constructor', '__proto__', 'toString']) {
      const r = await post(port, rpcBody(m), cookie);
      expect(r.status).toBe(404);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: -32601, message: 'Method not found' }, id: 7 });
    }
    await expect(node.call('nosuchmethod')).rejects.toMatchObject({ code: -32601 });

    // Bad parameters: each a JSON-RPC error with bitcoind's code and a message.
    const cases: [string, unknown[], number][] = [
      ['getblockhash', [], -32602], // missing
      ['getblockhash', ['abc'], -3], // wrong type
      ['getblockhash', [1.5], -3],
      ['getblockhash', [-1], -8], // out of range
      ['getblockhash', [1000], -8], // above the tip
      ['getblock', ['xyz'], -8], // not a hash
      ['getblock', ['00'.repeat(32)], -5], // unknown block
      ['getblock', [await node.call('getbestblockhash'), 7], -8], // verbosity 0-2
      ['getblockheader', ['11'.repeat(32)], -5],
      ['getrawtransaction', ['22'.repeat(32)], -5],
      ['gettxout', ['33'.repeat(32), 'x'], -3],
      ['getmempoolentry', ['44'.repeat(32)], -5],
      ['getaddressbalance', ['not-an-address'], -5],
      ['getaddressutxos', [regtestKey('x').address.replace(/^rpow/, 'tpow')], -5], // another network's prefix
      ['generatetoaddress', [0, regtestKey('x').address], -8],
      ['generatetoaddress', [1, 'garbage'], -5],
      ['estimatesmartfee', [0], -8],
      ['verifychain', [5], -8],
      ['sendrawtransaction', ['zz'], -22],
      ['sendrawtransaction', ['00'], -22],
      ['decoderawtransaction', ['0100'], -22],
      ['submitblock', ['01'], -22],
      ['addnode', ['nonsense', 'add'], -8],
      ['addnode', ['127.0.0.1:1', 'sideways'], -8],
      ['disconnectnode', ['12D3KooWNoSuchPeer'], -29],
      ['setban', ['12D3KooWNoSuchPeer', 'remove'], -30],
      ['setgenerate', ['maybe'], -3],
      ['invalidateblock', [await node.call('getblockhash', 0)], -8],
    ];
    const failures: string[] = [];
    for (const [method, params, code] of cases) {
      const r = await post(port, rpcBody(method, params), cookie);
      const reply = JSON.parse(r.body) as { result: unknown; error: { code: number; message: string } | null };
      if (reply.error?.code !== code || !reply.error.message || reply.result !== null)
        failures.push(`${method} ${JSON.stringify(params)} → ${r.body}`);
    }
    expect(failures).toEqual([]);
    await alive();

    // Named parameters map to positions by name; an unknown name is -8; scalar params are invalid.
    const genesis = await node.call<string>('getblockhash', 0);
    const named = async (method: string, params: unknown) =>
      JSON.parse((await post(port, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), cookie)).body) as {
        result: unknown;
        error: { code: number; message: string } | null;
      };
    expect(await named('getblockhash', { height: 0 })).toMatchObject({ result: genesis, error: null });
    expect(await named('getblock', { verbosity: 0, blockhash: genesis })).toMatchObject({
      result: await node.call('getblock', genesis, 0),
      error: null,
    });
    expect(await named('getblockheader', { blockhash: genesis })).toMatchObject({
      result: { hash: genesis, height: 0 },
      error: null,
    });
    expect(await named('getblockhash', { heigth: 0 })).toMatchObject({
      result: null,
      error: { code: -8, message: 'Unknown named parameter heigth' },
    });
    expect(await named('getblockhash', 0)).toMatchObject({ result: null, error: { code: -32600 } });

    // Batches: answers in order, errors inside the array, HTTP 200; JSON-RPC 1.0 replies without "jsonrpc".
    const batch = await post(
      port,
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'getblockcount' },
        { jsonrpc: '2.0', id: 2, method: 'nosuchmethod' },
        { id: 'three', method: 'getblockhash', params: [0] },
        'not a request',
      ]),
      cookie,
    );
    expect(batch.status).toBe(200);
    const replies = JSON.parse(batch.body) as Record<string, unknown>[];
    expect(replies).toHaveLength(4);
    expect(replies[0]).toEqual({ jsonrpc: '2.0', result: 0, error: null, id: 1 });
    expect(replies[1]).toMatchObject({ jsonrpc: '2.0', result: null, error: { code: -32601 }, id: 2 });
    expect(replies[2]).toEqual({ result: await node.call('getblockhash', 0), error: null, id: 'three' });
    expect(replies[3]).toMatchObject({ result: null, error: { code: -32600 }, id: null });
    const tooMany = await post(
      port,
      JSON.stringify(Array.from({ length: 1001 }, (_, id) => ({ id, method: 'uptime' }))),
      cookie,
    );
    expect(tooMany.status).toBe(400);
    expect(JSON.parse(tooMany.body)).toMatchObject({ error: { code: -32600 } });

    // Amounts are printed with exactly 8 decimals in the raw JSON text.
    const fee = await post(port, rpcBody('estimatesmartfee', [2]), cookie);
    expect(fee.body).toMatch(/"feerate":0\.\d{8}[,}]/);

    await alive();
    expect(node.exitStatus).toBeUndefined();
    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 120_000);

test('user/password authentication instead of the cookie', async () => {
  // A cookie left by an earlier node killed with -9 must not linger and mislead clients.
  const datadir = tempDir();
  writeFileSync(join(datadir, '.cookie'), '__cookie__:stale');
  const node = await NodeProcess.start({
    datadir,
    args: ['--rpc-user', 'alice', '--rpc-password', 's3cret'],
    waitWith: 'alice:s3cret',
  });
  try {
    expect(existsSync(join(node.datadir, '.cookie'))).toBe(false);
    expect((await post(node.rpcPort, rpcBody('getblockcount'), 'alice:s3cret')).status).toBe(200);
    expect((await post(node.rpcPort, rpcBody('getblockcount'), 'alice:wrong')).status).toBe(401);
    const cli = await node.cli('--rpc-user', 'alice', '--rpc-password', 's3cret', 'getblockcount');
    expect(cli).toMatchObject({ code: 0, stdout: '0\n' });
    const viaUrl = await node.cli('--rpc-url', `http://alice:s3cret@127.0.0.1:${node.rpcPort}/`, 'getblockcount');
    expect(viaUrl).toMatchObject({ code: 0, stdout: '0\n' });
    // No cookie and no credentials: the CLI says where it looked.
    const none = await node.cli('getblockcount');
    expect(none.code).not.toBe(0);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/cookie/);
    expect(await node.signal('SIGINT')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 120_000);
