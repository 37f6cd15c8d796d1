import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmarks } from '../../src/bench/index.js';

/**
 * `powchain bench scale --quick --peers 4 --json`, run in-process with its node processes as real
 * children: the JSON document has, per relay mode, the propagation, bytes and duplicate figures,
 * each exactly name/value/unit/baseline/ratio. Shapes and consistency only, never times.
 */
describe('bench scale --json', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-scale-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports reach, bytes per peer and duplicates for compact and full relay', async () => {
    let printed = '';
    const report = await runBenchmarks({
      names: ['scale'],
      quick: true,
      json: true,
      peers: 4,
      resultsDir: null,
      interactive: false,
      cacheDir: join(dir, 'cache'),
      out: (t) => (printed += t),
    });
    const doc = JSON.parse(printed) as { results: Record<string, unknown>[] };
    expect(doc).toEqual(JSON.parse(JSON.stringify(report)));
    const byName = new Map(doc.results.map((r) => [r.name as string, r]));
    const mode = (m: string) => [
      `scale.${m}.reach-50%`,
      `scale.${m}.reach-90%`,
      `scale.${m}.reach-99%`,
      `scale.${m}.reach-100%`,
      `scale.${m}.reach-100%-worst`,
      `scale.${m}.bytes-per-peer-block`,
    ];
    for (const name of ['scale.block-bytes', 'scale.compact-bytes', ...mode('compact'), ...mode('full')])
      expect(byName.has(name)).toBe(true);
    for (const r of doc.results) {
      expect(Object.keys(r).sort()).toEqual(['baseline', 'name', 'ratio', 'unit', 'value']);
      expect(r.value).toEqual(expect.any(Number));
      if (r.baseline !== null) {
        const b = r.baseline as { name: string; value: number };
        expect(byName.has(b.name)).toBe(true);
        expect(r.ratio as number).toBeCloseTo((r.value as number) / b.value, 3);
      }
    }
    const value = (n: string) => byName.get(n)!.value as number;
    // Every node got every block: reach times are ordered, and something was sent for each.
    for (const m of ['compact', 'full']) {
      expect(value(`scale.${m}.reach-50%`)).toBeLessThanOrEqual(value(`scale.${m}.reach-100%`));
      expect(value(`scale.${m}.reach-100%`)).toBeLessThanOrEqual(value(`scale.${m}.reach-100%-worst`));
      expect(value(`scale.${m}.bytes-per-peer-block`)).toBeGreaterThan(0);
      expect(value(`scale.${m}.mempool-accepted`)).toBe(100);
    }
    // The compact form is a small part of the block, and relaying it sends less than the whole block.
    expect(value('scale.compact-bytes')).toBeLessThan(value('scale.block-bytes') / 10);
    expect(value('scale.compact.bytes-per-peer-block')).toBeLessThan(value('scale.full.bytes-per-peer-block'));
    expect(value('scale.compact.fallback-share')).toBe(0);
  }, 240_000);
});
