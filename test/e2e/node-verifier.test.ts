/**
 * Which signature verifier a real `powchain node` runs on, and that it says so. The system
 * libsecp256k1 module is optional (built by `npm install` where libsecp256k1's headers are):
 * without it, the node verifies with the `secp256k1` package's bundled library, names it in its
 * start-up line with the reason, and validates a signed spend as usual.
 */
import { COIN } from '../../src/consensus/amounts.js';
import { encodeTx } from '../../src/consensus/tx.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { SYSTEM_VERIFIER_BUILT, SYSTEM_VERIFIER_STATE } from '../helpers/system-verifier.js';
import { cleanupAll, coinbaseSpend, ensureBuilt, NodeProcess, regtestKey, waitFor } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

interface StartLine {
  msg: string;
  verify: string;
  verifyFallbackReason?: string;
}

async function startLine(node: NodeProcess): Promise<StartLine> {
  let line: StartLine | undefined;
  await waitFor('the start-up line', () => {
    line = node
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as StartLine)
      .find((l) => l.msg === 'powchain node started');
    return line !== undefined;
  });
  return line!;
}

/** Mine 101 blocks and send a signed spend of block 1's coinbase: the verifier checks its signature. */
async function spendOnce(node: NodeProcess, label: string): Promise<void> {
  const alice = regtestKey(`${label}-alice`);
  const bob = regtestKey(`${label}-bob`);
  const hashes = await node.call<string[]>('generatetoaddress', 101, alice.address);
  const tx = await coinbaseSpend(node, hashes[0]!, alice, [{ value: 49n * COIN, pubKeyHash: bob.pkh }]);
  const txid = await node.call<string>('sendrawtransaction', bytesToHex(encodeTx(tx)));
  const [next] = await node.call<string[]>('generatetoaddress', 1, alice.address);
  expect(await node.call('getrawmempool')).toEqual([]);
  expect((await node.call<{ tx: string[] }>('getblock', next, 1)).tx).toContain(txid);
}

test(`the start-up line names the verifier this install has (${SYSTEM_VERIFIER_STATE})`, async () => {
  const node = await NodeProcess.start();
  try {
    const line = await startLine(node);
    if (SYSTEM_VERIFIER_BUILT) {
      expect(line.verify).toBe('system-libsecp256k1');
      expect(line.verifyFallbackReason).toBeUndefined();
    } else {
      expect(line.verify).toBe('libsecp256k1');
      expect(line.verifyFallbackReason).toMatch(/^system-libsecp256k1: .*not built.*libsecp256k1-dev/);
    }
    await spendOnce(node, 'verifier-default');
  } finally {
    await node.kill();
  }
}, 180_000);

test('without the system module, the node verifies with the bundled libsecp256k1 and says why', async () => {
  const node = await NodeProcess.start({ env: { POWCHAIN_VERIFIER_MODULE: '/nonexistent/powchain_verify.node' } });
  try {
    const line = await startLine(node);
    expect(line.verify).toBe('libsecp256k1');
    expect(line.verifyFallbackReason).toMatch(/^system-libsecp256k1: .*nonexistent.*not built.*libsecp256k1-dev/);
    await spendOnce(node, 'verifier-bundled');
  } finally {
    await node.kill();
  }
}, 180_000);
