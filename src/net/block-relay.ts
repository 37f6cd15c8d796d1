import { EventEmitter } from 'node:events';
import type { Chain } from '../chain/chain.js';
import type { ChainEvents } from '../chain/types.js';
import { decodeBlockWithTxids, encodeBlock, type Block } from '../consensus/block.js';
import { headerHash } from '../consensus/header.js';
import { hashToHex } from '../encoding/hex.js';
import type { Mempool } from '../mempool/mempool.js';
import { AncestryFetcher } from './ancestry.js';
import { CompactRelay, type CompactOutcome } from './compact-relay.js';
import type { CostAccount } from './costs.js';
import { BlockGossipValidator } from './gossip-validators.js';
import { protocolHandlers } from './handlers.js';
import type { Host } from './host.js';
import type { WireNames } from './protocol.js';
import type { Handler, ReqResp } from './reqresp.js';

export interface BlockRelayOptions {
  chain: Chain;
  mempool?: Mempool;
  host: Host;
  reqresp: ReqResp;
  names: WireNames;
  costs: CostAccount;
  isBanned(peerId: string): boolean;
  /** Ask `peer` for its status and sync from it if it has more work; true when it claimed more. */
  fetchAncestry(peer: string): Promise<boolean>;
  /** Gossip `bytes` on `topic`; the number of peers it went to. */
  publish(topic: string, bytes: Uint8Array): Promise<number>;
  /** Announce blocks as compact blocks (default) or whole. */
  compactBlocks: boolean;
  stopped(): boolean;
  onError(err: Error): void;
}

/** A libp2p peer id (base58btc), not one of the chain's other sources ('rpc', 'local', 'miner'). */
function looksLikePeerId(source: string): boolean {
  return /^(12D3KooW|16Uiu2|Qm)[1-9A-HJ-NP-Za-km-z]{30,}$/.test(source);
}

/**
 * How blocks come and go between peers: the block topic's validator, compact block relay, the
 * request/response protocols that serve the chain, orphans' ancestry fetched from their senders
 * (and what orphans that never connect cost them), and this node's own blocks announced.
 */
export class BlockRelay extends EventEmitter<{ compact: [outcome: CompactOutcome] }> {
  readonly blocks: BlockGossipValidator;
  readonly compact: CompactRelay;
  /** Asks orphans' senders for their ancestry, deduplicated and bounded by what is in flight. */
  private readonly ancestry: AncestryFetcher;

  constructor(private readonly o: BlockRelayOptions) {
    super();
    const { chain, costs } = o;
    this.ancestry = new AncestryFetcher({
      fetch: (peer) => o.fetchAncestry(peer),
      connected: (peer) => o.host.getConnections().some((c) => c.remotePeer.toString() === peer),
      progress: () => chain.tip.chainWork,
      wasted: (peer, reason) => costs.charge(peer, 'ancestry-wasted', reason),
    });
    this.blocks = new BlockGossipValidator(chain, {
      fetchAncestry: (from, missing) => this.ancestry.request(from, missing),
      orphanRefused: (from) => costs.charge(from, 'orphan-dropped', 'refused: over its orphan quota'),
      onError: o.onError,
      onAccept: (hash, block, txids) => this.compact.remember(hash, block, txids),
    });
    this.compact = new CompactRelay({
      chain,
      mempool: o.mempool,
      reqresp: o.reqresp,
      names: o.names,
      validateBlock: (block, bytes, txids, from) => this.blocks.validateBlock(block, bytes, txids, from),
      refuseOrphanOverQuota: (parent, from) => this.blocks.refuseOrphanOverQuota(parent, from),
      peers: () => o.host.getConnections().map((c) => c.remotePeer),
      charge: (p, kind, reason) => costs.charge(p, kind, reason),
    });
    this.compact.on('outcome', (outcome) => this.emit('compact', outcome));
    chain.on('orphan-dropped', this.onOrphanDropped);
    chain.on('orphan', this.onOrphan);
  }

  /** The request/response protocols that serve blocks, headers, status and the mempool, and blocktxn. */
  handlers(): Handler[] {
    const recent = (hash: Uint8Array) => this.compact.recentBlockBytes(hash);
    return [...protocolHandlers(this.o.names, this.o.chain, this.o.mempool, recent), this.compact.handler()];
  }

  close(): void {
    this.o.chain.off('orphan-dropped', this.onOrphanDropped);
    this.o.chain.off('orphan', this.onOrphan);
  }

  /** An orphan left the pool without connecting: its sender pays (unless it is gone for good, banned). */
  private readonly onOrphanDropped = ({ hash, source, reason }: ChainEvents['orphan-dropped'][0]) => {
    if (reason !== 'source-dropped' && looksLikePeerId(source))
      this.o.costs.charge(source, 'orphan-dropped', `orphan ${hashToHex(hash)} ${reason}`);
  };

  /** An orphan from a peer banned while its block was being checked: it goes at once, as the rest did. */
  private readonly onOrphan = ({ source }: { source: string }) => {
    if (this.o.isBanned(source)) this.o.chain.dropOrphansFrom(source);
  };

  /**
   * Announce a block this node has validated (mined, submitted): as a compact block unless
   * `compactBlocks` is off. Returns the number of peers it was sent to.
   */
  async publishBlock(block: Block, bytes = encodeBlock(block)): Promise<number> {
    if (!this.o.compactBlocks) return this.o.publish(this.o.names.blockTopic, bytes);
    const txids = decodeBlockWithTxids(bytes).txids;
    const compact = this.compact.announce(headerHash(block.header), block, txids);
    return this.o.publish(this.o.names.compactBlockTopic, compact);
  }

  /**
   * After a sync moved our tip, gossip the tip block once: a peer that lacks its ancestry takes it
   * as an orphan and fetches the ancestry from us, so new work crosses a line of peers hop by hop
   * (status is only exchanged on connecting). Peers that have it drop it as a duplicate.
   */
  async announceTip(): Promise<void> {
    // A session can end while the node shuts down: the database may be closed already.
    if (this.o.stopped() || !this.o.chain.isOpen) return;
    const bytes = this.o.chain.getBlockBytes(this.o.chain.tip.hash);
    if (!bytes) return;
    await this.o.publish(this.o.names.blockTopic, bytes).catch(() => undefined);
  }
}
