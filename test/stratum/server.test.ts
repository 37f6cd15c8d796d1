/**
 * The Stratum server in-process, over real TCP on 127.0.0.1, with templates from a stand-in for
 * the node (a regtest template on genesis): the protocol corners the end-to-end test does not
 * reach. An 8-byte extranonce2 end to end, the optional methods miners send (configure,
 * extranonce.subscribe, suggest_difficulty), new tips reaching every connection as clean jobs,
 * unique extranonce1s, and the flood limits.
 */
import type { Block } from '../../src/consensus/block.js';
import { COIN } from '../../src/consensus/amounts.js';
import { networks } from '../../src/consensus/params/networks.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { bitsToTarget } from '../../src/consensus/pow.js';
import { checkBlock } from '../../src/consensus/rules/block.js';
import { sha256d as sha256dBytes } from '../../src/crypto/hash.js';
import { StratumServer, type StratumBackend } from '../../src/stratum/index.js';
import type { WorkTemplate } from '../../src/stratum/work.js';
import { MAX_BAD_MESSAGES, MAX_MESSAGES_PER_SECOND } from '../../src/stratum/session.js';
import { testKey } from '../helpers/keys.js';
import { hashValue, jobOf, nbitsTarget, sha256d, shareHeader, StratumClient } from '../e2e/stratum-client.js';

const regtest = networks.regtest;
const address = addressFromPublicKey(regtest.addressHrp, testKey('stratum-server-miner').pub);
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** A stand-in for the node: a template on a tip it can move, and the blocks it was handed. */
class Backend implements StratumBackend {
  params = regtest;
  blocks: Block[] = [];
  tip = regtest.genesisHash;
  height = 1;
  private listeners: (() => void)[] = [];
  clock = () => regtest.genesis.header.time + 1_000;
  template = (): Promise<WorkTemplate> =>
    Promise.resolve({
      prevHash: this.tip,
      height: this.height,
      version: 1,
      bits: regtest.genesis.header.bits,
      target: bitsToTarget(regtest.genesis.header.bits).target,
      time: this.clock(),
      minTime: regtest.genesis.header.time + 1,
      txs: [],
      txids: [],
      reward: 50n * COIN,
    });
  submitBlock = (block: Block) => {
    this.blocks.push(block);
    return Promise.resolve({ accepted: true, hash: 'x', height: this.height });
  };
  onTip = (l: () => void) => {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  };
  moveTip(): void {
    this.tip = sha256dBytes(this.tip);
    this.height++;
    for (const l of this.listeners) l();
  }
}

let now = 1_000_000;
async function serve(options: Partial<ConstructorParameters<typeof StratumServer>[2]> = {}) {
  const backend = new Backend();
  const server = new StratumServer(backend, quiet, { host: '127.0.0.1', port: 0, now: () => now, ...options });
  const { port } = await server.start();
  return { backend, server, port };
}

async function miner(port: number) {
  const c = await StratumClient.open(port);
  const sub = await c.request('mining.subscribe', []);
  const [, en1, en2Size] = sub.result as [unknown, string, number];
  expect((await c.request('mining.authorize', [address, 'x'])).result).toBe(true);
  const job = jobOf(await c.notification('mining.notify'));
  return { c, en1, en2Size, job };
}

test('an 8-byte extranonce2: the share is a block whose coinbase holds it, and the block passes the rules', async () => {
  const { backend, server, port } = await serve({ extranonce2Size: 8 });
  try {
    const { c, en1, en2Size, job } = await miner(port);
    expect(en2Size).toBe(8);
    const en2 = '0102030405060708';
    const target = nbitsTarget(job.nbits);
    let nonce = 0;
    while (hashValue(sha256d(shareHeader(job, en1, en2, job.ntime, nonce))) > target) nonce++;
    const r = await c.request('mining.submit', [address, job.id, en2, job.ntime, nonce.toString(16).padStart(8, '0')]);
    expect(r.result).toBe(true);
    // Too short an extranonce2 for this server: a parameter error.
    expect((await c.request('mining.submit', [address, job.id, '00000000', job.ntime, '00000000'])).error![0]).toBe(20);
    await new Promise((resolve) => setImmediate(resolve));
    expect(backend.blocks).toHaveLength(1);
    const block = backend.blocks[0]!;
    expect(checkBlock(block, regtest)).toEqual({ ok: true });
    const unlock = Buffer.from(block.txs[0]!.inputs[0]!.unlock);
    expect(unlock.subarray(4, 16).toString('hex')).toBe(en1 + en2);
    expect(server.info().totals).toEqual({ accepted: 1, rejected: 0, blocks: 1 });
    c.close();
  } finally {
    await server.close();
  }
});

