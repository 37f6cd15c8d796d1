import { decodeBlockWithTxids, encodeBlock, type Block } from '../consensus/block.js';
import { OK, RejectCode, TEMPORARY_REJECTS, reject, type RuleResult } from '../consensus/errors.js';
import { headerHash } from '../consensus/header.js';
import { blockWork } from '../consensus/pow.js';
import { checkBlock } from '../consensus/rules/block.js';
import { txid } from '../consensus/tx.js';
import { bytesToHex, ownBytes } from '../encoding/hex.js';
import { activateBestChainLocked, markInvalidLocked } from './activate.js';
import type { IndexEntry } from './block-index.js';
import { BlockCall } from './call.js';
import { CoinView } from './coin-view.js';
import { testConnect } from './connect.js';
import { BlockStatus, indexRecord } from './layout.js';
import { drainOrphans, type DroppedOrphan } from './orphans.js';
import type { ChainState } from './state.js';
import type { ProcessOptions, ProcessResult } from './types.js';

/** A block handed to the chain, with what its caller knows of it. */
export interface BlockItem {
  block: Block;
  opts?: ProcessOptions;
}

/** What stages 2 to 4 make of one block. */
type Admitted =
  /** Its answer is settled without moving the chain: duplicate, invalid, orphan, less work, dry run. */
  | { kind: 'final'; result: ProcessResult }
  /** Stored and offered as a tip candidate: stage 5 decides where it ends. */
  | { kind: 'stored'; entry: IndexEntry };

/**
 * The block path. Every block handed to the chain (mined, gossiped, synced, submitted) takes
 * these stages, in this order; docs/architecture.md ("The block path") lists the same six.
 *
 *   1. decode        by the caller: gossip, sync, RPC and the miner hand in decoded blocks, with
 *                    their bytes and txids when they have them
 *   2. context-free  admitLocked: already known (duplicate, known invalid, or waiting in the
 *                    orphan pool); checkBlock (size, proof of work, merkle root, transactions);
 *                    a failure is not recorded by hash
 *   3. header rules  admitLocked: parent unknown → orphan pool; unsolicited on a branch with less
 *                    work than the tip → not stored; the header against its parent (bits, median
 *                    time, future limit) → temporary, or invalid at stage 4; a dry run branches
 *                    off here into a test connect on the tip
 *   4. store         admitLocked: index entry and bytes, written with the call's next commit
 *                    (call.ts); offered as a tip candidate, or marked invalid (bad header,
 *                    invalid parent)
 *   5. connect       activate.ts: to the best candidate, block by block (extend.ts) or as one
 *                    reorganisation (transition.ts): verify (contextual rules and signatures,
 *                    then `validated`: onValidated and the event), then commit (commit.ts: one
 *                    batch per block, one for a whole reorg); a failure marks the block invalid
 *                    and the next best candidate is tried
 *   6. notify        events as each commit lands (connect, disconnect, reorg, tip: commit.ts),
 *                    block-invalid and orphan as decided; the results, from where each block
 *                    ended; orphans waiting on a stored block re-enter at stage 2
 *
 * Caller holds the chain lock. `drain` is false for orphans re-entering from drainOrphansOf,
 * whose queue handles the waiting children (no recursion).
 */
export async function processLocked(
  state: ChainState,
  items: readonly BlockItem[],
  drain = true,
): Promise<ProcessResult[]> {
  const call = new BlockCall(items[0]?.opts?.source ?? 'local');
  const admitted: Admitted[] = [];
  try {
    // Stages 2 to 4, block by block.
    for (const { block, opts = {} } of items) admitted.push(await admitLocked(state, call, block, opts, drain));
    // Stage 5, once for all of them: a run extending the tip connects pipelined.
    if (admitted.some((a) => a.kind === 'stored')) await activateBestChainLocked(state, call);
  } catch (err) {
    // An error that is no verdict (a verify worker died, a write failed): what this call stored
    // and no commit carried is still written, so those blocks stay candidates for the next call.
    await call.finish(state).catch(() => undefined);
    throw err;
  }
  await call.finish(state);
  // Stage 6: the answers, then the orphans that were waiting on the blocks stored here.
  const results = admitted.map((a) => (a.kind === 'final' ? a.result : resultOf(state, a.entry)));
  if (drain) for (const a of admitted) if (a.kind === 'stored') await drainOrphansOf(state, a.entry);
  return results;
}

