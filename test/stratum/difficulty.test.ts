import fc from 'fast-check';
import {
  DIFF1_TARGET,
  difficultyForTarget,
  HASHES_PER_DIFF1,
  MIN_DIFFICULTY,
  targetForDifficulty,
  Vardiff,
} from '../../src/stratum/difficulty.js';
import { parseLine } from '../../src/stratum/protocol.js';

describe("share difficulty in Stratum's units (Bitcoin's difficulty 1)", () => {
  test('difficulty 1 is 0x00000000ffff0000...; powers of two scale the target exactly', () => {
    expect(DIFF1_TARGET.toString(16)).toBe(`ffff${'0'.repeat(52)}`);
    expect(targetForDifficulty(1)).toBe(DIFF1_TARGET);
    expect(targetForDifficulty(2)).toBe(DIFF1_TARGET / 2n);
    expect(targetForDifficulty(1 / 1024)).toBe(DIFF1_TARGET * 1024n);
    expect(difficultyForTarget(DIFF1_TARGET)).toBe(1);
    // testnet's easiest target (compact 0x1e01ffff) is a fraction: about 2^-9.
    expect(difficultyForTarget(0x01ffffn << 216n)).toBeCloseTo(0xffff / 0x01ffff / 256, 12);
  });

  test('round trips to the precision of a double, and targets never leave 1..2^256-1', () => {
    fc.assert(
      fc.property(fc.double({ min: MIN_DIFFICULTY, max: 1e12, noNaN: true }), (d) => {
        const t = targetForDifficulty(d);
        expect(t).toBeGreaterThanOrEqual(1n);
        expect(t).toBeLessThan(1n << 256n);
        if (d > MIN_DIFFICULTY * 2) expect(Math.abs(difficultyForTarget(t) / d - 1)).toBeLessThan(2 ** -50);
      }),
    );
    expect(targetForDifficulty(MIN_DIFFICULTY / 2)).toBe((1n << 256n) - 1n);
    expect(() => targetForDifficulty(0)).toThrow(RangeError);
    expect(() => targetForDifficulty(Number.NaN)).toThrow(RangeError);
    expect(() => targetForDifficulty(Infinity)).toThrow(RangeError);
  });

  test('a difficulty-1 share takes about 2^32 hashes', () => {
    expect(HASHES_PER_DIFF1).toBe(4295032833);
  });
});

describe('vardiff', () => {
  const o = { initial: 1, min: 1 / 1024, max: 64, shareSeconds: 10 };

  test('16 shares far faster than the target raise the difficulty 4x (at most)', () => {
    const v = new Vardiff(o, 0);
    const changes = Array.from({ length: 16 }, (_, i) => v.onShare(100 * (i + 1)));
    expect(changes.slice(0, 15)).toEqual(Array(15).fill(undefined));
    expect(changes[15]).toBe(4);
    expect(v.difficulty).toBe(4);
  });

  test('shares at about the target rate leave it alone', () => {
    const v = new Vardiff(o, 0);
    let t = 0;
    for (let i = 0; i < 100; i++) expect(v.onShare((t += 9_000 + (i % 3) * 1_000))).toBeUndefined();
    expect(v.difficulty).toBe(1);
  });

  test('slow shares lower it by the observed ratio', () => {
    const v = new Vardiff(o, 0);
    // 4 target intervals pass with one share: 40 s per share, a quarter of the rate aimed for.
    expect(v.onShare(40_000)).toBe(0.25);
    // Two shares in 50 s: 25 s each, 10/25 of the rate.
    expect(v.onShare(60_000)).toBeUndefined();
    expect(v.onShare(90_000)).toBeCloseTo(0.1, 12);
  });

  test('no shares at all for 4 intervals: the periodic check lowers it, down to the minimum', () => {
    const v = new Vardiff(o, 0);
    expect(v.onTick(39_000)).toBeUndefined();
    expect(v.onTick(40_000)).toBe(0.25);
    let t = 40_000;
    for (let i = 0; i < 10; i++) v.onTick((t += 40_000));
    expect(v.difficulty).toBe(1 / 1024);
    expect(v.onTick((t += 40_000))).toBeUndefined();
  });

  test('bounds: the maximum (a block) caps it, a suggestion is clamped', () => {
    const v = new Vardiff({ ...o, initial: 1_000 }, 0);
    expect(v.difficulty).toBe(64);
    expect(v.setMax(16)).toBe(16);
    expect(v.setMax(32)).toBeUndefined();
    expect(v.suggest(1e9, 0)).toBe(32);
    expect(v.suggest(1e-9, 0)).toBe(1 / 1024);
  });
});

describe('Stratum lines', () => {
  test('requests parse; anything else is an error to answer, never a throw', () => {
    expect(parseLine('{"id":1,"method":"mining.subscribe","params":["x"]}')).toEqual({
      ok: true,
      request: { id: 1, method: 'mining.subscribe', params: ['x'] },
    });
    expect(parseLine('{"id":"a","method":"mining.extranonce.subscribe"}')).toMatchObject({ ok: true });
    for (const bad of ['{', '[]', '"x"', 'null', '5', '{"id":1}', '{"id":1,"method":5}', '{"method":"m","params":{}}'])
      expect(parseLine(bad)).toMatchObject({ ok: false });
    expect(parseLine(`{"id":1,"method":"${'m'.repeat(65)}"}`)).toMatchObject({ ok: false, id: 1 });
    // A client's reply to the server (no method): nothing to answer.
    expect(parseLine('{"id":3,"result":true,"error":null}')).toBeUndefined();
  });
});