test('optional methods, new tips as clean jobs everywhere, unique extranonce1s', async () => {
  const { backend, server, port } = await serve({ initialDifficulty: 1e-9 });
  try {
    const a = await miner(port);
    const b = await miner(port);
    expect(a.en1).not.toBe(b.en1);
    expect((await a.c.request('mining.extranonce.subscribe', [])).result).toBe(true);
    expect((await a.c.request('mining.configure', [['version-rolling'], {}])).result).toEqual({
      'version-rolling': false,
    });
    // A suggested difficulty is taken (within bounds: regtest blocks are about 4.7e-10) and
    // followed by a job at it.
    const before = a.c.received.length;
    expect((await a.c.request('mining.suggest_difficulty', [3e-10])).result).toBe(true);
    expect((await a.c.notification('mining.set_difficulty', before)).params).toEqual([3e-10]);
    expect(jobOf(await a.c.notification('mining.notify', before)).clean).toBe(false);
    expect((await a.c.request('mining.suggest_difficulty', ['high'])).error![0]).toBe(20);

    // A new tip: every authorized connection gets a clean job on it.
    const marks = [a.c.received.length, b.c.received.length];
    backend.moveTip();
    for (const [i, m] of [a, b].entries()) {
      const job = jobOf(await m.c.notification('mining.notify', marks[i]));
      expect(job.clean).toBe(true);
      expect(job.prevhash).not.toBe(m.job.prevhash);
    }
    // 50 more connections: all different extranonce1s.
    const seen = new Set([a.en1, b.en1]);
    const more = await Promise.all(Array.from({ length: 50 }, () => StratumClient.open(port)));
    for (const c of more) {
      const [, en1] = (await c.request('mining.subscribe', [])).result as [unknown, string];
      seen.add(en1);
    }
    expect(seen.size).toBe(52);
    for (const c of [a.c, b.c, ...more]) c.close();
  } finally {
    await server.close();
  }
});

test('floods are cut off: too many malformed lines, too many messages a second', async () => {
  const { server, port } = await serve();
  try {
    const bad = await StratumClient.open(port);
    bad.sendRaw('nonsense\n'.repeat(MAX_BAD_MESSAGES + 1));
    await bad.closed;
    expect(bad.received.filter((m) => m.error?.[0] === 20).length).toBe(MAX_BAD_MESSAGES + 2);

    const chatty = await StratumClient.open(port);
    chatty.sendRaw(
      `${JSON.stringify({ id: 1, method: 'mining.extranonce.subscribe', params: [] })}\n`.repeat(
        MAX_MESSAGES_PER_SECOND + 1,
      ),
    );
    await chatty.closed;
    expect(chatty.received.at(-1)!.error![1]).toMatch(/messages a second/);

    // A well-behaved connection over several seconds is never cut off.
    const calm = await StratumClient.open(port);
    for (let s = 0; s < 3; s++) {
      now += 1_000;
      for (let i = 0; i < MAX_MESSAGES_PER_SECOND / 2; i++)
        calm.sendRaw('{"id":1,"method":"mining.extranonce.subscribe"}\n');
    }
    expect((await calm.request('mining.subscribe', [])).result).toBeDefined();
    calm.close();
  } finally {
    await server.close();
  }
});

test('close() ends every connection', async () => {
  const { server, port } = await serve();
  const { c } = await miner(port);
  await server.close();
  await c.closed;
  expect(() => new StratumServer(new Backend(), quiet, { host: '127.0.0.1', port: 0, extranonce2Size: 3 })).toThrow(
    RangeError,
  );
});
