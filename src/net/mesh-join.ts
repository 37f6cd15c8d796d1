import type { GossipSub } from '@chainsafe/libp2p-gossipsub';

/** What this module uses of gossipsub that its types keep private (test/net/mesh-join.test.ts checks it). */
interface GossipSubInternals {
  sendGraft(id: string, topic: string): void;
  /** topic -> peer -> time (ms) until which a peer that pruned us (or we it) must not be grafted. */
  backoff: Map<string, Map<string, number>>;
}

type ControlMessage = GossipSub['control'] extends Map<string, infer C> ? C : never;

/**
 * Take a peer into a topic's gossip mesh as soon as it subscribes, while the mesh is short of
 * its target degree D, instead of at gossipsub's next heartbeat (every second).
 *
 * Why: a block is relayed only to mesh peers. A peer that had just connected was not in the mesh
 * yet, so a block relayed meanwhile passed it by; at the heartbeat it was grafted, and as a mesh
 * peer it no longer got the block announced (IHAVE) either. Measured on three peers A-B-C, a
 * block published by A right after C connected to B: 8 runs, 5 reached C only through the next
 * status exchange, ~10 s later (20 ms when C was already in B's mesh). bitcoind announces a
 * block to every peer once the handshake is done; rust-libp2p's gossipsub grafts a subscribing
 * peer at once while its mesh is short. js-gossipsub 14 does not graft on subscription (its
 * handleReceivedSubscription leaves it to the heartbeat), so it is done here, as its heartbeat
 * grafts (score bookkeeping, then GRAFT) and with the checks its GRAFT handling applies: not a direct peer, a score of 0 or
 * more, no prune backoff.
 */
export function joinMeshOnSubscribe(pubsub: GossipSub, topics: readonly string[]): void {
  const internals = pubsub as unknown as GossipSubInternals;
  pubsub.addEventListener('subscription-change', (e) => {
    const id = e.detail.peerId.toString();
    for (const { topic, subscribe } of e.detail.subscriptions) {
      if (!subscribe || !topics.includes(topic)) continue;
      const mesh = pubsub.mesh.get(topic);
      if (!mesh || mesh.has(id) || mesh.size >= pubsub.opts.D) continue;
      if (pubsub.direct.has(id) || pubsub.score.score(id) < 0) continue;
      const backoffUntil = internals.backoff.get(topic)?.get(id);
      if (backoffUntil !== undefined && Date.now() < backoffUntil) continue;
      pubsub.score.graft(id, topic);
      mesh.add(id);
      if (pubsub.streamsOutbound.has(id)) {
        internals.sendGraft(id, topic);
      } else {
        // Our stream to the peer is still opening: gossipsub sends pending control messages with
        // the first message on it (our subscriptions), or at the next heartbeat.
        const pending: ControlMessage = pubsub.control.get(id) ?? {
          ihave: [],
          iwant: [],
          graft: [],
          prune: [],
          idontwant: [],
        };
        pending.graft.push({ topicID: topic });
        pubsub.control.set(id, pending);
      }
    }
  });
}
