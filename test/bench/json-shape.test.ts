import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmarks } from '../../src/bench/index.js';
import { SYSTEM_VERIFIER_BUILT, SYSTEM_VERIFIER_STATE } from '../helpers/system-verifier.js';

/**
 * `powchain bench verify --quick --json`, run in-process: the JSON document has the machine and,
 * per result, exactly name/value/unit/baseline/ratio with consistent ratios. Never times.
 */
describe('bench --json', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`prints the machine and name/value/unit/baseline/ratio per result (${SYSTEM_VERIFIER_STATE})`, async () => {
    let printed = '';
    const report = await runBenchmarks({
      names: ['verify'],
      quick: true,
      json: true,
      resultsDir: null,
      interactive: false,
      cacheDir: join(dir, 'cache'),
      out: (t) => (printed += t),
    });
    const doc = JSON.parse(printed) as Record<string, unknown>;
    expect(doc).toEqual(JSON.parse(JSON.stringify(report)));
    expect(Object.keys(doc).sort()).toEqual(['machine', 'results']);

    const machine = doc.machine as Record<string, unknown>;
    expect(Object.keys(machine).sort()).toEqual(['cpus', 'memory', 'model', 'node', 'platform']);
    expect(machine.cpus).toEqual(expect.any(Number));
    expect(machine.memory).toEqual(expect.any(Number));
    expect(machine.model).toEqual(expect.any(String));
    expect(machine.node).toMatch(/^v\d+\./);
    expect(machine.platform).toEqual(expect.any(String));

    const results = doc.results as Record<string, unknown>[];
    expect(results.map((r) => r.name)).toEqual([
      'verify.noble',
      'verify.native-1-thread',
      'verify.native-per-cpu-s',
      // The system libsecp256k1 through powchain's module, where the install could build it.
      ...(SYSTEM_VERIFIER_BUILT ? ['verify.system-1-thread', 'verify.system-per-cpu-s'] : []),
      expect.stringMatching(/^verify\.pool-\d+-threads$/),
      expect.stringMatching(/^verify\.pool-\d+-threads-per-cpu-s$/),
    ]);
    for (const r of results) {
      expect(Object.keys(r).sort()).toEqual(['baseline', 'name', 'ratio', 'unit', 'value']);
      expect(r.value).toEqual(expect.any(Number));
      expect(r.value as number).toBeGreaterThan(0);
      expect(r.unit).toMatch(/^verify\/(cpu-)?s$/);
      if (r.baseline === null) {
        expect(r.ratio).toBeNull();
      } else {
        const b = r.baseline as { name: string; value: number };
        expect(Object.keys(b).sort()).toEqual(['name', 'value']);
        expect(b.name).toMatch(/^verify\./);
        expect(r.ratio).toEqual(expect.any(Number));
        expect(r.ratio as number).toBeCloseTo((r.value as number) / b.value, 1);
      }
    }
    // The first result is the baseline of the second: a ratio against an in-process figure.
    expect((results[1]!.baseline as { name: string }).name).toBe('verify.noble');
    const baselineOf = (name: RegExp) =>
      (results.find((r) => name.test(r.name as string))!.baseline as { name: string }).name;
    if (SYSTEM_VERIFIER_BUILT) {
      // The system library's baseline is the package's, and the pool's is the faster of the two.
      expect(baselineOf(/^verify\.system-1-thread$/)).toBe('verify.native-1-thread');
      expect(['verify.system-1-thread', 'verify.native-1-thread']).toContain(baselineOf(/^verify\.pool-\d+-threads$/));
    } else {
      // Without the module, the pool runs the package's library and is measured against it.
      expect(baselineOf(/^verify\.pool-\d+-threads$/)).toBe('verify.native-1-thread');
    }
  });
});
