/**
 * The orphan pool's bounds per sender: a sender past its quota loses its own oldest orphans, a
 * full pool drops the oldest orphan of the sender holding the most, a dropped sender's orphans go
 * at once, and every orphan that leaves without connecting is reported with its sender and reason
 * (the network charges the sender). The pool keeps bytes, not decoded blocks.
 */
import { OrphanPool, type DroppedOrphan, type OrphanLimits } from '../../src/chain/orphans.js';
import { encodeBlock } from '../../src/consensus/block.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { rng } from '../helpers/random.js';
import { ChainHarness, internals } from './harness.js';

const limits = (o: Partial<OrphanLimits>): Partial<OrphanLimits> => ({
  maxCount: 1_000,
  maxBytes: 1_000_000,
  maxPerSource: 1_000,
  maxBytesPerSource: 1_000_000,
  expireSeconds: 1_200,
  ...o,
});

let serial = 0;
/** An orphan of `size` bytes from `source` (unique hash, unknown parent). */
function orphan(source: string, size = 100, received = 0) {
  const hash = new Uint8Array(32);
  new DataView(hash.buffer).setUint32(0, ++serial);
  const prevHash = new Uint8Array(32).fill(0xee);
  new DataView(prevHash.buffer).setUint32(0, serial);
  return { bytes: new Uint8Array(size), hash, prevHash, source, received };
}

const summary = (dropped: DroppedOrphan[]) => dropped.map((d) => `${d.orphan.source}:${d.reason}`);

test('a sender past its count quota loses its own oldest orphans, nobody else’s', () => {
  const pool = new OrphanPool(limits({ maxPerSource: 3 }));
  const honest = orphan('honest');
  expect(pool.add(honest, 0)).toEqual([]);
  const flood = Array.from({ length: 10 }, () => orphan('flooder'));
  const dropped = flood.flatMap((o) => pool.add(o, 0));
  expect(summary(dropped)).toEqual(Array(7).fill('flooder:quota'));
  // The oldest went: the three it sent last are the ones kept.
  expect(dropped.map((d) => d.orphan.hashHex)).toEqual(flood.slice(0, 7).map((o) => bytesToHex(o.hash)));
  expect(pool.heldBy('flooder')).toEqual({ count: 3, bytes: 300 });
  expect(pool.has(bytesToHex(honest.hash))).toBe(true);
  expect(pool.size).toBe(4);
});

test('the byte quota holds too', () => {
  const pool = new OrphanPool(limits({ maxBytesPerSource: 1_000 }));
  const dropped = [400, 400, 400, 100].flatMap((size) => pool.add(orphan('p', size), 0));
  expect(summary(dropped)).toEqual(['p:quota']);
  expect(pool.heldBy('p')).toEqual({ count: 3, bytes: 900 });
});

test('a full pool drops the oldest orphan of the sender holding the most bytes, whoever sent the newcomer', () => {
  const pool = new OrphanPool(limits({ maxCount: 6 }));
  for (const s of ['a', 'b', 'c']) pool.add(orphan(s, 100), 0);
  const big = [orphan('big', 300), orphan('big', 300)];
  for (const o of big) pool.add(o, 0);
  expect(pool.size).toBe(5);
  pool.add(orphan('d', 100), 0);
  // Seven: 'big' holds the most bytes and loses its oldest, though 'a' is older.
  const dropped = pool.add(orphan('e', 100), 0);
  expect(dropped).toEqual([{ orphan: expect.objectContaining({ hash: big[0]!.hash }), reason: 'full' }]);
  expect(pool.heldBy('a').count).toBe(1);
});

test('expired orphans and a dropped sender’s orphans are reported too', () => {
  const pool = new OrphanPool(limits({ expireSeconds: 60 }));
  pool.add(orphan('old', 100, 0), 0);
  pool.add(orphan('banned', 100, 50), 50);
  pool.add(orphan('banned', 100, 50), 50);
  expect(summary(pool.add(orphan('new', 100, 61), 61))).toEqual(['old:expired']);
  expect(summary(pool.dropSource('banned'))).toEqual(['banned:source-dropped', 'banned:source-dropped']);
  expect(pool.dropSource('banned')).toEqual([]);
  expect(pool.heldBy('banned')).toEqual({ count: 0, bytes: 0 });
  expect(pool.size).toBe(1);
  expect(pool.totalBytes).toBe(100);
});

test('random floods from many senders: every bound holds after every add, and the books balance', () => {
  const r = rng(1818);
  const l = { maxCount: 40, maxBytes: 20_000, maxPerSource: 8, maxBytesPerSource: 5_000, expireSeconds: 100 };
  const pool = new OrphanPool(l);
  let now = 0;
  let added = 0;
  let dropped = 0;
  let taken = 0;
  for (let i = 0; i < 3_000; i++) {
    now += r.int(3);
    const source = `s${r.int(r.int(4) === 0 ? 2 : 12)}`;
    const o = orphan(source, 50 + r.int(1_500), now);
    const out = pool.add(o, now);
    added++;
    dropped += out.length;
    if (r.int(50) === 0) taken += pool.takeChildren(bytesToHex(o.prevHash)).length;
    const held = pool.heldBy(source);
    const broken =
      pool.size > l.maxCount ||
      pool.totalBytes > l.maxBytes ||
      held.count > l.maxPerSource ||
      held.bytes > l.maxBytesPerSource ||
      out.some((d) => d.reason === 'expired' && now - d.orphan.received <= l.expireSeconds);
    if (broken) throw new Error(`a bound broke at add ${i}: ${JSON.stringify({ size: pool.size, held })}`);
  }
  expect(added - dropped - taken).toBe(pool.size);
});

test('through the chain: each orphan that leaves without connecting is an orphan-dropped event naming its sender', async () => {
  const h = await ChainHarness.create({ orphanLimits: { maxPerSource: 2 } });
  try {
    const dropped: { hash: string; source: string; reason: string }[] = [];
    h.chain.on('orphan-dropped', (e) => dropped.push({ ...e, hash: bytesToHex(e.hash) }));
    await h.extend('o', 'genesis', 6, false);
    for (const n of ['o3', 'o4', 'o5', 'o6']) await h.submit(n, 'flooder');
    expect(dropped).toEqual([
      { hash: bytesToHex(h.get('o3').hash), source: 'flooder', reason: 'quota' },
      { hash: bytesToHex(h.get('o4').hash), source: 'flooder', reason: 'quota' },
    ]);
    // The pool holds the blocks' bytes, and they connect when their ancestry arrives.
    const kept = internals(h.chain).orphans.get(bytesToHex(h.get('o6').hash))!;
    expect(kept.bytes).toEqual(encodeBlock(h.get('o6').block));
    await h.accept('o1');
    await h.accept('o2');
    expect(await h.submit('o3')).toMatchObject({ status: 'connected' });
    expect(await h.submit('o4')).toMatchObject({ status: 'connected' });
    h.expectTip('o6');
    expect(h.chain.stats().orphans).toBe(0);
    // A banned sender's orphans go at once.
    await h.extend('x', 'o6', 3, false);
    await h.submit('x3', 'banned');
    expect(h.chain.dropOrphansFrom('banned')).toBe(1);
    expect(dropped.at(-1)).toEqual({ hash: bytesToHex(h.get('x3').hash), source: 'banned', reason: 'source-dropped' });
    expect(h.chain.stats().orphans).toBe(0);
  } finally {
    await h.close();
  }
});
