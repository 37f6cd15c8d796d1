/**
 * Storage faults on real databases: damage to the chain database's write-ahead log and tables,
 * torn tails, missing or damaged MANIFEST and CURRENT, damaged block records. Each ends
 * "consistent, or refused with the way out, then recovered" (fault-helpers.ts, `judge`).
 */
import { join } from 'node:path';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import type { ChainError } from '../../src/chain/index.js';
import { Chain, reindexChain } from '../../src/chain/index.js';
import { keys, u32be } from '../../src/chain/layout.js';
import { regtest } from '../helpers/mine.js';
import { blockRecord } from '../../src/chain/block-store.js';
import { headerHash } from '../../src/consensus/header.js';
import { encodeBlock, type Block } from '../../src/consensus/block.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { internals, tempDir } from './harness.js';
import {
  buildBlocks,
  chainOptions,
  compact,
  copyTemplate,
  expectConsistent,
  filesOf,
  flipBytes,
  judge,
  tearTail,
  writeChain,
} from './fault-helpers.js';

const PLAIN = 25;
const PAID = 55;
const HEIGHT = PLAIN + PAID;

let pool: VerifyPool;
let tmp: ReturnType<typeof tempDir>;
let blocks: Block[];
/** The chain as written: every block still in the chain database's log. */
let logTemplate: string;
/** The same chain compacted: its records in table files. */
let tableTemplate: string;
let n = 0;
const copy = (template: string) => copyTemplate(template, tmp.dir, `case-${n++}`);

beforeAll(async () => {
  pool = new VerifyPool();
  tmp = tempDir('powchain-faults');
  blocks = buildBlocks(PLAIN, PAID);
  logTemplate = join(tmp.dir, 'log-template');
  await writeChain(logTemplate, blocks, pool);
  tableTemplate = copy(logTemplate);
  await compact(tableTemplate);
}, 120_000);

afterAll(async () => {
  await pool.close();
  tmp.cleanup();
});

test('the templates are consistent at full height: the log one in its .log, the other in tables', async () => {
  expect(filesOf(logTemplate, /\.log$/).length).toBe(1);
  expect(filesOf(tableTemplate, /\.ldb$/).length).toBeGreaterThan(0);
  for (const t of [logTemplate, tableTemplate]) {
    const chain = await Chain.open(chainOptions(copy(t), pool));
    expect(chain.height).toBe(HEIGHT);
    await expectConsistent(chain);
    await chain.close();
  }
});

test('ten bytes flipped at 12 positions of the write-ahead log: never a silent start, always recovered in full', async () => {
  const outcomes: string[] = [];
  for (let i = 0; i < 12; i++) {
    const location = copy(logTemplate);
    flipBytes(filesOf(location, /\.log$/)[0]!, 0.04 + i * 0.08);
    // The block store is untouched: --reindex brings back every block.
    const o = await judge(location, pool, HEIGHT);
    outcomes.push(o.kind === 'refused' ? o.wayOut : `opened at ${o.height}`);
  }
  // Most positions hit a batch LevelDB then skips: the commitment check must have refused them.
  expect(outcomes.filter((o) => o.startsWith('--reindex')).length).toBeGreaterThan(0);
}, 240_000);

test('ten bytes flipped at 10 positions of table files (after a compaction): refused with the way out, recovered', async () => {
  for (let i = 0; i < 10; i++) {
    const location = copy(tableTemplate);
    const tables = filesOf(location, /\.ldb$/);
    flipBytes(tables[i % tables.length]!, 0.05 + i * 0.09);
    await judge(location, pool, HEIGHT);
  }
}, 240_000);

test('a torn log tail: an earlier consistent state (or refused), then recovered', async () => {
  for (const fraction of [0.25, 0.5, 0.75, 0.9, 0.99]) {
    const location = copy(logTemplate);
    tearTail(filesOf(location, /\.log$/)[0]!, fraction);
    await judge(location, pool, 0);
  }
}, 120_000);

test('a missing or damaged CURRENT or MANIFEST: refused naming --reindex, which rebuilds everything', async () => {
  const faults: [string, (location: string) => void][] = [
    ['CURRENT missing', (l) => unlinkSync(join(l, 'CURRENT'))],
    ['CURRENT garbage', (l) => writeFileSync(join(l, 'CURRENT'), 'MANIFEST-999999\n')],
    ['MANIFEST missing', (l) => unlinkSync(filesOf(l, /^MANIFEST-/)[0]!)],
    ['MANIFEST damaged', (l) => flipBytes(filesOf(l, /^MANIFEST-/)[0]!, 0.3, 16)],
  ];
  for (const template of [logTemplate, tableTemplate]) {
    for (const [name, damage] of faults) {
      const location = copy(template);
      damage(location);
      const o = await judge(location, pool, HEIGHT);
      expect({ name, kind: o.kind, wayOut: o.kind === 'refused' ? o.wayOut : '' }).toEqual({
        name,
        kind: 'refused',
        wayOut: '--reindex',
      });
    }
  }
}, 240_000);

