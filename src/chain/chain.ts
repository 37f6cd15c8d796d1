import { EventEmitter } from 'node:events';
import { encodeBlock, type Block, type DecodedBlock } from '../consensus/block.js';
import { OK, RejectCode, TEMPORARY_REJECTS, reject, type RuleResult } from '../consensus/errors.js';
import { headerHash } from '../consensus/header.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { blockWork } from '../consensus/pow.js';
import { checkBlock } from '../consensus/rules/block.js';
import { txid } from '../consensus/tx.js';
import { bytesToHex, hashToHex, hexToBytes } from '../encoding/hex.js';
import { BlockIndex, type IndexEntry } from './block-index.js';
import { CoinCache } from './coin-cache.js';
import { HeaderRules } from './header-rules.js';
import { CoinView } from './coin-view.js';
import { testConnect, type BatchVerifier, type ConnectContext } from './connect.js';
import { extendPipelined } from './extend.js';
import {
  branchFrom,
  reorganise,
  type TransitionFailure,
  type TransitionHost,
  type TransitionStep,
} from './transition.js';
import { ChainError } from './errors.js';
import { BlockStatus, decodeUndo, indexRecord, keys } from './layout.js';
import type { Coin } from '../consensus/coin.js';
import { drainOrphans, OrphanPool } from './orphans.js';
import { chainTuning, type ChainOptions, type ChainTuning } from './options.js';
import { SerialQueue } from './queue.js';
import { TipCandidates } from './tip-candidates.js';
import { BlockReader } from './block-reader.js';
import { SignatureCache } from './sig-cache.js';
import { ChainStore, type BatchOp } from './store.js';
import type { ChainEvents, ProcessOptions, ProcessResult } from './types.js';
import { loadIndex, readTip, writeGenesisState } from './startup.js';

/**
 * The chain manager: stores blocks, keeps the valid chain with the most cumulative work as the
 * main chain, reorganises to a heavier branch, and holds orphans until their parents arrive.
 *
 * One door: every block enters through `processBlock` (or `processBlocks`, for a run). Every
 * mutation runs on one serial queue (the chain lock); methods named `*Locked` assume it is held.
 * A reorganisation is one atomic database batch; an extension commits one batch per block.
 */
export class Chain extends EventEmitter<ChainEvents> {
  readonly index = new BlockIndex();
  readonly orphans: OrphanPool;
  readonly sigCache: SignatureCache;
  private readonly queue = new SerialQueue();
  private readonly candidates: TipCandidates;
  /** Store operations waiting to ride along with the next batch. */
  private pendingOps: BatchOp[] = [];
  private readonly reader: BlockReader;
  /** The committed UTXO set's recent coins; every CoinView of a transition reads through it. */
  readonly coins: CoinCache;
  /** What extensions and reorganisations (extend.ts, transition.ts) use of this chain. */
  private readonly transitions: TransitionHost;
  /** Header rules against the index: expected bits, median time past, the future limit. */
  readonly headerRules: HeaderRules;
  private closed = false;
  private readonly pipelineDepth: number;

  private constructor(
    readonly params: NetworkParams,
    readonly store: ChainStore,
    readonly verifier: BatchVerifier,
    readonly clock: () => number,
    tuning: ChainTuning,
  ) {
    super();
    this.coins = new CoinCache(store, tuning.coinCacheSize);
    this.pipelineDepth = tuning.pipelineDepth;
    this.headerRules = new HeaderRules(params, this.index, clock);
    this.transitions = {
      coins: this.coins,
      readBlock: (e) => this.readBlock(e),
      readUndo: (hash) => this.store.get(keys.undo(hash)),
      recheckHeader: (e, b) => this.headerRules.recheck(e, b),
      connectContext: () => this.connectContext(),
      validated: (e) => this.emit('validated', e),
      commit: (view, fork, disconnected, connected, newTip) =>
        this.commitTransition(view, fork, disconnected, connected, newTip),
    };
    this.candidates = new TipCandidates(this.index);
    this.reader = new BlockReader(store);
    this.orphans = new OrphanPool(tuning.orphanLimits);
    this.sigCache = new SignatureCache(tuning.sigCacheSize);
  }

