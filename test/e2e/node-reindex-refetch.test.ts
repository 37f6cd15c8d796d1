/**
 * A damaged block record found by `--reindex` in a real `powchain node`, end to end: node B syncs
 * 30 blocks from node A and stops; one record in the middle of B's block store gets a flipped
 * byte. B restarted with --reindex and no peer (neither node dials from its address book:
 * --max-outbound 0) starts anyway, names the dropped block by height
 * and hash, and stands on the blocks before it; joined to A, it downloads the dropped block and
 * the ones after it again and ends on A's tip, verifychain true and the UTXO total equal to the
 * subsidy minted.
 */
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { hexToHash } from '../../src/encoding/hex.js';
import { mintedTo } from '../chain/fault-helpers.js';
import { NodeProcess, cleanupAll, ensureBuilt, regtestKey, text, waitFor } from './node-helpers.js';

const HEIGHT = 30;
/** Peers only where the test joins them: no outbound keeper redialling from the address book. */
const ARGS = ['--no-txindex', '--max-outbound', '0'];
const DAMAGED_AT = 15;

beforeAll(() => ensureBuilt(), 300_000);
afterAll(() => cleanupAll());

/** Flip one byte near the end of the stored record of `hash` (display hex), as bit rot would. */
async function damageBlockRecord(datadir: string, hash: string): Promise<void> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(datadir, 'blocks'), {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  try {
    const key = hexToHash(hash);
    const record = await db.get(key);
    if (!record) throw new Error(`block ${hash} is not in the block store`);
    const damaged = Uint8Array.from(record);
    damaged[damaged.length - 10] = damaged[damaged.length - 10]! ^ 0x10;
    await db.put(key, damaged);
  } finally {
    await db.close();
  }
}

/** The JSON log lines of a node carrying `msg`. */
function logLines(node: NodeProcess, msg: string): Record<string, unknown>[] {
  return node
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes(msg))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Base units as the RPC's decimal amount. */
function coins(v: bigint): string {
  const s = v.toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`;
}

test('a block record damaged in the middle of the chain: --reindex reports it by height and hash, then fetches it from a peer', async () => {
  const a = await NodeProcess.start({ args: ARGS });
  await a.call('generatetoaddress', HEIGHT, regtestKey('miner').address);
  const tip = await a.call<string>('getbestblockhash');
  const bad = await a.call<string>('getblockhash', DAMAGED_AT);

  let b = await NodeProcess.start({ args: ARGS });
  await b.call('addnode', (await a.p2pAddress()).hostPort, 'onetry');
  await waitFor('B to sync 30 blocks from A', async () => (await b.call('getbestblockhash')) === tip, 120_000);
  expect((await b.signal('SIGTERM')).code).toBe(0);

  await damageBlockRecord(b.datadir, bad);

  // No peer: the reindex is not fatal, names the block, and stops the chain just before it.
  b = await NodeProcess.start({ datadir: b.datadir, args: [...ARGS, '--reindex'], timeoutMs: 120_000 });
  const reports = logLines(b, 'a stored block is damaged'); // level 40: warn
  expect(reports).toHaveLength(1);
  expect(reports[0]).toMatchObject({ level: 40, height: DAMAGED_AT, hash: bad });
  expect(logLines(b, 'stored blocks after a missing or damaged one are not indexed')[0]).toMatchObject({
    count: HEIGHT - DAMAGED_AT,
  });
  expect(await b.call('getblockcount')).toBe(DAMAGED_AT - 1);
  expect(await b.call('getconnectioncount')).toBe(0);
  // The damaged record was dropped: B has no copy of the block until a peer sends it.
  await expect(b.call('getblock', bad, 1)).rejects.toThrow(/not found/i);

  // Joined to A: the dropped block and every one after it come again, and B ends on A's tip.
  await b.call('addnode', (await a.p2pAddress()).hostPort, 'onetry');
  await waitFor(
    "B to fetch the dropped block and reach A's tip",
    async () => (await b.call('getbestblockhash')) === tip,
    120_000,
  );
  expect(await b.call('getblockcount')).toBe(HEIGHT);
  expect((await b.call<{ hash: string }>('getblock', bad, 1)).hash).toBe(bad);
  expect(await b.call('verifychain', 4, 0)).toBe(true);
  const info = await b.call<{ height: number; total_amount: unknown }>('gettxoutsetinfo');
  expect(info.height).toBe(HEIGHT);
  expect(text(info.total_amount)).toBe(coins(mintedTo(HEIGHT)));

  await b.signal('SIGTERM');
  await a.signal('SIGTERM');
}, 300_000);
