/**
 * The checker on histories written by hand (history-builder.ts): a healthy run holds every
 * property and reports the payment reorganised out 2 deep; then each doctored history (a lost
 * payment, a double spend, a peer left on another tip, a UTXO set that differs or fails
 * verifychain, coins made from nothing, a side that could mine and did not, a crashed peer that
 * never came back, a tip naming a block the history lacks) is caught by the property it breaks,
 * with evidence that names what is wrong. The history reader refuses malformed files with the
 * line at fault.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, type CheckReport, type PropertyName } from '../../../src/testnet/chaos/check.js';
import { HistoryError, parseHistory, readHistory } from '../../../src/testnet/chaos/history.js';
import { renderReport } from '../../../src/testnet/chaos/report.js';
import { timelineSvg } from '../../../src/testnet/chaos/timeline-svg.js';
import { hash, story, type HistoryBuilder } from './history-builder.js';

const run = (b: HistoryBuilder): CheckReport => check(parseHistory(b.text()));
const verdict = (c: CheckReport, name: PropertyName) => c.properties.find((p) => p.name === name)!;
const finals = (b: HistoryBuilder) => b.events.filter((e) => e.type === 'final');

test('a healthy run holds every property, and the payment reorganised out is reported with its depth', () => {
  const { b, pay } = story();
  const c = run(b);
  expect(c.problems).toEqual([]);
  expect(c.properties.map((p) => [p.name, p.held])).toEqual([
    ['convergence', true],
    ['agreement', true],
    ['conservation', true],
    ['durability', true],
    ['liveness', true],
  ]);
  expect(c.held).toBe(true);
  // Healed at 30 s, every peer on one tip at the 32 s sample.
  expect(c.figures.convergenceMs).toBe(2_000);
  expect(c.figures.finalHeight).toBe(7);
  expect(c.figures.staleBlocks).toBe(2);
  expect(c.figures.deepestReorg).toEqual({ depth: 2, peer: 0, t: 31_000 });
  // Confirmed in a4 (height 4) under a5: 2 deep on peers 0 and 2 when the reorganisation came.
  expect(c.figures.reorgedOut.map((x) => [x.id, x.peer, x.depth, x.fate])).toEqual([
    [1, 0, 2, 'final'],
    [1, 2, 2, 'final'],
  ]);
  expect(c.payments).toEqual([{ id: 1, txid: pay.txid, fate: 'final', why: 'on the final chain at height 7' }]);
  expect(verdict(c, 'conservation').summary).toContain('350.00000000 = the subsidy of 7 blocks');
  expect(verdict(c, 'liveness').evidence).toContain(
    '#1 split partition [0,2] | [1,3]: side [1,3] made 3 blocks in 20.0 s (about 0.0 expected)',
  );
  const text = renderReport(c);
  expect(text).toContain('up to 2 deep; reorganised out 2 times (peers 0, 2), first at 32.0 s; now final');
  expect(text).toContain('verdict: every property held');
  const svg = timelineSvg(parseHistory(b.text()), c);
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('k=2');
});

test('a payment back in a mempool at the end is durable; one nowhere is gone', () => {
  const kept = story({ finalTxs: [], mempoolAtEnd: [hash('pay1')] });
  const ck = run(kept.b);
  expect(ck.payments[0]!.fate).toBe('mempool');
  expect(verdict(ck, 'durability').held).toBe(true);

  const lost = story({ finalTxs: [] });
  const cl = run(lost.b);
  const d = verdict(cl, 'durability');
  expect(d.held).toBe(false);
  expect(d.evidence[0]).toMatch(/^payment #1 .*: GONE: neither on the final chain nor in any mempool/);
  expect(cl.held).toBe(false);
  expect(renderReport(cl)).toContain('verdict: VIOLATED (durability)');
});

test('a payment displaced by a conflicting spend, or by its coins vanishing, is explained, not gone', () => {
  const { pay } = story();
  const rival = { txid: hash('rival'), spends: [pay.input] };
  const conflicted = run(story({ finalTxs: [rival] }).b);
  expect(conflicted.payments[0]).toMatchObject({ fate: 'conflicted' });
  expect(verdict(conflicted, 'durability').held).toBe(true);

  // The payment spent the coinbase of a4, a block that did not survive.
  const s = story({ finalTxs: [] });
  const accepted = s.b.events.find((e) => e.type === 'payment' && e.op === 'accepted')!;
  accepted.inputs = [`${hash('cb-a4')}:0`];
  const orphaned = run(s.b);
  expect(orphaned.payments[0]).toMatchObject({ fate: 'orphaned' });
  expect(orphaned.payments[0]!.why).toContain('coinbase of block');
  expect(verdict(orphaned, 'durability').held).toBe(true);
});

test('a double spend on the final chain breaks conservation', () => {
  const { pay } = story();
  const twice = story({
    finalTxs: [
      { txid: pay.txid, spends: [pay.input] },
      { txid: hash('again'), spends: [pay.input] },
    ],
  });
  const c = run(twice.b);
  const v = verdict(c, 'conservation');
  expect(v.held).toBe(false);
  expect(v.evidence.join('\n')).toMatch(/outpoint .* spent by .* and again by .* \(height 7\)/);
});

test('coins made from nothing break conservation', () => {
  const { b } = story();
  const f = finals(b)[2]!;
  f.utxo = { ...(f.utxo as object), total: (7n * 5_000_000_000n + 1n).toString() };
  const v = verdict(run(b), 'conservation');
  expect(v.held).toBe(false);
  expect(v.evidence).toEqual(['peer 2: UTXO total 350.00000001, but 7 blocks minted 350.00000000']);
});

test('a peer left on another tip breaks convergence and agreement', () => {
  const { b, chainB } = story();
  // Peer 3 never moves past b6 after the heal.
  for (const e of b.events) if (e.type === 'tips' && e.t >= 35_000) (e.tips as unknown[])[3] = [6, chainB[2]];
  finals(b)[3]!.tip = chainB[2];
  finals(b)[3]!.height = 6;
  const c = run(b);
  const conv = verdict(c, 'convergence');
  expect(conv.held).toBe(true); // the 32 s sample had them all on b6
  // Now also the 32 s sample: no sample after the heal agrees.
  for (const e of b.events) if (e.type === 'tips' && e.t === 32_000) (e.tips as unknown[])[3] = null;
  const c2 = run(b);
  expect(verdict(c2, 'convergence')).toMatchObject({ held: false });
  expect(verdict(c2, 'convergence').summary).toContain(
    'no sample after the last heal (at 30.0 s) had every peer on one tip',
  );
  expect(verdict(c2, 'convergence').evidence[0]).toContain('peer 3: 6');
  const a = verdict(c2, 'agreement');
  expect(a.held).toBe(false);
  expect(a.evidence.join('\n')).toContain('final tips differ');
});

test('convergence slower than the bound is a violation', () => {
  const { b, final } = story();
  for (const e of b.events) if (e.type === 'tips' && e.t === 32_000) (e.tips as unknown[])[3] = null;
  // The next agreeing sample is at 35 s: 5 s after the heal, against a bound of 4 s.
  b.events[0]!.convergeWithin = 4;
  const c = run(b);
  expect(verdict(c, 'convergence')).toMatchObject({ held: false });
  expect(verdict(c, 'convergence').summary).toContain(
    `${final.slice(0, 12)}… (height 7) 5.0 s after the last heal (bound 4.0 s)`,
  );
});

test('a UTXO set that differs, or fails verifychain, breaks agreement', () => {
  const { b } = story();
  finals(b)[1]!.utxo = { hash: hash('other'), total: (7n * 5_000_000_000n).toString(), txouts: 9 };
  finals(b)[2]!.verifychain = false;
  const v = verdict(run(b), 'agreement');
  expect(v.held).toBe(false);
  expect(v.evidence).toEqual(
    expect.arrayContaining(['peer 2: verifychain failed', expect.stringMatching(/^UTXO set hashes differ: /)]),
  );
});

test('a side whose miners should have found blocks and found none breaks liveness; an idle slow side is not judged', () => {
  // 10 MH/s against ~8.4 M hashes a block: side A's miner expects about 24 blocks in 20 s.
  const fast = run(story({ rates: 10_000_000, aMines: false }).b);
  const v = verdict(fast, 'liveness');
  expect(v.held).toBe(false);
  expect(v.evidence[0]).toMatch(
    /side \[0,2\] made no block in 20\.0 s, though its miners' hash rate should have found 23\.\d/,
  );

  const slow = run(story({ rates: 1000, aMines: false }).b);
  expect(verdict(slow, 'liveness').held).toBe(true);
  expect(verdict(slow, 'liveness').evidence.join('\n')).toContain(
    'made no block; with 0.0 expected that is not judged',
  );
});

test('a crashed peer that never answers again breaks liveness', () => {
  const { b } = story();
  const crash = { kind: 'crash', peer: 3 };
  b.events.push({ type: 'fault', t: 33_000, op: 'apply', id: 2, fault: crash });
  b.events.push({ type: 'fault', t: 34_000, op: 'heal', id: 2, fault: crash });
  for (const e of b.events) if (e.type === 'tips' && e.t >= 35_000) (e.tips as unknown[])[3] = null;
  const v = verdict(run(b), 'liveness');
  expect(v.held).toBe(false);
  expect(v.evidence).toContain('peer 3, killed at 33.0 s, never answered again after its restart');
});

test('a history that names a block it never recorded is itself faulty', () => {
  const { b } = story();
  b.tips(36_000, [hash('nowhere'), null, null, null]);
  (b.events.at(-1)!.tips as unknown[])[0] = [8, hash('nowhere')];
  const c = run(b);
  expect(c.problems).toEqual([expect.stringContaining("peer 0's tip")]);
  expect(c.held).toBe(false);
});

describe('reading history files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'powchain-history-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  test('a history round-trips through a file, sorted by time', () => {
    const { b } = story();
    const lines = b.text().trim().split('\n');
    // A node-log line written late (it carries the time the node logged it).
    const reorg = lines.findIndex((l) => l.includes('"type":"reorg"'));
    const moved = [...lines.slice(0, reorg), ...lines.slice(reorg + 2), lines[reorg]!, lines[reorg + 1]!];
    const h = readHistory(file('ok.jsonl', `${moved.join('\n')}\n`));
    expect(h.events.map((e) => e.t)).toEqual([...h.events.map((e) => e.t)].sort((x, y) => x - y));
    expect(check(h).held).toBe(true);
  });

  test('malformed histories are refused with the line at fault', () => {
    const { b } = story();
    const good = b.text().trim().split('\n');
    const bad = (lines: string[]) => () => parseHistory(`${lines.join('\n')}\n`);
    expect(bad([good[0]!, 'nonsense', ...good.slice(1)])).toThrow(new HistoryError('line 2: not JSON'));
    expect(bad([good[1]!, good[0]!])).toThrow(/starts with its run event/);
    expect(bad([good[0]!, '{"type":"weather","t":1}'])).toThrow(/line 2: unknown event type "weather"/);
    expect(bad([good[0]!, '{"type":"tips","t":5,"tips":[[1,"xyz"]],"mempool":[0]}'])).toThrow(
      /line 2: tips event has a bad tips/,
    );
    expect(
      bad([good[0]!, '{"type":"payment","t":5,"op":"accepted","id":1,"txid":"00","fee":"1","inputs":[],"peer":0}']),
    ).toThrow(/bad txid/);
    expect(bad([good[0]!.replace('"version":1', '"version":9')])).toThrow(/history version 9/);
    expect(bad([good[0]!, good[0]!])).toThrow(/one run event/);
    expect(() => readHistory(join(dir, 'missing.jsonl'))).toThrow(HistoryError);
    // A run killed mid-write leaves a cut last line: the rest still reads.
    expect(parseHistory(`${good.join('\n')}\n{"type":"tips","t":99`).events.length).toBe(good.length);
  });
});
