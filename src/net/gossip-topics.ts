import { RejectCode } from '../consensus/errors.js';
import type { Mempool } from '../mempool/mempool.js';
import type { CompactRelay } from './compact-relay.js';
import type { CostAccount } from './costs.js';
import { GossipAdapter } from './gossip.js';
import { validateGossipTx, type BlockGossipValidator } from './gossip-validators.js';
import type { Host } from './host.js';
import type { PeerBook } from './peer-book.js';
import type { WireNames } from './protocol.js';

export interface GossipTopicsOptions {
  names: WireNames;
  costs: CostAccount;
  book: PeerBook;
  isBanned(peerId: string): boolean;
  blocks: BlockGossipValidator;
  compact: CompactRelay;
  mempool?: Mempool;
  onError(err: Error): void;
  /** Every message's outcome, for metrics: compact blocks count as blocks. */
  onVerdict(topic: 'block' | 'tx', verdict: 'accept' | 'ignore' | 'reject'): void;
}

/**
 * A node's gossip: the three topics (whole blocks, compact blocks, transactions), the validator
 * each runs, and what each verdict means for its sender: an invalid message costs it, a
 * transaction spending coins nobody has costs it a little, a new block or an accepted
 * transaction is remembered in its favour (eviction protects such peers).
 */
export function openGossip(host: Host, o: GossipTopicsOptions): GossipAdapter {
  const { names, costs, book } = o;
  const gossip = new GossipAdapter(host, {
    isBanned: o.isBanned,
    onReject: (peerId, topic, code, reason) => costs.charge(peerId, 'invalid-gossip', `${topic}: ${code} ${reason}`),
    onIgnore: (peerId, topic, code, reason) => {
      if (topic === names.txTopic && code === RejectCode.InputsMissingOrSpent)
        costs.charge(peerId, 'unconnectable-tx', reason);
    },
    onAccept: (peerId, topic) => {
      if (topic === names.txTopic) book.gaveTx(peerId);
      else book.gaveBlock(peerId);
    },
    onOverflow: (peerId, topic) => costs.charge(peerId, 'gossip-overflow', topic),
    onError: o.onError,
    onVerdict: (topic, verdict) => o.onVerdict(topic === names.txTopic ? 'tx' : 'block', verdict),
  });
  gossip.on(names.blockTopic, (data, from) => o.blocks.validate(data, from));
  gossip.on(names.compactBlockTopic, (data, from) => o.compact.validate(data, from));
  gossip.on(names.txTopic, (data) => validateGossipTx(o.mempool, data));
  return gossip;
}
