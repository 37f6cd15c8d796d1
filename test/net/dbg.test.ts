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

test('dbg', async () => {
  const a = await ChainHarness.create();
  const b = await ChainHarness.create();
  const na = new NetService({ chain: a.chain, mempool: new Mempool(a.chain, a.clock.read), clock: a.clock.read });
  const nb = new NetService({ chain: b.chain, mempool: new Mempool(b.chain, b.clock.read), clock: b.clock.read });
  for (const [n, s] of [['a', na], ['b', nb]] as const) {
    for (const ev of ['peer:connect', 'peer:disconnect', 'penalty', 'wrong-network', 'error', 'done', 'ban'] as const) s.on(ev as any, (x: any) => console.log(n, ev, x));
  }
  try {
    await a.extend('a', 'genesis', 30);
    await na.start();
    await nb.start();
    (nb as any).host.addEventListener('peer:identify', (e: any) => console.log('b identify', e.detail.protocols));
    await nb.connect(na.listenAddresses()[0]!);
    await until(() => b.chain.height === 30, 5000);
  } finally {
    await na.stop();
    await nb.stop();
    await a.close();
    await b.close();
  }
});
