import type { Chain } from '../chain/chain.js';
import { ChainError } from '../chain/errors.js';
import type { ProcessOptions, ProcessResult } from '../chain/types.js';
import { decodeBlockWithTxids, type Block } from '../consensus/block.js';
import { RejectCode } from '../consensus/errors.js';
import { HEADER_BYTES, headerHash } from '../consensus/header.js';
import { decodeTx } from '../consensus/tx.js';
import { DecodeError } from '../encoding/errors.js';
import { hashToHex, ownBytes } from '../encoding/hex.js';
import type { Mempool } from '../mempool/mempool.js';
import { GossipActionError } from './gossip.js';

/** Mempool reject codes that say nothing bad about the sender: IGNORE, not REJECT. */
const POLICY_CODES: ReadonlySet<string> = new Set([
  RejectCode.AlreadyInMempool,
  RejectCode.AlreadyKnown,
  RejectCode.MempoolConflict,
  RejectCode.MinRelayFeeNotMet,
  RejectCode.MempoolFull,
  RejectCode.InputsMissingOrSpent,
  RejectCode.PrematureCoinbaseSpend,
  RejectCode.TooLongMempoolChain,
]);

/** A chain with its queue full (ChainError 'busy') is nobody's fault: IGNORE, and the message is dropped. */
async function unlessBusy<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ChainError && err.code === 'busy') throw new GossipActionError('ignore', 'busy', err.message);
    throw err;
  }
}

/** Bytes that do not decode are the sender's fault: REJECT. */
function decodeOrReject<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DecodeError) throw new GossipActionError('reject', RejectCode.Undecodable, err.message);
    throw err;
  }
}

/** What the block validator learns first about a block it handed to the chain. */
type Verdict =
  /** Passed every rule (signatures included) on its way onto the main chain; `done` settles once it is written. */
  | { validated: true; done: Promise<ProcessResult> }
  /** The chain's final answer, reached without validating it onto the main chain. */
  | { validated: false; result: ProcessResult };

/**
 * Hand `block` to the chain and report whichever comes first: `validated` (the call's own
 * onValidated) or the final answer. Writing a block's records takes longer than deciding its rules
 * (thousands of keys for a 100 kB block), and every hop of gossip waits for the validator, so
 * this takes the write off the relay path while relaying only fully validated blocks.
 */
function untilValidated(chain: Chain, block: Block, opts: ProcessOptions): Promise<Verdict> {
  return new Promise<Verdict>((resolve, reject) => {
    // The chain calls onValidated from its queue, never before processBlock returns `done`.
    const done = chain.processBlock(block, { ...opts, onValidated: () => resolve({ validated: true, done }) });
    done.then((result) => resolve({ validated: false, result }), reject);
  });
}

/**
 * The block topic's validator: what a gossiped block means for the chain, as ACCEPT (returns),
 * IGNORE or REJECT (throws GossipActionError).
 */
export class BlockGossipValidator {
  constructor(
    private readonly chain: Chain,
    private readonly hooks: {
      fetchAncestry(from: string, missing: string): void;
      /** An orphan refused undecoded: its sender holds its quota of orphans already. */
      orphanRefused(from: string): void;
      onError(err: Error): void;
      /** A block passed every rule and will be relayed (compact relay keeps it for peers rebuilding it). */
      onAccept?(hash: Uint8Array, block: Block, txids: Uint8Array[]): void;
    },
  ) {}

  async validate(data: Uint8Array, from: string): Promise<void> {
    const chain = this.chain;
    // Its own copy when the message is a slice of a larger frame: the decoded block's fields are
    // views into these bytes, and an orphan may be kept for minutes.
    const bytes = ownBytes(data);
    // An orphan from a sender that holds its quota of orphans already is refused before it is
    // decoded (the pool would only push out another of its orphans), on its header's parent hash
    // alone: a flood of orphans costs the node a hash lookup each, and costs the sender.
    if (bytes.length > HEADER_BYTES) this.refuseOrphanOverQuota(bytes.subarray(4, 36), from);
    // Stage 1 of the block path (chain/process.ts): decode; the chain takes it from stage 2.
    const block = decodeOrReject(() => decodeBlockWithTxids(bytes, chain.params.maxBlockBytes));
    await this.validateBlock(block, bytes, block.txids, from);
  }

  /**
   * IGNORE a block whose parent is unknown (an orphan) when its sender holds its quota of orphans
   * already (the pool would only push out another of its orphans); the sender is charged. Checked
   * before any work on the block: decoding it, or rebuilding it from a compact block.
   */
  refuseOrphanOverQuota(parent: Uint8Array, from: string): void {
    if (!this.chain.orphanQuotaFull(from) || this.chain.entry(parent)) return;
    this.hooks.orphanRefused(from);
    throw new GossipActionError('ignore', 'orphan-quota', 'its sender holds its quota of orphans already');
  }

  /**
   * The block topic's rules for a decoded block (a gossiped one, or one rebuilt from a compact
   * block): returns for ACCEPT, throws GossipActionError for IGNORE or REJECT.
   */
  async validateBlock(block: Block, bytes: Uint8Array, txids: Uint8Array[], from: string): Promise<void> {
    const chain = this.chain;
    // Gossip is unasked for: a block leaving its branch with less work than our tip is neither
    // stored nor relayed (the chain's `unsolicited` gate).
    const verdict = await unlessBusy(untilValidated(chain, block, { source: from, bytes, txids, unsolicited: true }));
    if (verdict.validated) {
      this.hooks.onAccept?.(headerHash(block.header), block, txids);
      // ACCEPT now: every rule holds. The write finishes on the chain's queue; a failure there
      // is ours (the disk), never the sender's.
      verdict.done.catch((err: Error) => this.hooks.onError(err));
      return;
    }
    const r = verdict.result;
    switch (r.status) {
      case 'connected':
      case 'valid':
        return;
      case 'stored':
        // Stored on a side branch with as much work as the tip (the first seen tip stays): not
        // relayed, or anyone with a little hash power could amplify forks network-wide. If its
        // branch later wins, the new tip is relayed and peers fetch the ancestry.
        throw new GossipActionError('ignore', 'side-branch');
      case 'less-work':
        // It may be valid: no penalty. If that branch ever overtakes, its new tip arrives with
        // more work and sync fetches the ancestry, which is then requested.
        throw new GossipActionError('ignore', 'less-work', 'a side branch with less work than the tip');
      case 'duplicate':
        throw new GossipActionError('ignore', 'duplicate');
      case 'temporary':
        throw new GossipActionError('ignore', r.code, r.reason);
      case 'orphan':
        this.hooks.fetchAncestry(from, hashToHex(r.missing));
        throw new GossipActionError('ignore', 'orphan', `waiting for ${hashToHex(r.missing)}`);
      case 'invalid':
        throw new GossipActionError('reject', r.code, r.reason);
    }
  }
}

/** The transaction topic's validator: mempool acceptance, with policy refusals as IGNORE. */
export async function validateGossipTx(mempool: Mempool | undefined, data: Uint8Array): Promise<void> {
  if (!mempool) throw new GossipActionError('ignore', 'no-mempool');
  const tx = decodeOrReject(() => decodeTx(data));
  const r = await unlessBusy(mempool.accept(tx));
  if (r.accepted) return;
  throw new GossipActionError(POLICY_CODES.has(r.code) ? 'ignore' : 'reject', r.code, r.reason);
}
