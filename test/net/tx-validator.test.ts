/**
 * The transaction topic's gossip validator on a real chain and mempool: accepted transactions
 * are forwarded, policy refusals are IGNORE, and a chain whose queue is full (ChainError 'busy')
 * is nobody's fault: IGNORE, and the same transaction is taken when it comes again.
 */
import { encodeTx } from '../../src/consensus/tx.js';
import { GossipActionError } from '../../src/net/gossip.js';
import { validateGossipTx } from '../../src/net/gossip-validators.js';
import { RejectCode } from '../../src/consensus/errors.js';
import { idOf, pay, poolFixture, type PoolFixture } from '../mempool/fixture.js';

let f: PoolFixture;
afterEach(() => f.close());

const verdict = (tx: Uint8Array) =>
  validateGossipTx(f.pool, tx).then(
    () => 'accept',
    (e: unknown) => {
      if (!(e instanceof GossipActionError)) throw e;
      return `${e.action} ${e.code}`;
    },
  );

test('accepted, then a duplicate (ignore), then undecodable bytes (reject)', async () => {
  f = await poolFixture({}, 2);
  const tx = encodeTx(pay(f.coins[0]!, 1_000n));
  expect(await verdict(tx)).toBe('accept');
  expect(await verdict(tx)).toBe(`ignore ${RejectCode.AlreadyInMempool}`);
  expect(await verdict(Uint8Array.of(1, 2))).toBe(`reject ${RejectCode.Undecodable}`);
});

test('a chain with its queue full: ignored as busy, accepted when it comes again', async () => {
  f = await poolFixture({}, 2, { maxQueuedTasks: 1 });
  const tx = pay(f.coins[0]!, 1_000n);
  let release!: () => void;
  const holding = f.h.chain.withLock(() => new Promise<void>((r) => (release = r)));
  expect(await verdict(encodeTx(tx))).toBe('ignore busy');
  release();
  await holding;
  expect(f.pool.has(idOf(tx))).toBe(false);
  expect(await verdict(encodeTx(tx))).toBe('accept');
  expect(f.pool.has(idOf(tx))).toBe(true);
});
