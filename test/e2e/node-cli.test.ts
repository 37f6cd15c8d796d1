/**
 * `powchain node` and `powchain rpc` on bad input, as a user meets it: every failure is a
 * non-zero exit with a one-line reason on stderr (no stack trace), and a running node is never
 * disturbed by a second one pointed at its data directory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, ensureBuilt, freePort, NodeProcess, runCli, tempDir, type RunResult } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

/** Non-zero exit, nothing on stdout, and a reason on stderr that is one line (plus commander's usage hint). */
function expectOneLineFailure(r: RunResult, reason: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !/^\(run with --help for usage\)$/.test(l));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(reason);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

test('a second node on the same datadir refuses to start; the first keeps running', async () => {
  const node = await NodeProcess.start();
  try {
    const lockBefore = readFileSync(join(node.datadir, '.lock'), 'utf8');
    const cookieBefore = readFileSync(join(node.datadir, '.cookie'), 'utf8');
    const second = await runCli([
      'node',
      '--network',
      'regtest',
      '--datadir',
      node.datadir,
      '--port',
      '0',
      '--rpc-port',
      String(await freePort()),
      '--log-level',
      'silent',
    ]);
    expectOneLineFailure(second, new RegExp(`in use by another powchain node \\(pid ${node.pid}\\)`));
    // The first node's lock and cookie are untouched, and it still answers.
    expect(readFileSync(join(node.datadir, '.lock'), 'utf8')).toBe(lockBefore);
    expect(readFileSync(join(node.datadir, '.cookie'), 'utf8')).toBe(cookieBefore);
    expect(await node.call('getblockcount')).toBe(0);
    expect(node.exitStatus).toBeUndefined();
  } finally {
    await node.kill();
  }
}, 180_000);

test('a node whose RPC or p2p port is taken exits non-zero with one line and releases its lock', async () => {
  const first = await NodeProcess.start();
  const datadir = tempDir();
  try {
    const rpcTaken = await runCli([
      'node',
      '--network',
      'regtest',
      '--datadir',
      datadir,
      '--port',
      '0',
      '--rpc-port',
      String(first.rpcPort),
      '--log-level',
      'silent',
    ]);
    expectOneLineFailure(
      rpcTaken,
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.rpcPort}: .*EADDRINUSE.*--rpc-port`),
    );
    const p2pPort = (await first.p2pAddress()).hostPort.split(':')[1]!;
    const p2pTaken = await runCli([
      'node',
      '--network',
      'regtest',
      '--datadir',
      datadir,
      '--port',
      p2pPort,
      '--rpc-port',
      String(await freePort()),
      '--log-level',
      'silent',
    ]);
    expectOneLineFailure(p2pTaken, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${p2pPort}: .*EADDRINUSE.*--port`));
    // It cleaned up after itself: a new node starts on that datadir.
    const again = await NodeProcess.start({ datadir });
    await again.kill();
  } finally {
    await first.kill();
  }
}, 180_000);

