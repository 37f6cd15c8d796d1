import { EventEmitter } from 'node:events';
import type { PeerId } from '@libp2p/interface';
import type { Chain } from '../chain/chain.js';
import { decodeBlockWithTxids, type DecodedBlock } from '../consensus/block.js';
import { headerHash } from '../consensus/header.js';
import { TEMPORARY_REJECTS } from '../consensus/errors.js';
import { DecodeError } from '../encoding/errors.js';
import { equalBytes, hashToHex, ownBytes } from '../encoding/hex.js';
import { HeaderChain, type HeaderNode } from './header-chain.js';
import {
  decodeHeaders,
  encodeHashes,
  encodeHeadersRequest,
  isNotHere,
  MAX_FRAME_BYTES,
  type StatusMessage,
} from './messages.js';
import { LIMITS, type WireNames } from './protocol.js';
import { ProtocolError, type ReqResp } from './reqresp.js';

/** Block requests in flight at once during a sync (each of up to 16 blocks). */
const MAX_IN_FLIGHT = 4;
/** The most blocks a sync hands the chain in one call: every request of the window, arrived. */
export const SYNC_WINDOW_BLOCKS = MAX_IN_FLIGHT * LIMITS.maxBlocksPerRequest;
/** Attempts per batch of blocks before the sync gives up on it. */
const MAX_ATTEMPTS_PER_BATCH = 3;
/** Rounds of `headers` per sync session (2,000 headers each): a bound, not a target. */
const MAX_HEADER_ROUNDS = 10_000;

export interface SyncPeer {
  peerId: PeerId;
  status: StatusMessage;
}

export interface SyncProgress {
  height: number;
  target: number;
  blocks: number;
  startedAt: number;
}

export interface SyncEvents {
  progress: [p: SyncProgress];
  done: [info: { peer: string; height: number; blocks: number; ms: number }];
}

export interface SyncContext {
  chain: Chain;
  reqresp: ReqResp;
  names: WireNames;
  /** Charge a peer that served bad data (costs.ts). */
  charge(peerId: string, kind: 'bad-frame' | 'invalid-headers' | 'invalid-block', reason: string): void;
  /** A block this peer served connected (it has given the node something: eviction protects it). */
  credit?(peerId: string): void;
  /** Peers that may serve blocks (connected, same network, with their last status). */
  peers(): SyncPeer[];
}

/**
 * Headers-first sync: ask a peer with more work for headers after our locator, check the header
 * chain (proof of work, bits, time rules) before any body is requested, then fetch the bodies in
 * batches from every peer that has them, a bounded window at a time, and feed them to
 * processBlock in order. One session at a time; later requests queue behind it.
 */
export class Syncer extends EventEmitter<SyncEvents> {
  private running: Promise<void> = Promise.resolve();
  private active = false;
  /** Sessions waiting to run, by peer. */
  private readonly queued = new Map<string, Promise<void>>();

  constructor(private readonly ctx: SyncContext) {
    super();
  }

  get syncing(): boolean {
    return this.active;
  }

  /** Sync from `peer` (queued behind any running session). Errors are contained per session. */
  syncWith(peer: SyncPeer): Promise<void> {
    // At most one queued session per peer: a peer re-announcing work while it waits adds nothing.
    const id = peer.peerId.toString();
    const queued = this.queued.get(id);
    if (queued) return queued;
    const run = this.running.then(() => {
      this.queued.delete(id);
      return this.session(peer).catch(() => undefined);
    });
    this.queued.set(id, run);
    this.running = run;
    return run;
  }

  private async session(peer: SyncPeer): Promise<void> {
    const { chain } = this.ctx;
    if (peer.status.chainWork <= chain.tip.chainWork) return;
    this.active = true;
    const startedAt = performance.now();
    let blocks = 0;
    try {
      const headerChain = new HeaderChain(chain);
      let from: Uint8Array | undefined;
      for (let round = 0; round < MAX_HEADER_ROUNDS; round++) {
        const locator = from ? [from, ...chain.locator()] : chain.locator();
        const [frame] = await this.ctx.reqresp.request(
          peer.peerId,
          this.ctx.names.headers,
          encodeHeadersRequest(locator),
          {
            frames: 1,
            maxFrameBytes: MAX_FRAME_BYTES.headers,
          },
        );
        let headers;
        try {
          headers = decodeHeaders(frame!);
        } catch (err) {
          // Junk instead of headers is the peer's fault, as for every other response.
          if (err instanceof DecodeError)
            this.ctx.charge(peer.peerId.toString(), 'bad-frame', `headers: ${err.message}`);
          throw err;
        }
        if (headers.length === 0) break;
        const checked = headerChain.check(headers);
        if (!checked.ok) {
          if (!TEMPORARY_REJECTS.has(checked.code as never))
            this.ctx.charge(peer.peerId.toString(), 'invalid-headers', `invalid headers: ${checked.reason}`);
          break;
        }
        const wanted = checked.nodes.filter((n) => !chain.entry(n.hash));
        blocks += await this.fetchBodies(peer, wanted, {
          startedAt,
          target: Math.max(peer.status.height, checked.nodes.at(-1)!.height),
        });
        from = checked.nodes.at(-1)!.hash;
        if (headers.length < LIMITS.maxHeaders) break;
      }
    } finally {
      this.active = false;
      this.emit('done', {
        peer: peer.peerId.toString(),
        height: chain.height,
        blocks,
        ms: performance.now() - startedAt,
      });
    }
  }

