/**
 * `powchain node --clock-offset`: the node's one clock, shifted, as real processes see it.
 */
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { networks } from '../../src/consensus/params/networks.js';
import { testKey } from '../helpers/keys.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey, waitFor } from './node-helpers.js';

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

test('a testnet miner two years past the genesis date raises the difficulty above the limit within minutes', async () => {
  const testnet = networks.testnet;
  const limitBits = testnet.genesis.header.bits.toString(16).padStart(8, '0');
  const address = addressFromPublicKey(testnet.addressHrp, testKey('clock-miner').pub);
  const started = Math.floor(Date.now() / 1000);
  const node = await NodeProcess.start({
    args: [
      '--network',
      'testnet',
      '--mine',
      '--miner-address',
      address,
      '--threads',
      '2',
      '--clock-offset',
      `${TWO_YEARS}`,
    ],
  });
  const headers: { height: number; time: number; bits: string }[] = [];
  try {
    // At the limit a block is ~8.4 M hashes: a few seconds each on two threads. Once a block
    // comes faster than the 10 s spacing, the chain is ahead of the schedule block 1 started and
    // ASERT asks for more work. Anchored at the genesis time, the chain would be two years behind
    // and at the limit for some six million blocks.
    await waitFor(
      'a block whose bits are above the limit',
      async () => {
        const height = await node.call<number>('getblockcount');
        while (headers.length < height) {
          const hash = await node.call<string>('getblockhash', headers.length + 1);
          headers.push(await node.call<{ height: number; time: number; bits: string }>('getblockheader', hash));
        }
        return headers.some((h) => h.bits !== limitBits);
      },
      240_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; blocks: ${JSON.stringify(headers)}`);
    });
    // Block 1 was mined by the shifted clock and carries the limit.
    expect(headers[0]!.bits).toBe(limitBits);
    expect(headers[0]!.time).toBeGreaterThanOrEqual(started + TWO_YEARS);
  } finally {
    await node.kill();
  }
}, 360_000);