/** Stages 2 to 4 for one block: a final answer, or the entry of a block stored as a candidate. */
async function admitLocked(
  state: ChainState,
  call: BlockCall,
  block: Block,
  opts: ProcessOptions,
  drain: boolean,
): Promise<Admitted> {
  const { index, orphans, params } = state;
  const hash = headerHash(block.header);
  const hashHex = bytesToHex(hash);
  const source = opts.source ?? 'local';
  const final = (result: ProcessResult): Admitted => ({ kind: 'final', result });

  // 2. Context-free checks.
  const known = index.get(hashHex);
  if (known) {
    return final(
      known.status === BlockStatus.Invalid
        ? { status: 'invalid', hash, code: known.invalidCode as RejectCode, reason: 'block is known to be invalid' }
        : { status: 'duplicate', hash },
    );
  }
  if (orphans.has(hashHex)) return final({ status: 'duplicate', hash });
  const bytes = opts.bytes ?? encodeBlock(block);
  const txids = opts.txids ?? block.txs.map(txid);
  const sanity = checkBlock(block, params, { hash, txids, size: bytes.length });
  // Not recorded by hash: a mutated block (CVE-2012-2459) shares its hash with a valid one.
  if (!sanity.ok) {
    state.events.emit('block-invalid', { hash, code: sanity.code, reason: sanity.reason, source });
    return final({ status: 'invalid', hash, code: sanity.code, reason: sanity.reason });
  }

  // 3. Header rules.
  const parent = index.get(block.header.prevHash);
  if (!parent) {
    if (opts.dryRun)
      return final({ status: 'invalid', hash, code: RejectCode.PrevBlockInvalid, reason: 'parent unknown' });
    return final(toOrphanPool(state, block, hash, hashHex, bytes, source));
  }
  const chainWork = parent.chainWork + blockWork(block.header.bits);
  if (opts.unsolicited && chainWork < index.tip.chainWork) return final({ status: 'less-work', hash });
  const header = state.headerRules.check(block, parent);
  if (!header.ok && TEMPORARY_REJECTS.has(header.code))
    return final({ status: 'temporary', hash, code: header.code, reason: header.reason });
  if (opts.dryRun) return final(await dryRunLocked(state, block, hash, txids, parent, header));

  // 4. Store. The bytes go to the block store first: the index never names a block it lacks.
  await state.blocks.put(hash, bytes);
  const entry = index.add(hash, {
    header: block.header,
    height: parent.height + 1,
    chainWork,
    status: BlockStatus.DataStored,
    invalidCode: '',
    size: bytes.length,
    txCount: block.txs.length,
  });
  call.stored(entry, [indexRecord(entry)], source, opts.onValidated);
  state.reader.remember(hashHex, { ...block, txids });
  const invalid =
    parent.status === BlockStatus.Invalid ? reject(RejectCode.PrevBlockInvalid, 'parent block is invalid') : header;
  if (!invalid.ok) {
    // Stored as invalid, so a resend is answered from the index without another check.
    await markInvalidLocked(state, call, entry, invalid.code, invalid.reason, source);
    if (drain) await drainOrphansOf(state, entry);
    return final({ status: 'invalid', hash, code: invalid.code, reason: invalid.reason });
  }
  state.candidates.offer(entry);
  return { kind: 'stored', entry };
}

/** Stage 3 without a parent: the block waits in the orphan pool for its missing ancestor. */
function toOrphanPool(
  state: ChainState,
  block: Block,
  hash: Uint8Array,
  hashHex: string,
  bytes: Uint8Array,
  source: string,
): ProcessResult {
  const now = state.clock();
  // Only its bytes are kept (and its own: a view would keep a larger frame alive).
  const orphan = { bytes: ownBytes(bytes), hash, prevHash: block.header.prevHash, source, received: now };
  reportDropped(state, state.orphans.add(orphan, now));
  const missing = state.orphans.missingAncestor(hashHex) ?? block.header.prevHash;
  state.events.emit('orphan', { hash, missing, source });
  return { status: 'orphan', hash, missing };
}

/** Tell listeners of orphans that left the pool without connecting (the network charges their senders). */
export function reportDropped(state: ChainState, dropped: readonly DroppedOrphan[]): void {
  for (const { orphan, reason } of dropped)
    state.events.emit('orphan-dropped', { hash: orphan.hash, source: orphan.source, reason });
}

/** A dry run: every rule on top of the tip, signatures included, with nothing stored or changed. */
async function dryRunLocked(
  state: ChainState,
  block: Block,
  hash: Uint8Array,
  txids: Uint8Array[],
  parent: IndexEntry,
  header: RuleResult,
): Promise<ProcessResult> {
  const height = parent.height + 1;
  const onTip =
    parent === state.index.tip ? OK : reject(RejectCode.PrevBlockInvalid, 'a dry run must build on the tip');
  const r = !header.ok
    ? header
    : !onTip.ok
      ? onTip
      : await testConnect(state.connectContext(), new CoinView(state.coins), block, hash, txids, height);
  return r.ok ? { status: 'valid', hash, height } : { status: 'invalid', hash, code: r.code, reason: r.reason };
}

/** Stage 6: where a stored block ended after stage 5. */
function resultOf(state: ChainState, entry: IndexEntry): ProcessResult {
  const { hash, height } = entry;
  if (entry.status === BlockStatus.Invalid) {
    const code = entry.invalidCode as RejectCode;
    return { status: 'invalid', hash, code, reason: 'block failed validation while connecting' };
  }
  return { status: state.index.isOnMainChain(entry) ? 'connected' : 'stored', hash, height };
}

/** Stage 6: the orphans waiting on `parent` re-enter at stage 2, generation by generation. */
function drainOrphansOf(state: ChainState, parent: IndexEntry): Promise<void> {
  return drainOrphans(state.orphans, parent.hashHex, async (orphan) => {
    // Stage 1 again: the pool keeps bytes only. They passed stage 2 as these very bytes: they decode.
    const block = decodeBlockWithTxids(orphan.bytes);
    const opts = { source: orphan.source, bytes: orphan.bytes, txids: block.txids };
    await processLocked(state, [{ block, opts }], false);
    return state.index.get(orphan.hashHex) !== undefined;
  });
}
