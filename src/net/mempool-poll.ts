import type { PeerId } from '@libp2p/interface';
import { decodeTx } from '../consensus/tx.js';
import { DecodeError } from '../encoding/errors.js';
import { bytesToHex } from '../encoding/hex.js';
import type { Mempool } from '../mempool/mempool.js';
import { decodeHashes, encodeMempoolRequest, isNotHere } from './messages.js';
import { LIMITS, type WireNames } from './protocol.js';
import type { ReqResp } from './reqresp.js';

/** Transactions asked for per mempool request when fetching from a peer. */
const MEMPOOL_FETCH_BATCH = 50;

export interface MempoolPollContext {
  mempool: Mempool;
  reqresp: ReqResp;
  names: WireNames;
  maxTxBytes: number;
  /** The peers to compare with. */
  peers(): PeerId[];
  /** A peer answered with bytes that do not decode. */
  badFrame(peerId: string, reason: string): void;
}

/**
 * Fetch the transactions we lack from every peer's mempool, one poll at a time: every sync
 * session's end asks for one, and peers that make the node sync from them (claiming work they
 * do not have) would otherwise multiply the polls, each asking every peer.
 */
export class MempoolPoller {
  private polling = false;

  constructor(private readonly ctx: MempoolPollContext) {}

  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const peerId of this.ctx.peers()) await this.pollPeer(peerId);
    } finally {
      this.polling = false;
    }
  }

  private async pollPeer(peerId: PeerId): Promise<void> {
    const { mempool, reqresp, names } = this.ctx;
    try {
      const [list] = await reqresp.request(peerId, names.mempool, encodeMempoolRequest({ kind: 'list' }), {
        frames: 1,
        maxFrameBytes: 5 + LIMITS.maxMempoolIds * 32,
      });
      const missing = decodeHashes(list!, LIMITS.maxMempoolIds).filter((id) => !mempool.has(bytesToHex(id)));
      // Small batches: each answer is held in memory until decoded, and a transaction can be large.
      for (let i = 0; i < missing.length; i += MEMPOOL_FETCH_BATCH) {
        const txids = missing.slice(i, i + MEMPOOL_FETCH_BATCH);
        const req = encodeMempoolRequest({ kind: 'get', txids });
        const frames = await reqresp.request(peerId, names.mempool, req, {
          frames: txids.length,
          maxFrameBytes: this.ctx.maxTxBytes,
        });
        for (const f of frames) if (!isNotHere(f)) await mempool.accept(decodeTx(f)).catch(() => undefined);
      }
    } catch (err) {
      if (err instanceof DecodeError) this.ctx.badFrame(peerId.toString(), `mempool: ${err.message}`);
    }
  }
}