test('the whole chain database lost: --reindex rebuilds it from the block store', async () => {
  const location = copy(logTemplate);
  rmSync(location, { recursive: true });
  // Not a new chain at genesis beside 80 stored blocks: refused, and --reindex finds them all.
  expect(await judge(location, pool, HEIGHT)).toMatchObject({ kind: 'refused', wayOut: '--reindex' });
});

test('a damaged block record: verifyChain names it, --reindex drops it, the blocks from a peer complete the chain', async () => {
  const location = copy(logTemplate);
  const damagedAt = 60;
  const bad = blocks[damagedAt - 1]!;
  const db = new ClassicLevel<Uint8Array, Uint8Array>(`${location}-blocks`, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  const record = blockRecord(encodeBlock(bad));
  record[record.length - 10] = record[record.length - 10]! ^ 0x10;
  await db.put(headerHash(bad.header), record);
  await db.close();

  const o = await judge(location, pool, damagedAt - 1);
  expect(o.kind).toBe('opened');
  // judge's --reindex dropped the record: reindexed again, the blocks after it have no ancestry.
  const events: string[] = [];
  const chain = await reindexChain(chainOptions(location, pool), (e) => {
    if (e.type !== 'progress') events.push(e.type);
  });
  try {
    expect(events).toEqual(['unlinked-blocks']);
    expect(chain.height).toBe(damagedAt - 1);
    // What sync hands the chain from a peer (end to end: test/e2e/node-reindex-refetch.test.ts).
    await chain.processBlocks(blocks.slice(damagedAt - 1).map((block) => ({ block, opts: {} })));
    expect(chain.height).toBe(HEIGHT);
    await expectConsistent(chain);
  } finally {
    await chain.close();
  }
}, 120_000);

test('--reindex reports a damaged block with its hash and height', async () => {
  const location = copy(logTemplate);
  const bad = blocks[39]!;
  const db = new ClassicLevel<Uint8Array, Uint8Array>(`${location}-blocks`, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  });
  const record = blockRecord(encodeBlock(bad));
  record[100] = record[100]! ^ 1;
  await db.put(headerHash(bad.header), record);
  await db.close();
  const reports: { type: string; height?: number; hash?: string }[] = [];
  const chain = await reindexChain(chainOptions(location, pool), (e) => {
    if (e.type === 'damaged-block')
      reports.push({ type: e.type, height: e.height, hash: Buffer.from(e.hash).toString('hex') });
    else if (e.type === 'unlinked-blocks') reports.push({ type: e.type, height: e.count });
  });
  try {
    expect(reports).toEqual([
      { type: 'damaged-block', height: 40, hash: Buffer.from(headerHash(bad.header)).toString('hex') },
      { type: 'unlinked-blocks', height: HEIGHT - 40 },
    ]);
    expect(chain.height).toBe(39);
    await expectConsistent(chain);
  } finally {
    await chain.close();
  }
});

test('a schema 2 data directory (blocks inside the chain database) is refused naming --reindex, which moves them out', async () => {
  const location = copy(logTemplate);
  // What schema 2 looked like: every block under 'b' in the chain database, no block store.
  const old = new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  await old.put(keys.schema(), u32be(2));
  for (const block of [regtest.genesis, ...blocks])
    await old.put(Uint8Array.of(0x62, ...headerHash(block.header)), encodeBlock(block));
  await old.close();
  rmSync(`${location}-blocks`, { recursive: true });

  const refused = await Chain.open(chainOptions(location, pool)).catch((err: ChainError) => err);
  expect(refused).toMatchObject({ code: 'wrong-schema' });
  expect((refused as ChainError).message).toMatch(/start the node once with --reindex to upgrade it/);
  const moved: number[] = [];
  const chain = await reindexChain(chainOptions(location, pool), (e) => {
    if (e.type === 'migrated-blocks') moved.push(e.count);
  });
  try {
    expect(moved).toEqual([HEIGHT + 1]);
    expect(chain.height).toBe(HEIGHT);
    await expectConsistent(chain);
    expect(internals(chain).store.get(Uint8Array.of(0x62, ...headerHash(blocks[0]!.header)))).toBeUndefined();
  } finally {
    await chain.close();
  }
});
