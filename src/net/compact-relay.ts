import { EventEmitter } from 'node:events';
import type { PeerId } from '@libp2p/interface';
import type { Chain } from '../chain/chain.js';
import { BoundedMap } from '../collections/bounded-map.js';
import { decodeBlockWithTxids, encodeBlock, type Block } from '../consensus/block.js';
import { RejectCode } from '../consensus/errors.js';
import { headerHash } from '../consensus/header.js';
import { checkProofOfWork } from '../consensus/pow.js';
import { DecodeError } from '../encoding/errors.js';
import { bytesToHex, equalBytes, hashToHex } from '../encoding/hex.js';
import type { Mempool } from '../mempool/mempool.js';
import {
  decodeBlockTxnRequest,
  decodeBlockTxnResponse,
  decodeCompactBlock,
  encodeBlockTxnRequest,
  encodeBlockTxnResponse,
  encodeCompactBlock,
  makeCompactBlock,
  maxBlockTxs,
} from './compact.js';
import { GossipActionError } from './gossip.js';
import { decoding } from './handlers.js';
import { encodeHashes, isNotHere, NOT_HERE } from './messages.js';
import { PartialBlock, type KnownTx, type ReconstructFailure } from './partial-block.js';
import type { WireNames } from './protocol.js';
import { ProtocolError, type Handler, type ReqResp } from './reqresp.js';
import type { CostKind } from './costs.js';

/** Compact blocks being rebuilt at once; past it a new one is IGNOREd (each holds up to one block's transactions). */
const MAX_IN_FLIGHT = 8;
/** Recently validated blocks kept whole, to answer blocktxn requests before (and while) they are written. */
const RECENT_BLOCKS = 16;
/** How long a blocktxn or full-block request may take before the next fallback is tried. */
const FETCH_TIMEOUT_MS = 5_000;
/** Peers asked for the full block when rebuilding failed: the announcer, then this many others. */
const FULL_BLOCK_PEERS = 3;

/** How one compact block was rebuilt, for metrics and the scale benchmark. */
export interface CompactOutcome {
  hash: string;
  /** The peer that sent the compact block. */
  from: string;
  txs: number;
  /** Found in the mempool. */
  fromPool: number;
  /** Fetched with one blocktxn request. */
  fetched: number;
  /** Why the full block was fetched instead, if it was. */
  fallback?: ReconstructFailure | 'fetch-failed';
  /** From the message's arrival to the whole block in hand (before validation), ms. */
  reconstructMs: number;
  /** Bytes of the compact message and of the responses it took. */
  compactBytes: number;
  fetchedBytes: number;
}

export interface CompactRelayOptions {
  chain: Chain;
  mempool?: Mempool;
  reqresp: ReqResp;
  names: WireNames;
  /** The block topic's rules for a whole block: returns for ACCEPT, throws GossipActionError otherwise. */
  validateBlock(block: Block, bytes: Uint8Array, txids: Uint8Array[], from: string): Promise<void>;
  /** Connected peers, to ask for a full block. */
  peers(): PeerId[];
  /** Throws GossipActionError (IGNORE) for an orphan whose sender holds its quota of orphans already. */
  refuseOrphanOverQuota(parent: Uint8Array, from: string): void;
  /** Charge a peer for what it made this node spend (costs.ts). */
  charge(peerId: string, kind: CostKind, reason: string): void;
}

/**
 * Compact block relay. A block travels on the compact topic as its header, a salt, short ids
 * and its coinbase; a receiver rebuilds it from its mempool, fetches what it lacks from the peer
 * that sent it (blocktxn), and falls back to the full block (the blocks protocol, from that
 * peer and then others) when short ids collide, the rebuilt block does not match its merkle
 * root, or a fetch fails. The rebuilt block then goes through exactly the block topic's
 * validation, so the compact message is relayed only once the block is fully validated.
 */
export class CompactRelay extends EventEmitter<{ outcome: [o: CompactOutcome] }> {
  private readonly recent = new BoundedMap<string, { block: Block; txids: Uint8Array[] }>(RECENT_BLOCKS);
  private readonly inFlight = new Set<string>();
  private readonly maxTxs: number;

