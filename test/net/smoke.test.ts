import { ChainHarness } from '../chain/harness.js';
import { NetService } from '../../src/net/index.js';
import { Mempool } from '../../src/mempool/index.js';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('smoke: two peers sync and gossip', async () => {
  const a = await ChainHarness.create();
  const b = await ChainHarness.create();
  const na = new NetService({ chain: a.chain, mempool: new Mempool(a.chain, a.clock.read), clock: a.clock.read });
  const nb = new NetService({ chain: b.chain, mempool: new Mempool(b.chain, b.clock.read), clock: b.clock.read });
  try {
    await a.extend('a', 'genesis', 30);
    await na.start();
    await nb.start();
    await nb.connect(na.listenAddresses()[0]!);
    await until(() => b.chain.height === 30);
    const blk = a.block('a31', 'a30');
    await a.submit('a31');
    await na.publishBlock(blk.block);
    await until(() => b.chain.height === 31);
    expect(b.chain.tip.hashHex).toBe(a.chain.tip.hashHex);
  } finally {
    await na.stop();
    await nb.stop();
    await a.close();
    await b.close();
  }
});
