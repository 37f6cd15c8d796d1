import type { Chain } from '../chain/chain.js';
import { decodeBlockWithTxids } from '../consensus/block.js';
import { RejectCode } from '../consensus/errors.js';
import { headerHash } from '../consensus/header.js';
import { blockWork } from '../consensus/pow.js';
import { decodeTx } from '../consensus/tx.js';
import { DecodeError } from '../encoding/errors.js';
import { bytesToHex, ownBytes } from '../encoding/hex.js';
import type { Mempool } from '../mempool/mempool.js';
import { EarlyVerdicts } from './early-verdict.js';
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

/** Bytes that do not decode are the sender's fault: REJECT. */
function decodeOrReject<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DecodeError) throw new GossipActionError('reject', RejectCode.Undecodable, err.message);
    throw err;
  }
}

/**
 * The block topic's validator: what a gossiped block means for the chain, as ACCEPT (returns),
 * IGNORE or REJECT (throws GossipActionError).
 */
export class BlockGossipValidator {
  private readonly verdicts: EarlyVerdicts;

  constructor(
    private readonly chain: Chain,
    private readonly hooks: { fetchAncestry(from: string): void; onError(err: Error): void },
  ) {
    this.verdicts = new EarlyVerdicts(chain);
  }

  async validate(data: Uint8Array, from: string): Promise<void> {
    const chain = this.chain;
    // Its own copy when the message is a slice of a larger frame: the decoded block's fields are
    // views into these bytes, and an orphan may be kept for minutes.
    const bytes = ownBytes(data);
    const block = decodeOrReject(() => decodeBlockWithTxids(bytes, chain.params.maxBlockBytes));
    // An unrequested block that would leave its branch with less work than our tip is neither
    // stored nor relayed (as bitcoind's AcceptBlock): otherwise anyone could fill our disk with
    // cheap blocks forking from early, low-difficulty heights. If that branch ever overtakes, its
    // new tip arrives with more work and sync fetches the ancestry, which is then requested.
    const parent = chain.index.get(block.header.prevHash);
    if (parent && parent.chainWork + blockWork(block.header.bits) < chain.tip.chainWork) {
      throw new GossipActionError('ignore', 'less-work', 'a side branch with less work than the tip');
    }
    const verdict = await this.verdicts.run(bytesToHex(headerHash(block.header)), () =>
      chain.processBlock(block, { source: from, bytes, txids: block.txids }),
    );
    if (verdict.validated) {
      // ACCEPT now: every rule holds. The write finishes on the chain's queue; a failure there
      // is ours (the disk), never the sender's.
      verdict.done.catch((err: Error) => this.hooks.onError(err));
      return;
    }
    const r = verdict.result;
    switch (r.status) {
      case 'connected':
        // Stored on a side branch with as much work as the tip (the first seen tip stays): not
        // relayed, or anyone with a little hash power could amplify forks network-wide. If its
        // branch later wins, the new tip is relayed and peers fetch the ancestry.
        if (!r.mainChain) throw new GossipActionError('ignore', 'side-branch');
        return;
      case 'duplicate':
        throw new GossipActionError('ignore', 'duplicate');
      case 'temporary':
        throw new GossipActionError('ignore', r.code, r.reason);
      case 'orphan':
        this.hooks.fetchAncestry(from);
        throw new GossipActionError('ignore', 'orphan', `waiting for ${r.missing}`);
      case 'invalid':
        throw new GossipActionError('reject', r.code, r.reason);
    }
  }

  close(): void {
    this.verdicts.close();
  }
}

/** The transaction topic's validator: mempool acceptance, with policy refusals as IGNORE. */
export async function validateGossipTx(mempool: Mempool | undefined, data: Uint8Array): Promise<void> {
  if (!mempool) throw new GossipActionError('ignore', 'no-mempool');
  const tx = decodeOrReject(() => decodeTx(data));
  const r = await mempool.accept(tx);
  if (r.accepted) return;
  throw new GossipActionError(POLICY_CODES.has(r.code) ? 'ignore' : 'reject', r.code, r.reason);
}
