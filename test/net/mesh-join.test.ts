/**
 * A peer that has just connected gets relayed blocks as fast as an old one: it joins the gossip
 * mesh the moment its subscription arrives (src/net/mesh-join.ts), not at gossipsub's next
 * heartbeat. Without that, a block relayed in between passed it by (blocks are relayed to mesh
 * peers only), and it got the block only at the next status exchange, ~10 s later.
 */
import { link, meshed, TestNet, until } from './helpers.js';

test('a new peer is in the mesh when its subscription arrives, and the next block reaches it through the mesh', async () => {
  const net = new TestNet();
  try {
    const a = await net.startPeer({ name: 'A' });
    const b = await net.startPeer({ name: 'B' });
    const c = await net.startPeer({ name: 'C' });
    await link(b, a);
    await meshed(a, b);
    // Blocks are announced as compact blocks.
    const topic = b.svc.names.compactBlockTopic;
    const bsub = b.host.services.pubsub;
    const outboundGrafts: string[] = [];
    bsub.addEventListener('gossipsub:graft', (e) => {
      if (e.detail.direction === 'outbound') outboundGrafts.push(`${e.detail.peerId}/${e.detail.topic}`);
    });
    // B's view at the moment it learns that C subscribed. This listener runs right after
    // powchain's own, in the same synchronous dispatch: no heartbeat can have run in between.
    let atSubscription: { inMesh: boolean; graftSentOrQueued: boolean } | undefined;
    bsub.addEventListener('subscription-change', (e) => {
      if (e.detail.peerId.toString() !== c.id) return;
      if (!e.detail.subscriptions.some((s) => s.topic === topic && s.subscribe)) return;
      atSubscription ??= {
        inMesh: bsub.getMeshPeers(topic).includes(c.id),
        // Sent when B's stream to C is open, else queued to go out with the first message on it.
        graftSentOrQueued:
          outboundGrafts.includes(`${c.id}/${topic}`) ||
          (bsub.control.get(c.id)?.graft.some((g) => g.topicID === topic) ?? false),
      };
    });
    await link(c, b);
    await until(() => atSubscription !== undefined, 'B to learn that C subscribed to the compact block topic');
    expect(atSubscription).toEqual({ inMesh: true, graftSentOrQueued: true });
    // C honours B's GRAFT (or grafts B itself): the mesh link is mutual.
    await until(() => c.host.services.pubsub.getMeshPeers(topic).includes(b.id), 'C to have B in its mesh');

    // A's next block crosses B to C by gossip, sent by B, not fetched by a later sync.
    const sources: string[] = [];
    c.host.services.pubsub.addEventListener('gossipsub:message', (e) => {
      if (e.detail.msg.topic === topic) sources.push(e.detail.propagationSource.toString());
    });
    const block = a.h.block('x', 'genesis');
    expect(await a.h.submit('x')).toMatchObject({ status: 'connected' });
    await a.svc.publishBlock(block.block);
    await until(() => c.h.chain.tip.hashHex === a.h.chain.tip.hashHex, "C to reach A's block", 30_000);
    expect(sources).toEqual([b.id]);
    for (const p of [a, b, c]) for (const q of p.svc.peers()) expect(q.penalty).toBe(0);
  } finally {
    await net.close();
  }
});