  /** Open (or create) the chain database, check it, and resume from the stored tip. */
  static async open(opts: ChainOptions & { activate?: boolean }): Promise<Chain> {
    const tuning = chainTuning(opts);
    const { store, fresh } = await ChainStore.open(opts.location, opts.params);
    const chain = new Chain(opts.params, store, opts.verifier, opts.clock, tuning);
    try {
      if (fresh) await writeGenesisState(store, opts.params);
      await loadIndex(store, chain.index);
      const tip = readTip(store, chain.index, opts.params);
      chain.index.setMainChainFromTip(tip);
      chain.candidates.rebuild();
      // A crash between storing a heavier block and connecting it leaves work to finish.
      if (opts.activate !== false) await chain.activate();
      return chain;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    await this.store.close();
  }

  get tip(): IndexEntry {
    return this.index.tip;
  }

  get height(): number {
    return this.index.height;
  }

  /** The one door into the chain. Serialized: concurrent callers are queued in order. */
  processBlock(block: Block, opts: ProcessOptions = {}): Promise<ProcessResult> {
    return this.processBlocks([{ block, opts }]).then((r) => r[0]!);
  }

  /** Connect the best stored chain (done by `open` unless told not to, e.g. by reindex). */
  activate(): Promise<void> {
    return this.queue.run(() => this.activateBestChainLocked());
  }

  /** Run `task` under the chain lock (the mempool and tests use it to read a stable state). */
  withLock<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  /**
   * Several blocks through the one door at once, in order (a sync batch): each is checked and
   * stored as by processBlock, then the chain moves to the best of them in one activation, so a
   * run of blocks extending the tip connects pipelined (block N+1's coins are looked up while
   * block N's signatures are verified). Each block still commits as its own batch.
   */
  processBlocks(items: readonly { block: Block; opts?: ProcessOptions }[]): Promise<ProcessResult[]> {
    if (this.closed) return Promise.reject(new ChainError('closed', 'chain is closed'));
    return this.queue.run(() => this.processLocked(items));
  }

  /**
   * Checks, in order: duplicate → context-free rules → unknown parent (orphan pool) →
   * known-invalid parent → header against its parent → store (admitLocked, for each block) →
   * connect/reorg (one activation) → waiting orphans. Caller must hold the chain lock.
   * `drainOrphans` is false when called from processOrphansOfLocked, whose queue handles the
   * waiting children (no recursion).
   */
  private async processLocked(
    items: readonly { block: Block; opts?: ProcessOptions }[],
    drainOrphans = true,
  ): Promise<ProcessResult[]> {
    const admitted: (ProcessResult | IndexEntry)[] = [];
    const sources = new Map<IndexEntry, string>();
    for (const { block, opts = {} } of items) {
      const a = await this.admitLocked(block, opts, drainOrphans);
      if ('hashHex' in a) sources.set(a, opts.source ?? 'local');
      admitted.push(a);
    }
    if (sources.size > 0) {
      // A failing block is reported with the source that sent it (a batch may mix senders).
      await this.activateBestChainLocked((e) => sources.get(e) ?? items[0]?.opts?.source ?? 'local');
      await this.flushPendingLocked();
    }
    const results = admitted.map((a) => ('hashHex' in a ? this.resultOf(a) : a));
    if (drainOrphans) for (const entry of sources.keys()) await this.processOrphansOfLocked(entry);
    return results;
  }

  /** Where a stored block ended up after activation. */
  private resultOf(entry: IndexEntry): ProcessResult {
    const display = hashToHex(entry.hash);
    return entry.status === BlockStatus.Invalid
      ? {
          status: 'invalid',
          hash: display,
          code: entry.invalidCode as RejectCode,
          reason: 'block failed validation while connecting',
        }
      : { status: 'connected', hash: display, height: entry.height, mainChain: this.index.isOnMainChain(entry) };
  }

  /**
   * Everything processBlock does before moving the chain: returns the final answer for a block
   * that is not stored as a candidate (duplicate, invalid, orphan, temporary, dry run), or the
   * index entry of a block stored and offered as a tip candidate.
   */
  private async admitLocked(
    block: Block,
    opts: ProcessOptions,
    drainOrphans: boolean,
  ): Promise<ProcessResult | IndexEntry> {
    const hash = headerHash(block.header);
    const hashHex = bytesToHex(hash);
    const display = hashToHex(hash);
    const source = opts.source ?? 'local';

    const known = this.index.get(hashHex);
    if (known) {
      if (known.status === BlockStatus.Invalid)
        return {
          status: 'invalid',
          hash: display,
          code: known.invalidCode as RejectCode,
          reason: 'block is known to be invalid',
        };
      return { status: 'duplicate', hash: display };
    }
    if (this.orphans.has(hashHex)) return { status: 'duplicate', hash: display };

    const bytes = opts.bytes ?? encodeBlock(block);
    const txids = opts.txids ?? block.txs.map(txid);
    const sanity = checkBlock(block, this.params, { hash, txids, size: bytes.length });
    // Context-free failures are not recorded by hash: a mutated block shares its hash with a valid one.
    if (!sanity.ok) return this.rejected(display, sanity, source);

    const parent = this.index.get(block.header.prevHash);
    if (!parent) {
      if (opts.dryRun)
        return { status: 'invalid', hash: display, code: RejectCode.PrevBlockInvalid, reason: 'parent unknown' };
      const now = this.clock();
      this.orphans.add({ block, hash, size: bytes.length, source, received: now }, now);
      const missing = hashToHex(hexToBytes(this.orphans.missingAncestor(hashHex) ?? bytesToHex(block.header.prevHash)));
      this.emit('orphan', { hash: display, missing, source });
      return { status: 'orphan', hash: display, missing };
    }

    const ctxResult = this.headerRules.check(block, parent);
    if (!ctxResult.ok && TEMPORARY_REJECTS.has(ctxResult.code))
      return { status: 'temporary', hash: display, code: ctxResult.code, reason: ctxResult.reason };

    if (opts.dryRun) return this.dryRunLocked(block, hash, txids, parent, ctxResult, display);

    const entry = this.index.add(hash, {
      header: block.header,
      height: parent.height + 1,
      chainWork: parent.chainWork + blockWork(block.header.bits),
      status: BlockStatus.DataStored,
      invalidCode: '',
      size: bytes.length,
      txCount: block.txs.length,
    });
    this.pendingOps.push({ type: 'put', key: keys.block(hash), value: bytes }, indexRecord(entry));
    this.reader.remember(hashHex, { ...block, txids });

    const invalid =
      parent.status === BlockStatus.Invalid
        ? reject(RejectCode.PrevBlockInvalid, 'parent block is invalid')
        : ctxResult;
    if (!invalid.ok) {
      await this.markInvalidLocked(entry, invalid.code, invalid.reason, source);
      if (drainOrphans) await this.processOrphansOfLocked(entry);
      return { status: 'invalid', hash: display, code: invalid.code, reason: invalid.reason };
    }
    this.candidates.offer(entry);
    return entry;
  }

  private rejected(display: string, r: RuleResult & { ok: false }, source: string): ProcessResult {
    this.emit('block-invalid', { hash: display, code: r.code, reason: r.reason, source });
    return { status: 'invalid', hash: display, code: r.code, reason: r.reason };
  }

  private async dryRunLocked(
    block: Block,
    hash: Uint8Array,
    txids: Uint8Array[],
    parent: IndexEntry,
    ctxResult: RuleResult,
    display: string,
  ): Promise<ProcessResult> {
    const onTip = parent === this.tip ? OK : reject(RejectCode.PrevBlockInvalid, 'a dry run must build on the tip');
    const r = !ctxResult.ok
      ? ctxResult
      : !onTip.ok
        ? onTip
        : await testConnect(this.connectContext(), new CoinView(this.coins), block, hash, txids, parent.height + 1);
    return r.ok
      ? { status: 'connected', hash: display, height: parent.height + 1, mainChain: false }
      : { status: 'invalid', hash: display, code: r.code, reason: r.reason };
  }

  private connectContext(): ConnectContext {
    return { params: this.params, verifier: this.verifier, sigCache: this.sigCache };
  }

  /** An unspent output of the main chain's UTXO set. */
  getCoin(txid: Uint8Array, index: number): Coin | undefined {
    return this.coins.get(txid, index);
  }

  /** The stored bytes of a block (main chain or not), if this node has it. */
  getBlockBytes(hash: Uint8Array): Uint8Array | undefined {
    return this.reader.blockBytes(hash);
  }

  /** A stored block, decoded with its txids. */
  readBlock(entry: IndexEntry): DecodedBlock {
    return this.reader.block(entry);
  }

  /**
   * The coins a main-chain block spent, in input order (coinbase excluded): its undo record.
   * Undefined for a block that is not connected (getblockstats reads fees from it).
   */
  spentCoins(entry: IndexEntry): Coin[] | undefined {
    if (!this.index.isOnMainChain(entry)) return undefined;
    const raw = this.store.get(keys.undo(entry.hash));
    return raw ? decodeUndo(raw) : undefined;
  }

  /**
   * Move to the best valid chain: while a candidate beats the tip, try to reorganise to it; a
   * block that fails is marked invalid with its descendants and the next best is tried.
   * Caller must hold the chain lock.
   */
  private async activateBestChainLocked(sourceOf: (entry: IndexEntry) => string = () => 'local'): Promise<void> {
    for (;;) {
      const best = this.candidates.best();
      if (!best) return;
      const failure = await this.transitionToLocked(best);
      if (failure)
        await this.markInvalidLocked(failure.entry, failure.error.code, failure.error.reason, sourceOf(failure.entry));
    }
  }

  /**
   * Disconnect back to the fork with `target` and connect the branch up to it. A transition that
   * disconnects anything is one batch (transition.ts); a plain extension commits block by block,
   * pipelined (extend.ts): every step is a valid chain state, and a long sync or reindex does not
   * build one huge batch.
   */
  private transitionToLocked(target: IndexEntry): Promise<TransitionFailure | undefined> {
    const oldTip = this.index.tip;
    const fork = this.index.fork(oldTip, target);
    if (!fork) throw new ChainError('corrupt-state', `block ${hashToHex(target.hash)} shares no ancestor with the tip`);
    const branch = branchFrom(fork, target);
    return oldTip === fork
      ? extendPipelined(this.transitions, fork, branch, this.pipelineDepth)
      : reorganise(this.transitions, oldTip, fork, branch);
  }

  /** Write one transition as ONE batch, then update memory and tell listeners. */
  private async commitTransition(
    view: CoinView,
    fork: IndexEntry,
    disconnected: TransitionStep[],
    connected: TransitionStep[],
    newTip: IndexEntry,
  ): Promise<void> {
    view.put(keys.tip(), newTip.hash);
    for (const { entry } of connected) {
      entry.status = BlockStatus.Valid;
      // A block connected through a reconsidered descendant may still carry its old reject code.
      entry.invalidCode = '';
      const record = indexRecord(entry);
      view.put(record.key, record.value);
    }
    await this.commitLocked(view.batchOps());
    this.coins.apply(view);
    for (const { entry } of connected) this.reader.forget(entry.hashHex);
    this.applyTransition(fork, disconnected, connected, newTip);
  }

  /** Update memory and tell listeners, after a transition's batch is on disk. */
  private applyTransition(
    fork: IndexEntry,
    disconnected: TransitionStep[],
    connected: TransitionStep[],
    newTip: IndexEntry,
  ): void {
    this.index.setTip(newTip);
    this.candidates.prune();
    for (const d of disconnected) this.emit('disconnect', { entry: d.entry, block: d.block, txids: d.block.txids });
    for (const c of connected) this.emit('connect', { entry: c.entry, block: c.block, txids: c.block.txids });
    if (disconnected.length > 0) {
      this.emit('reorg', {
        fork,
        disconnected: disconnected.map((d) => d.entry),
        connected: connected.map((c) => c.entry),
      });
    }
    this.emit('tip', newTip);
  }

  private async commitLocked(ops: BatchOp[]): Promise<void> {
    const pending = this.pendingOps.length;
    await this.store.batch(pending ? [...this.pendingOps, ...ops] : ops);
    // Only once written: a failed batch leaves them pending rather than silently dropped.
    this.pendingOps.splice(0, pending);
  }

  private async flushPendingLocked(): Promise<void> {
    if (this.pendingOps.length) await this.commitLocked([]);
  }

  /** Mark `entry` and every descendant invalid, in memory and on disk. Caller holds the lock. */
  private async markInvalidLocked(entry: IndexEntry, code: RejectCode, reason: string, source: string): Promise<void> {
    await this.commitLocked(this.invalidMarks(entry, code));
    this.emit('block-invalid', { hash: hashToHex(entry.hash), code, reason, source });
  }

  /** Mark `entry` and its descendants invalid in memory; returns the writes that record it. */
  private invalidMarks(entry: IndexEntry, code: RejectCode): BatchOp[] {
    const ops: BatchOp[] = [];
    for (const e of this.index.descendants(entry)) {
      e.status = BlockStatus.Invalid;
      e.invalidCode = e === entry ? code : RejectCode.PrevBlockInvalid;
      this.candidates.remove(e);
      ops.push(indexRecord(e));
    }
    return ops;
  }

  /** Children of an invalid orphan are stored as bad-prevblk rather than left in the pool. */
  private processOrphansOfLocked(parent: IndexEntry): Promise<void> {
    return drainOrphans(this.orphans, parent.hashHex, async (orphan) => {
      await this.processLocked([{ block: orphan.block, opts: { source: orphan.source } }], false);
      return this.index.get(orphan.hashHex) !== undefined;
    });
  }

  // ---- operator actions -------------------------------------------------------------------

  /** Mark a block invalid by hand (invalidateblock) and move to the best chain without it. */
  invalidateBlock(hash: Uint8Array): Promise<void> {
    return this.queue.run(async () => {
      const entry = this.index.get(hash);
      if (!entry) throw new ChainError('not-found', `block ${hashToHex(hash)} not found`);
      if (entry.height === 0) throw new RangeError('the genesis block cannot be invalidated');
      // The marks ride in the same batch as the move back to the parent: a crash between two
      // batches would otherwise let start-up reconnect the block the operator invalidated.
      this.pendingOps.push(...this.invalidMarks(entry, RejectCode.Invalidated));
      if (this.index.isOnMainChain(entry)) {
        const failure = await this.transitionToLocked(entry.parent!);
        if (failure) throw failure.error;
      }
      await this.flushPendingLocked();
      this.emit('block-invalid', {
        hash: hashToHex(entry.hash),
        code: RejectCode.Invalidated,
        reason: 'invalidated by the operator',
        source: 'rpc',
      });
      this.candidates.rebuild();
      await this.activateBestChainLocked();
    });
  }

  /** Clear the invalid mark of a block and its descendants (reconsiderblock) and re-activate. */
  reconsiderBlock(hash: Uint8Array): Promise<void> {
    return this.queue.run(async () => {
      const entry = this.index.get(hash);
      if (!entry) throw new ChainError('not-found', `block ${hashToHex(hash)} not found`);
      const ops: BatchOp[] = [];
      for (const e of this.index.descendants(entry)) {
        if (e.status !== BlockStatus.Invalid) continue;
        e.status = BlockStatus.DataStored;
        e.invalidCode = '';
        ops.push(indexRecord(e));
      }
      await this.commitLocked(ops);
      this.candidates.rebuild();
      await this.activateBestChainLocked();
    });
  }
}