test('a lock left by a killed node is taken over', async () => {
  const node = await NodeProcess.start();
  try {
    await node.kill(); // SIGKILL: .lock and .cookie stay behind
    const restarted = await NodeProcess.start({ datadir: node.datadir });
    expect(await restarted.call('getblockcount')).toBe(0);
    expect(await restarted.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await node.kill();
  }
}, 180_000);

test('bad options: non-zero exit with a one-line reason', async () => {
  const datadir = tempDir();
  const base = ['node', '--datadir', datadir, '--log-level', 'silent'];
  const cases: [string[], RegExp][] = [
    [['--network', 'foo'], /network.*foo|foo.*network|Allowed choices/i],
    [['--network', 'regtest', '--port', 'abc'], /--port must be a port number.*abc/],
    [['--network', 'regtest', '--port', '70000'], /--port must be a port number/],
    [['--network', 'regtest', '--rpc-port', '-5'], /--rpc-port must be a port number/],
    [['--network', 'regtest', '--max-peers', '0'], /--max-peers/],
    [['--network', 'regtest', '--threads', 'many'], /--threads/],
    [['--network', 'regtest', '--dbcache', '2'], /--dbcache must be a whole number of MiB from 4 to 65536, got '2'/],
    [['--network', 'regtest', '--dbcache', 'lots'], /--dbcache must be a whole number of MiB/],
    [['--network', 'regtest', '--log-level', 'loud'], /--log-level/],
    [['--network', 'regtest', '--clock-offset', 'soon'], /--clock-offset must be a whole number of seconds.*soon/],
    [['--network', 'regtest', '--clock-offset', '1.5'], /--clock-offset must be a whole number/],
    [['--network', 'regtest', '--clock-offset', '1e9'], /--clock-offset must be a whole number/],
    [['--network', 'regtest', '--clock-offset', '1576800001'], /--clock-offset .*50 years/],
    [['--network', 'regtest', '--mine'], /--mine needs --miner-address/],
    [['--network', 'regtest', '--miner-address', 'garbage', '--port', '0', '--rpc-port', '0'], /address/i],
    [['--network', 'regtest', '--rpc-user', 'alice'], /--rpc-user and --rpc-password go together/],
    [['--network', 'regtest', '--config', join(datadir, 'missing.conf')], /cannot read config file/],
    [['--network', 'regtest', '--no-such-flag'], /unknown option/],
  ];
  // All at once, each on its own datadir (a few get as far as taking its lock).
  const results = await Promise.all(
    cases.map(([args]) => runCli(['node', '--datadir', tempDir(), '--log-level', 'silent', ...args], 60_000)),
  );
  const failures: string[] = [];
  cases.forEach(([args, reason], i) => {
    const r = results[i]!;
    try {
      expectOneLineFailure(r, reason);
    } catch {
      failures.push(
        `${args.join(' ')} → code ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`,
      );
    }
  });
  expect(failures).toEqual([]);

  // A config file with a bad line names the file and line.
  const conf = join(datadir, 'bad.conf');
  writeFileSync(conf, 'network=regtest\nthis line has no equals sign\n');
  expectOneLineFailure(await runCli([...base, '--config', conf]), /bad\.conf:2: expected key=value/);
}, 240_000);

test('powchain rpc with no node running, and bad rpc options', async () => {
  const datadir = tempDir();
  const port = String(await freePort());
  // No cookie in the datadir: says where it looked.
  expectOneLineFailure(
    await runCli(['rpc', '--network', 'regtest', '--datadir', datadir, '--rpc-port', port, 'getblockcount']),
    /no RPC cookie in .*\.cookie.*is the node running/,
  );
  // A cookie (left by a killed node) but nobody listening: cannot reach the node.
  writeFileSync(join(datadir, '.cookie'), '__cookie__:00');
  expectOneLineFailure(
    await runCli(['rpc', '--network', 'regtest', '--datadir', datadir, '--rpc-port', port, 'getblockcount']),
    /cannot reach the node at http:\/\/127\.0\.0\.1:\d+\/ .*is it running\?/,
  );
  expectOneLineFailure(
    await runCli([
      'rpc',
      '--rpc-user',
      'a',
      '--rpc-password',
      'b',
      '--rpc-url',
      `http://127.0.0.1:${port}/`,
      'getblockcount',
    ]),
    /cannot reach the node/,
  );
  expectOneLineFailure(
    await runCli(['rpc', '--network', 'foo', 'getblockcount']),
    /--network must be main, testnet or regtest/,
  );
  expectOneLineFailure(
    await runCli(['rpc', '--network', 'regtest', '--datadir', datadir, '--rpc-port', 'x1', 'getblockcount']),
    /--rpc-port must be a port number/,
  );
  expectOneLineFailure(
    await runCli(['rpc', '--rpc-user', 'a', '--rpc-url', 'not a url', 'getblockcount']),
    /is not a URL/,
  );
  const noMethod = await runCli(['rpc']);
  expect(noMethod.code).not.toBe(0);
  expect(noMethod.stderr).toMatch(/missing required argument 'method'/);
}, 180_000);

test('RPC errors through the CLI: exit 1 with bitcoin-cli style code and message', async () => {
  const node = await NodeProcess.start();
  try {
    const garbage = await node.cli('sendrawtransaction', 'deadbeef');
    expect(garbage).toMatchObject({ code: 1, stdout: '' });
    expect(garbage.stderr).toMatch(/^error code: -22\nerror message:\nTX decode failed: .+\n$/);
    const notHex = await node.cli('sendrawtransaction', 'not-hex');
    expect(notHex.code).toBe(1);
    expect(notHex.stderr).toMatch(/^error code: -22\n/);
    const unknown = await node.cli('nosuchmethod');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error code: -32601\nerror message:\nMethod not found\n$/);
    const range = await node.cli('getblockhash', '5');
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/^error code: -8\nerror message:\nBlock height out of range\n$/);
    // Params are JSON where they parse, strings otherwise: "0" is the number 0, true the boolean.
    const hash = await node.cli('getblockhash', '0');
    expect(hash.code).toBe(0);
    const header = await node.cli('getblockheader', hash.stdout.trim(), 'false');
    expect(header).toMatchObject({ code: 0, stdout: expect.stringMatching(/^[0-9a-f]{160}\n$/) });
    expect(await node.call('getblockcount')).toBe(0);
  } finally {
    await node.kill();
  }
}, 180_000);
