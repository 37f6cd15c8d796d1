/**
 * The network's metrics, in process with real peers (classic-level chains, libp2p on 127.0.0.1):
 * a peer gossiping undecodable blocks shows up as rejected gossip, penalties and a ban in the
 * scrape, and libp2p's own metrics (data transferred, connections) share the registry.
 */
import { createNodeMetrics } from '../../src/metrics/index.js';
import { BAN_THRESHOLD, PENALTY } from '../../src/net/index.js';
import { parseExposition } from '../helpers/prometheus.js';
import { extendLocal, give, link, meshed, publishRawBlock, TestNet, until } from '../net/helpers.js';

test('rejected gossip, penalties and a ban are counted; libp2p reports into the same registry', async () => {
  const net = new TestNet();
  const metrics = createNodeMetrics();
  try {
    const h = await net.startPeer({ name: 'H', net: { metrics: metrics.libp2p } });
    metrics.observe({ chain: h.h.chain, mempool: h.mempool, net: h.svc, verifyQueue: () => 0 });
    const honest = await net.startPeer({ name: 'honest' });
    const offender = await net.startPeer({ name: 'offender' });
    const history = await extendLocal(h, 'h', 3);
    await give(honest, history);
    await give(offender, history);
    await link(honest, h);
    await link(offender, h);
    await meshed(honest, h);
    await meshed(offender, h);

    // An honest block: accepted gossip.
    const next = h.h.block('h4', 'h3').block;
    await give(honest, [next]);
    await honest.svc.publishBlock(next);
    await until(() => h.h.chain.height === 4, 'H to take the honest block');

    // Undecodable blocks, each different (gossipsub drops repeats), one at a time once H's
    // gossipsub score of the offender has dropped, so its own scorer bans it (see bad-gossip).
    const offences = Math.ceil(BAN_THRESHOLD / PENALTY.invalidGossip);
    const pubsub = h.host.services.pubsub;
    for (let i = 0; i < offences; i++) {
      const before = pubsub.getScore(offender.id);
      await publishRawBlock(offender, new Uint8Array(300).fill(0xe0 + i));
      await until(() => h.svc.scorer.penalty(offender.id) >= (i + 1) * PENALTY.invalidGossip, `offence ${i + 1}`);
      if (i + 1 < offences) await until(() => pubsub.getScore(offender.id) < before, `score drop ${i + 1}`);
    }
    await until(() => h.svc.bans.isBanned(offender.id), 'the offender to be banned');

    const m = parseExposition((await metrics.scrape()).body);
    expect(m.value('powchain_gossip_messages_total', { topic: 'block', verdict: 'accept' })).toBe(1);
    expect(m.value('powchain_gossip_messages_total', { topic: 'block', verdict: 'reject' })).toBe(offences);
    expect(m.value('powchain_peer_penalties_total')).toBe(offences);
    expect(m.value('powchain_peer_penalty_points_total')).toBe(offences * PENALTY.invalidGossip);
    expect(m.value('powchain_peer_bans_total')).toBe(1);
    expect(m.value('powchain_peers_banned')).toBe(1);
    expect(m.value('powchain_blocks_invalid_total', { code: 'undecodable' })).toBeUndefined();
    // Three built locally, one from the honest peer's gossip.
    expect(m.value('powchain_blocks_connected_total')).toBe(4);
    expect(m.value('powchain_chain_height')).toBe(4);
    // The honest peer stays; its direction is counted.
    await until(() => h.svc.peers().length === 1, 'only the honest peer left');
    const after = parseExposition((await metrics.scrape()).body);
    expect(
      (after.value('powchain_peers', { direction: 'inbound' }) ?? 0) +
        (after.value('powchain_peers', { direction: 'outbound' }) ?? 0),
    ).toBe(1);
    // libp2p's own: the bytes it moved, by protocol, in the same exposition.
    expect(after.type('libp2p_data_transfer_bytes_total')).toBe('counter');
    expect(after.names().some((n) => n.startsWith('libp2p_connection_manager_'))).toBe(true);
  } finally {
    await net.close();
  }
}, 60_000);
