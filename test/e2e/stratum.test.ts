/**
 * The Stratum server of a real testnet node (`--stratum-port 0`), driven by a Stratum client
 * written in the test from the protocol's conventions (stratum-client.ts). Testnet, because its
 * blocks need ~8.4 M hashes: shares at the difficulty set here (1e-5, ~43,000 hashes) are far
 * easier, so valid, low-difficulty and block-finding shares can all be made on purpose. Nonces
 * are searched with node:crypto for shares and with powchain's hashing kernel for the block.
 */
import { loadBestKernel } from '../../src/mining/kernel/index.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey, runCli, tempDir, text, waitFor } from './node-helpers.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { networks } from '../../src/consensus/params/networks.js';
import {
  hashValue,
  jobOf,
  nbitsTarget,
  sha256d,
  shareHeader,
  shareTarget,
  StratumClient,
  type Job,
} from './stratum-client.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

const START_DIFFICULTY = 0.00001;
const address = addressFromPublicKey(networks.testnet.addressHrp, regtestKey('e2e-stratum-miner').pub);
const worker = `${address}.rig1`;

/** The first nonce from `start` whose share hash satisfies `ok`. */
function search(job: Job, en1: string, en2: string, ok: (v: bigint) => boolean, start = 0): number {
  for (let nonce = start; nonce < start + 5_000_000; nonce++)
    if (ok(hashValue(sha256d(shareHeader(job, en1, en2, job.ntime, nonce))))) return nonce;
  throw new Error('no nonce found');
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

async function subscribed(port: number): Promise<{ c: StratumClient; en1: string; en2Size: number }> {
  const c = await StratumClient.open(port);
  const r = await c.request('mining.subscribe', ['e2e-test/1.0']);
  const [subs, en1, en2Size] = r.result as [string[][], string, number];
  expect(subs.map((s) => s[0])).toEqual(['mining.set_difficulty', 'mining.notify']);
  return { c, en1, en2Size };
}

test('subscribe, authorize, jobs, shares of every kind, a block, stale shares, statistics, bounds', async () => {
  const node = await NodeProcess.start({
    args: [
      '--network',
      'testnet',
      '--stratum-port',
      '0',
      '--stratum-difficulty',
      String(START_DIFFICULTY),
      '--stratum-max-connections',
      '3',
    ],
  });
  const clients: StratumClient[] = [];
  try {
    const info = await node.call<{ listening: string; template: { height: number } }>('getstratuminfo');
    expect(info.listening).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.template.height).toBe(1);
    const port = Number(info.listening.split(':')[1]);

    // Malformed input gets an error reply, and the connection stays usable.
    const a = await StratumClient.open(port);
    clients.push(a);
    a.sendRaw('{"id": 1, "method": \n');
    const parseErr = await a.next((m) => m.error?.[0] === 20);
    expect(parseErr.error![1]).toMatch(/not JSON/);
    expect((await a.request('mining.submit', [worker, '00000001', '00000000', '00000000', '00000000'])).error![0]).toBe(
      25,
    );
    expect((await a.request('no.such.method', [])).error![0]).toBe(20);
    const sub = await a.request('mining.subscribe', ['e2e-test/1.0']);
    const [, en1, en2Size] = sub.result as [unknown, string, number];
    expect(en1).toMatch(/^[0-9a-f]{8}$/);
    expect(en2Size).toBe(4);
    // Not authorized yet: error 24. A user name that is no address: refused.
    expect((await a.request('mining.submit', [worker, '00000001', '00000000', '00000000', '00000000'])).error![0]).toBe(
      24,
    );
    const refused = await a.request('mining.authorize', ['not-an-address', 'x']);
    expect(refused.result).toBe(false);
    expect(refused.error![0]).toBe(24);
    expect((await a.request('mining.authorize', [worker, 'x'])).result).toBe(true);
    const diffMsg = await a.notification('mining.set_difficulty');
    expect(diffMsg.params).toEqual([START_DIFFICULTY]);
    const job = jobOf(await a.notification('mining.notify'));
    expect(job.clean).toBe(true);
    expect(job.nbits).toBe('1e01ffff');
    const target = shareTarget(START_DIFFICULTY);
    const blockTarget = nbitsTarget(job.nbits);
    expect(blockTarget).toBe(0x01ffffn << 216n); // compact 0x1e01ffff: testnet's easiest target, ~2^233

    // A valid share (not a block): true. The same again: duplicate (22).
    const en2 = '00000001';
    const nonce = search(job, en1, en2, (v) => v <= target && v > blockTarget);
    const submit = (j: Job, x2: string, n: number, ntime = j.ntime) =>
      a.request('mining.submit', [worker, j.id, x2, ntime, hex8(n)]);
    expect(await submit(job, en2, nonce)).toMatchObject({ result: true, error: null });
    expect((await submit(job, en2, nonce)).error).toEqual([22, 'Duplicate share', null]);
    // A share above the share target: low difficulty (23).
    const weak = search(job, en1, en2, (v) => v > target);
    expect((await submit(job, en2, weak)).error![0]).toBe(23);
    // An unknown job: 21. Malformed fields and an ntime before the median time past: 20.
    expect((await a.request('mining.submit', [worker, 'ffffffff', en2, job.ntime, hex8(nonce)])).error).toEqual([
      21,
      'Job not found',
      null,
    ]);
    expect((await submit(job, '0001', nonce)).error![0]).toBe(20);
    expect((await submit(job, en2, nonce, '00000001')).error![0]).toBe(20);
    expect((await a.request('mining.submit', [worker, job.id])).error![0]).toBe(20);

    // A share that meets the block target becomes a block: the node connects it, and a clean job follows.
    const kernel = loadBestKernel();
    const blockEn2 = '00000002';
    let found = -1;
    for (let start = 0; found < 0; start += 1 << 22) {
      found = kernel.scan(shareHeader(job, en1, blockEn2, job.ntime, 0), blockTarget, start, 1 << 22);
      if (start > 2 ** 32 - (1 << 23)) throw new Error('no block nonce in the whole range');
    }
    const before = a.received.length;
    expect(await submit(job, blockEn2, found)).toMatchObject({ result: true });
    await waitFor('the block from the share', async () => (await node.call<number>('getblockcount')) === 1);
    const blockHash = Buffer.from(sha256d(shareHeader(job, en1, blockEn2, job.ntime, found)))
      .reverse()
      .toString('hex');
    expect(await node.call('getbestblockhash')).toBe(blockHash);
    const block = await node.call<{
      tx: { vin: { coinbase: string }[]; vout: { address: string; value: unknown }[] }[];
    }>('getblock', blockHash, 2);
    // The coinbase pays the authorized address; its unlock is height || extranonce1 || extranonce2 || tag.
    expect(block.tx[0]!.vout[0]!.address).toBe(address);
    expect(block.tx[0]!.vin[0]!.coinbase.startsWith(`01000000${en1}${blockEn2}`)).toBe(true);
    const next = jobOf(await a.notification('mining.notify', before));
    expect(next.clean).toBe(true);
    expect(next.id).not.toBe(job.id);

    // A share on the job from before the block: stale (21), whatever its hash.
    expect((await submit(job, '00000003', nonce)).error).toEqual([
      21,
      'Stale share: a new block arrived since this job',
      null,
    ]);

    // Statistics per worker, over RPC and in the log.
    const stats = await node.call<{
      totals: { accepted: number; rejected: number; blocks: number };
      workers: {
        worker: string;
        address: string;
        accepted: number;
        rejected: Record<string, number>;
        blocks: number;
        hashrate: unknown;
        difficulty: unknown;
        connections: number;
      }[];
    }>('getstratuminfo');
    const w = stats.workers.find((x) => x.worker === worker)!;
    expect(w).toMatchObject({ address, accepted: 2, blocks: 1, connections: 1 });
    // Non-integer numbers come back from RpcClient as their exact text.
    expect(Number(text(w.difficulty))).toBe(START_DIFFICULTY);
    expect(w.rejected).toMatchObject({ duplicate: 1, 'low-difficulty': 1, stale: 1, 'job-not-found': 1 });
    expect(Number(text(w.hashrate))).toBeGreaterThan(0);
    expect(stats.totals).toMatchObject({ accepted: 2, blocks: 1 });
    expect(node.output()).toMatch(/stratum: worker authorized/);
    expect(node.output()).toMatch(/stratum: a share found a block/);

    // A line longer than 8 KiB: an error, then the connection is closed. Others are unaffected.
    const b = await StratumClient.open(port);
    clients.push(b);
    b.sendRaw('x'.repeat(9_000));
    expect((await b.next((m) => m.error?.[0] === 20)).error![1]).toMatch(/longer than/);
    await b.closed;

    // Vardiff: 16 quick shares at the start difficulty raise it (4x at most), with a new job.
    const { c, en1: en1c } = await subscribed(port);
    clients.push(c);
    expect(en1c).not.toBe(en1);
    expect((await c.request('mining.authorize', [`${address}.rig2`, ''])).result).toBe(true);
    const cjob = jobOf(await c.notification('mining.notify'));
    let start = 0;
    for (let i = 0; i < 16; i++) {
      const n = search(cjob, en1c, '000000aa', (v) => v <= target, start);
      start = n + 1;
      expect(
        (await c.request('mining.submit', [`${address}.rig2`, cjob.id, '000000aa', cjob.ntime, hex8(n)])).result,
      ).toBe(true);
    }
    const raised = await c.next(
      (m) => m.method === 'mining.set_difficulty' && (m.params![0] as number) > START_DIFFICULTY,
    );
    expect(raised.params![0]).toBeCloseTo(START_DIFFICULTY * 4, 12);
    const after = c.received.indexOf(raised);
    const newJob = jobOf(await c.notification('mining.notify', after));
    expect(newJob.clean).toBe(false);

    // The connection limit (3): a fourth connection is told so and closed.
    const d = await StratumClient.open(port);
    clients.push(d);
    const e = await StratumClient.open(port);
    clients.push(e);
    expect((await e.next((m) => m.error?.[0] === 20)).error![1]).toMatch(/3 connections/);
    await e.closed;
    expect(node.output()).toMatch(/stratum: connection refused, full/);

    // A connection may mine for one address only.
    const other = addressFromPublicKey(networks.testnet.addressHrp, regtestKey('e2e-stratum-other').pub);
    const r = await c.request('mining.authorize', [other, '']);
    expect(r.result).toBe(false);

    expect(await node.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    for (const c of clients) c.close();
    await node.kill();
  }
}, 240_000);

test('the Stratum server is off by default, and its options are checked', async () => {
  const node = await NodeProcess.start();
  try {
    await expect(node.call('getstratuminfo')).rejects.toMatchObject({ code: -1 });
    expect(node.output()).not.toMatch(/stratum server listening/);
  } finally {
    await node.kill();
  }
  for (const [flag, value] of [
    ['--stratum-extranonce2-size', '9'],
    ['--stratum-difficulty', '-1'],
    ['--stratum-port', '70000'],
  ] as const) {
    const r = await runCli(['node', '--network', 'regtest', '--datadir', tempDir(), flag, value]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(flag));
  }
}, 120_000);