  /** Download and process `nodes` in order; returns how many blocks were processed. */
  private async fetchBodies(
    primary: SyncPeer,
    nodes: HeaderNode[],
    progress: { startedAt: number; target: number },
  ): Promise<number> {
    const batches: HeaderNode[][] = [];
    for (let i = 0; i < nodes.length; i += LIMITS.maxBlocksPerRequest)
      batches.push(nodes.slice(i, i + LIMITS.maxBlocksPerRequest));
    let next = 0;
    let processed = 0;
    type Fetched = { blocks: (DecodedBlock & { bytes: Uint8Array })[]; from: string };
    const inFlight: { fetched: Promise<Fetched>; ready?: Fetched }[] = [];
    const launch = () => {
      while (inFlight.length < MAX_IN_FLIGHT && next < batches.length) {
        const slot: (typeof inFlight)[number] = { fetched: this.fetchBatch(primary, batches[next]!, next++) };
        // Marks the batch ready; a session that stops early must not leave a rejection unhandled.
        slot.fetched.then((f) => (slot.ready = f)).catch(() => undefined);
        inFlight.push(slot);
      }
    };
    launch();
    while (inFlight.length) {
      // The next batch in order, plus every batch after it that has already arrived: the chain
      // connects one call's blocks as one pipeline, which drains at the end of each call.
      const run = [await inFlight.shift()!.fetched];
      while (inFlight[0]?.ready) run.push(inFlight.shift()!.ready!);
      launch();
      const items = run.flatMap(({ blocks, from }) =>
        blocks.map((block) => ({ block, opts: { source: from, txids: block.txids, bytes: block.bytes } })),
      );
      const results = await this.ctx.chain.processBlocks(items);
      for (let i = 0; i < results.length; i++) {
        const r = results[i]!;
        if (r.status === 'invalid') {
          // The peer that served the block pays, not the one we happened to sync from.
          this.ctx.charge(
            items[i]!.opts.source,
            'invalid-block',
            `synced block ${hashToHex(r.hash)} is invalid: ${r.code}`,
          );
          // Drain what is in flight and stop: the rest of this chain descends from an invalid block.
          await Promise.allSettled(inFlight.map((f) => f.fetched));
          return processed;
        }
        if (r.status === 'connected') this.ctx.credit?.(items[i]!.opts.source);
        processed++;
      }
      this.emit('progress', {
        height: this.ctx.chain.height,
        target: progress.target,
        blocks: processed,
        startedAt: progress.startedAt,
      });
    }
    return processed;
  }

  /** One batch of blocks, from the peers that have them in turn, checked against the hashes asked for. */
  private async fetchBatch(
    primary: SyncPeer,
    batch: HeaderNode[],
    index: number,
  ): Promise<{ blocks: (DecodedBlock & { bytes: Uint8Array })[]; from: string }> {
    const lastHeight = batch.at(-1)!.height;
    const candidates = [
      primary,
      ...this.ctx.peers().filter((p) => !p.peerId.equals(primary.peerId) && p.status.height >= lastHeight),
    ];
    // Spread batches over the peers that can serve them, starting from a different one each time.
    const order = candidates.map((_, i) => candidates[(i + index) % candidates.length]!);
    let lastError: Error | undefined;
    for (
      let attempt = 0;
      attempt < Math.min(MAX_ATTEMPTS_PER_BATCH, order.length * MAX_ATTEMPTS_PER_BATCH);
      attempt++
    ) {
      const peer = order[attempt % order.length]!;
      try {
        const frames = await this.ctx.reqresp.request(
          peer.peerId,
          this.ctx.names.blocks,
          encodeHashes(batch.map((n) => n.hash)),
          {
            frames: batch.length,
            maxFrameBytes: this.ctx.chain.params.maxBlockBytes,
          },
        );
        if (frames.some(isNotHere)) throw new ProtocolError('refused', 'peer does not have every block asked for');
        const blocks = frames.map((frame, i) => {
          // Its own buffer (a frame may be a slice of a larger read): the block decodes into views of it.
          const f = ownBytes(frame);
          // Stage 1 of the block path (chain/process.ts): decode; processBlocks takes it from stage 2.
          const block = decodeBlockWithTxids(f, this.ctx.chain.params.maxBlockBytes);
          // The whole header must hash to the one asked for (the merkle root alone would let a
          // peer swap in a mutated twin of the block, blaming nobody).
          if (!equalBytes(headerHash(block.header), batch[i]!.hash))
            throw new ProtocolError('unexpected', `peer sent a different block for ${hashToHex(batch[i]!.hash)}`);
          return { ...block, bytes: f };
        });
        return { blocks, from: peer.peerId.toString() };
      } catch (err) {
        lastError = err as Error;
        const reason = err instanceof ProtocolError ? err.code : 'bad response';
        // A stream that ends or resets mid-answer ('bad-frame' from request) is what an honest
        // peer shutting down looks like too: try the next peer, but do not penalise. Wrong or
        // undecodable blocks and oversized frames are penalised.
        if (reason !== 'timeout' && reason !== 'refused' && reason !== 'bad-frame')
          this.ctx.charge(peer.peerId.toString(), 'invalid-block', `blocks response: ${(err as Error).message}`);
      }
    }
    throw lastError ?? new ProtocolError('refused', 'no peer could serve the blocks');
  }
}