  constructor(private readonly o: CompactRelayOptions) {
    super();
    this.maxTxs = maxBlockTxs(o.chain.params.maxBlockBytes);
  }

  /** Keep a validated block at hand for peers rebuilding it (and the blocks protocol, until it is written). */
  remember(hash: Uint8Array, block: Block, txids: Uint8Array[]): void {
    this.recent.set(bytesToHex(hash), { block, txids });
  }

  /** The compact message announcing `block`, with a fresh salt; the block is remembered for blocktxn. */
  announce(hash: Uint8Array, block: Block, txids: Uint8Array[]): Uint8Array {
    this.remember(hash, block, txids);
    return encodeCompactBlock(makeCompactBlock(block.header, block.txs, txids));
  }

  /** A recent block's bytes (the blocks protocol asks here when the chain has not written it yet). */
  recentBlockBytes(hash: Uint8Array): Uint8Array | undefined {
    const r = this.recent.get(bytesToHex(hash));
    return r ? encodeBlock(r.block) : undefined;
  }

  /** The compact topic's validator: ACCEPT (returns) only for a rebuilt block the block topic accepts. */
  async validate(data: Uint8Array, from: string): Promise<void> {
    const arrived = performance.now();
    let cb;
    try {
      cb = decodeCompactBlock(data, this.maxTxs);
    } catch (err) {
      if (err instanceof DecodeError) throw new GossipActionError('reject', RejectCode.Undecodable, err.message);
      throw err;
    }
    const hash = headerHash(cb.header);
    const key = bytesToHex(hash);
    if (this.o.chain.entry(hash) || this.inFlight.has(key)) throw new GossipActionError('ignore', 'duplicate');
    // Before any work on its behalf: a header without its proof of work is junk.
    if (!checkProofOfWork(hash, cb.header.bits, this.o.chain.params.powLimit))
      throw new GossipActionError('reject', RejectCode.HighHash, 'compact block header fails its proof of work');
    // An orphan over its sender's quota is not worth a mempool scan or a fetch (as on the block topic).
    this.o.refuseOrphanOverQuota(cb.header.prevHash, from);
    if (this.inFlight.size >= MAX_IN_FLIGHT)
      throw new GossipActionError('ignore', 'busy', `${MAX_IN_FLIGHT} compact blocks are being rebuilt already`);
    this.inFlight.add(key);
    try {
      const outcome: CompactOutcome = {
        hash: hashToHex(hash),
        from,
        txs: cb.shortIds.length + cb.prefilled.length,
        fromPool: 0,
        fetched: 0,
        reconstructMs: 0,
        compactBytes: data.length,
        fetchedBytes: 0,
      };
      const got = await this.rebuild(PartialBlock.build(cb, this.known()), hash, from, outcome);
      outcome.reconstructMs = performance.now() - arrived;
      this.emit('outcome', outcome);
      if (!got) throw new GossipActionError('ignore', 'unavailable', `no peer gave block ${outcome.hash}`);
      await this.o.validateBlock(got.block, got.bytes, got.txids, from);
      this.remember(hash, got.block, got.txids);
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** The blocktxn protocol: transactions of a block we have, by position. */
  handler(): Handler {
    return {
      protocol: this.o.names.blockTxn,
      maxRequestBytes: 32 + 9 + this.maxTxs * 3,
      respond: (req) => {
        const { hash, indexes } = decoding(() => decodeBlockTxnRequest(req, this.maxTxs));
        const found = this.lookup(hash);
        if (!found) return [NOT_HERE];
        if (indexes.at(-1)! >= found.txs.length)
          throw new ProtocolError('bad-frame', `blocktxn index ${indexes.at(-1)} in a block of ${found.txs.length}`);
        return [
          encodeBlockTxnResponse(
            hash,
            indexes.map((i) => found.txs[i]!),
          ),
        ];
      },
    };
  }

  private lookup(hash: Uint8Array): Block | undefined {
    const r = this.recent.get(bytesToHex(hash));
    if (r) return r.block;
    const bytes = this.o.chain.isOpen ? this.o.chain.getBlockBytes(hash) : undefined;
    return bytes ? decodeBlockWithTxids(bytes) : undefined;
  }

  /** What a receiver holds that a block may contain: its mempool (entries carry tx and txid). */
  private known(): Iterable<KnownTx> {
    return this.o.mempool?.all() ?? [];
  }

  private async rebuild(
    partial: PartialBlock | ReconstructFailure,
    hash: Uint8Array,
    from: string,
    outcome: CompactOutcome,
  ): Promise<{ block: Block; txids: Uint8Array[]; bytes: Uint8Array } | undefined> {
    if (typeof partial === 'string') return this.fullBlock(hash, from, partial, outcome);
    outcome.fromPool = partial.fromPool;
    let fetched: KnownTx[] = [];
    if (partial.missing.length > 0) {
      const got = await this.fetchTxs(hash, partial.missing, from, outcome);
      if (!got) return this.fullBlock(hash, from, 'fetch-failed', outcome);
      fetched = got;
      outcome.fetched = got.length;
    }
    const done = partial.complete(fetched);
    if (typeof done === 'string') return this.fullBlock(hash, from, done, outcome);
    return { ...done, bytes: encodeBlock(done.block) };
  }

  /** The transactions at `indexes` from the peer that announced the block; undefined if it cannot or will not say. */
  private async fetchTxs(
    hash: Uint8Array,
    indexes: number[],
    from: string,
    outcome: CompactOutcome,
  ): Promise<KnownTx[] | undefined> {
    const peer = this.o.peers().find((p) => p.toString() === from);
    if (!peer) return undefined;
    try {
      const [frame] = await this.o.reqresp.request(
        peer,
        this.o.names.blockTxn,
        encodeBlockTxnRequest({ hash, indexes }),
        {
          frames: 1,
          maxFrameBytes: this.o.chain.params.maxBlockBytes + 64,
          timeoutMs: FETCH_TIMEOUT_MS,
        },
      );
      outcome.fetchedBytes += frame!.length;
      if (isNotHere(frame!)) return undefined;
      const r = decodeBlockTxnResponse(frame!, this.maxTxs);
      if (!equalBytes(r.hash, hash) || r.txs.length !== indexes.length) {
        this.o.charge(from, 'bad-frame', 'blocktxn: not the transactions asked for');
        return undefined;
      }
      return r.txs.map((tx, i) => ({ tx, txid: r.txids[i]! }));
    } catch (err) {
      if (err instanceof DecodeError) this.o.charge(from, 'bad-frame', `blocktxn: ${err.message}`);
      return undefined;
    }
  }

  /** The full block by hash (blocks protocol): from the announcer first, then other peers. */
  private async fullBlock(
    hash: Uint8Array,
    from: string,
    reason: ReconstructFailure | 'fetch-failed',
    outcome: CompactOutcome,
  ): Promise<{ block: Block; txids: Uint8Array[]; bytes: Uint8Array } | undefined> {
    outcome.fallback = reason;
    const peers = this.o.peers();
    const ordered = [...peers.filter((p) => p.toString() === from), ...peers.filter((p) => p.toString() !== from)];
    for (const peer of ordered.slice(0, 1 + FULL_BLOCK_PEERS)) {
      const id = peer.toString();
      try {
        const [frame] = await this.o.reqresp.request(peer, this.o.names.blocks, encodeHashes([hash]), {
          frames: 1,
          maxFrameBytes: this.o.chain.params.maxBlockBytes,
          timeoutMs: FETCH_TIMEOUT_MS,
        });
        outcome.fetchedBytes += frame!.length;
        if (isNotHere(frame!)) continue;
        const block = decodeBlockWithTxids(frame!, this.o.chain.params.maxBlockBytes);
        if (!equalBytes(headerHash(block.header), hash)) {
          this.o.charge(id, 'invalid-block', 'blocks: not the block asked for');
          continue;
        }
        return { block, txids: block.txids, bytes: frame! };
      } catch (err) {
        if (err instanceof DecodeError) this.o.charge(id, 'bad-frame', `blocks: ${err.message}`);
      }
    }
    return undefined;
  }
}
