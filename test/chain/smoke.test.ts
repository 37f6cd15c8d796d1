import { ChainHarness } from './harness.js';
import { signSpend, payTo } from '../helpers/tx.js';
import { regtest } from '../helpers/mine.js';
import { testKey } from '../helpers/keys.js';

test('smoke: mine, spend, reorg, reopen', async () => {
  const h = await ChainHarness.create();
  try {
    await h.extend('a', 'genesis', 101);
    expect(h.chain.height).toBe(101);
    const alice = testKey('alice');
    const spend = signSpend({
      inputs: [h.get('a1').coinbase[0]!],
      outputs: [payTo(alice, 10n * 100_000_000n), payTo(h.miner, 39n * 100_000_000n)],
      genesisHash: regtest.genesisHash,
    });
    h.block('a102', 'a101', { txs: [spend], fees: 100_000_000n });
    expect(await h.submit('a102')).toMatchObject({ status: 'connected' });
    // a heavier branch from a100
    h.block('b101', 'a100');
    expect(await h.submit('b101')).toMatchObject({ status: 'stored' });
    h.block('b102', 'b101');
    h.block('b103', 'b102');
    expect(await h.submit('b103')).toMatchObject({ status: 'orphan' });
    // b102 ties with a102 (the first seen stays the tip), so it is answered 'stored'; its waiting
    // child b103 then re-enters and takes the chain over.
    expect(await h.submit('b102')).toMatchObject({ status: 'stored' });
    expect(h.tipName()).toBe('b103');
    const v = await h.chain.verifyChain(10);
    expect(v).toEqual({ ok: true, checked: 10 });
    const before = await h.chain.utxoSetHash();
    await h.reopen();
    expect(h.tipName()).toBe('b103');
    expect(await h.chain.utxoSetHash()).toEqual(before);
  } finally {
    await h.close();
  }
});
