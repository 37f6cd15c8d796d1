/**
 * Headers-first sync on an ASERT network: a peer on one chain syncs another chain from genesis
 * whose block 1 differs from its own. Every header of the run is checked against its own block 1
 * before any body is fetched (the headers not yet stored find it without walking back to it),
 * then the bodies reorganise the peer onto the heavier chain.
 */
import { AsertChain, easyTestnet, spaced } from '../helpers/asert-chain.js';
import { give, TestNet, until } from './helpers.js';

const G = easyTestnet.genesis.header.time;
const YEARS = 2 * 365 * 24 * 3600;

test('a peer syncs a heavier chain whose block 1 is not its own, and nobody is penalised', async () => {
  const net = new TestNet();
  try {
    const a = new AsertChain(easyTestnet, 'a');
    a.extend(spaced(G + YEARS, 2, 120));
    const b = new AsertChain(easyTestnet, 'b');
    b.extend(spaced(G + YEARS + 3_600, 5, 20));
    const x = await net.startPeer({ name: 'X', params: easyTestnet });
    const y = await net.startPeer({ name: 'Y', params: easyTestnet });
    for (const p of [x, y]) p.h.clock.now = G + YEARS + 86_400;
    await give(x, a.blocks);
    await give(y, b.blocks);
    expect(x.h.chain.tip.chainWork).toBeGreaterThan(y.h.chain.tip.chainWork);

    await y.svc.connect(x.addr);
    await until(() => y.h.chain.tip.hashHex === x.h.chain.tip.hashHex, "Y to sync X's chain", 60_000);
    expect(y.h.chain.height).toBe(120);
    for (const p of [...x.svc.peers(), ...y.svc.peers()]) expect(p.penalty).toBe(0);
  } finally {
    await net.close();
  }
});
