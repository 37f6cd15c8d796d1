/**
 * `powchain node --clock-offset`: the node's one clock, shifted, as real processes see it.
 */
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

const TWO_YEARS = 2 * 365 * 24 * 3600;

test('a node two years ahead mines blocks stamped two years ahead; a node on the system clock holds them back', async () => {
  const ahead = await NodeProcess.start({ args: ['--clock-offset', String(TWO_YEARS)] });
  const plain = await NodeProcess.start();
  try {
    const before = Math.floor(Date.now() / 1000);
    const [hash] = await ahead.call<string[]>('generatetoaddress', 1, regtestKey('clock').address);
    const after = Math.floor(Date.now() / 1000);
    const header = await ahead.call<{ time: number }>('getblockheader', hash);
    expect(header.time).toBeGreaterThanOrEqual(before + TWO_YEARS);
    expect(header.time).toBeLessThanOrEqual(after + TWO_YEARS);
    // The block is valid, but beyond the 2-hour future limit of a node on the system clock:
    // refused for now (temporary), not marked invalid.
    const hex = await ahead.call<string>('getblock', hash, 0);
    expect(await plain.call('submitblock', hex)).toBe('time-too-new');
    expect(await plain.call('getblockcount')).toBe(0);
  } finally {
    await ahead.kill();
    await plain.kill();
  }
}, 180_000);
