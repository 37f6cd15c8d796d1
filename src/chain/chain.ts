import { EventEmitter } from 'node:events';
import type { Block, DecodedBlock } from '../consensus/block.js';
import type { Coin } from '../consensus/coin.js';
import type { BlockHeader } from '../consensus/header.js';
import type { NetworkParams } from '../consensus/params/types.js';
import type { SignatureItem } from '../consensus/rules/contextual.js';
import { equalBytes, hashToHex } from '../encoding/hex.js';
import {
  addressHistory,
  addressUtxos,
  locateTransaction,
  type AddressHistoryItem,
  type AddressUtxo,
  type TxLocation,
} from './address-index.js';
import type { ChainEntry, IndexEntry } from './block-index.js';
import { undoCoins, type BatchVerifier } from './connect.js';
import { keys } from './layout.js';
import { ChainError } from './errors.js';
import { invalidateLocked, reconsiderLocked } from './operator.js';
import { blocksLocationOf, chainTuning, type ChainOptions } from './options.js';
import { BlockStore } from './block-store.js';
import type { OrphanInfo } from './orphans.js';
import { activateBestChainLocked } from './activate.js';
import { BlockCall } from './call.js';
import { processLocked, reportDropped, type BlockItem } from './process.js';
import { SerialQueue } from './queue.js';
import { ChainState } from './state.js';
import { ChainStore } from './store.js';
import { resumeState } from './startup.js';
import type { ChainEvents, ChainStats, ProcessOptions, ProcessResult } from './types.js';
import { utxoSetHashLocked, verifyChainLocked, type UtxoSetInfo, type VerifyChainResult } from './verify.js';

/**
 * The chain manager: stores blocks, keeps the valid chain with the most cumulative work as the
 * main chain, reorganises to a heavier branch, and holds orphans until their parents arrive.
 *
 * One door: every block enters through `processBlock` (or `processBlocks`, for a run) and takes
 * the stages of process.ts. Every mutation runs on one serial queue (the chain lock); functions
 * named `*Locked` assume it is held. What the chain holds (index, caches, orphans, database) is
 * private: the layers above ask questions (`entry`, `atHeight`, `getCoin`, `verifySignatures` ...).
 */
export class Chain extends EventEmitter<ChainEvents> {
  private readonly state: ChainState;
  private readonly queue: SerialQueue;
  private closed = false;

  private constructor(
    readonly params: NetworkParams,
    store: ChainStore,
    blocks: BlockStore,
    verifier: BatchVerifier,
    /** Seconds since the epoch: the clock the header rules' future limit is measured against. */
    readonly clock: () => number,
    tuning: ReturnType<typeof chainTuning>,
  ) {
    super();
    this.state = new ChainState(params, store, blocks, verifier, clock, tuning, this);
    this.queue = new SerialQueue(tuning.maxQueuedTasks);
    let told = false;
    const failed = (err: ChainError): void => {
      if (told) return;
      told = true;
      this.emit('storage-failed', err);
    };
    store.onWriteFailure = failed;
    blocks.onWriteFailure = failed;
  }

  /**
   * Open (or create) the block store and the chain database, check them, and resume from the
   * stored tip. Damage is a ChainError whose message names the way out (docs/architecture.md,
   * "Storage faults"): the index must hang together, the tip's ancestry must match the height
   * index, and the whole UTXO set must match the tip's commitment.
   */
  static async open(opts: ChainOptions & { activate?: boolean; resumingReindex?: boolean }): Promise<Chain> {
    const tuning = chainTuning(opts);
    const blocks = await BlockStore.open(blocksLocationOf(opts));
    let store: ChainStore;
    let fresh: boolean;
    try {
      ({ store, fresh } = await ChainStore.open(opts.location, opts.params, { cache: tuning.level }));
    } catch (err) {
      await blocks.close();
      throw err;
    }
    const chain = new Chain(opts.params, store, blocks, opts.verifier, opts.clock, tuning);
    try {
      await resumeState(chain.state, fresh, opts);
      // A crash between storing a heavier block and connecting it leaves work to finish.
      if (opts.activate !== false) await chain.activate();
      return chain;
    } catch (err) {
      await store.close();
      await blocks.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    await this.state.store.close();
    await this.state.blocks.close();
  }

  /** A reindex has connected its chain: clear the flag that made an interrupted one refuse to start. */
  finishReindex(): Promise<void> {
    return this.queue.run(() => this.state.store.batch([{ type: 'del', key: keys.reindexing() }]));
  }

  /** The write failure that stopped the chain (disk full, I/O error), if one did. */
  get storageFailure(): ChainError | undefined {
    return this.state.store.failed ?? this.state.blocks.failed;
  }

  /** False once the chain (and its database) is closing or closed. */
  get isOpen(): boolean {
    return !this.closed && this.state.store.isOpen;
  }

  // ---- the door -------------------------------------------------------------------------------

  /** The one door into the chain. Serialized: concurrent callers are queued in order. */
  processBlock(block: Block, opts: ProcessOptions = {}): Promise<ProcessResult> {
    return this.processBlocks([{ block, opts }]).then((r) => r[0]!);
  }

  /**
   * Several blocks through the one door at once, in order (a sync batch): each is checked and
   * stored as by processBlock, then the chain moves to the best of them in one activation, so a
   * run of blocks extending the tip connects pipelined (block N+1's coins are looked up while
   * block N's signatures are verified). Each block still commits as its own batch.
   */
  processBlocks(items: readonly BlockItem[]): Promise<ProcessResult[]> {
    if (this.closed) return Promise.reject(new ChainError('closed', 'chain is closed'));
    const failure = this.storageFailure;
    if (failure) return Promise.reject(failure);
    return this.queue.run(() => processLocked(this.state, items));
  }

  /** Connect the best stored chain (done by `open` unless told not to, e.g. by reindex). */
  activate(): Promise<void> {
    return this.queue.run(async () => {
      const call = new BlockCall();
      await activateBestChainLocked(this.state, call);
      await call.finish(this.state);
    });
  }

  /**
   * Run `task` under the chain lock (the mempool and the miner use it to read a stable state).
   * Refused with ChainError('busy') when MAX_QUEUED_TASKS are waiting, unless `force`: a
   * follow-up of what the chain already did (the mempool's re-admission after a reorg), which
   * must not be lost.
   */
  withLock<T>(task: () => Promise<T>, opts: { force?: boolean } = {}): Promise<T> {
    return this.queue.run(task, opts);
  }

  // ---- operator actions -----------------------------------------------------------------------

  /** Mark a block invalid by hand (invalidateblock) and move to the best chain without it. */
  invalidateBlock(hash: Uint8Array): Promise<void> {
    return this.queue.run(() => invalidateLocked(this.state, hash));
  }

  /** Clear the invalid mark of a block and its descendants (reconsiderblock) and re-activate. */
  reconsiderBlock(hash: Uint8Array): Promise<void> {
    return this.queue.run(() => reconsiderLocked(this.state, hash));
  }

  // ---- the block index ------------------------------------------------------------------------

  get tip(): ChainEntry {
    return this.state.index.tip;
  }

  get height(): number {
    return this.state.index.height;
  }

  /** The index entry of a stored block (main chain, side branch or invalid), by its hash. */
  entry(hash: Uint8Array): ChainEntry | undefined {
    return this.state.index.get(hash);
  }

  /** The main chain's block at height `h`. */
  atHeight(h: number): ChainEntry | undefined {
    return this.state.index.atHeight(h);
  }

  isOnMainChain(entry: ChainEntry): boolean {
    return this.state.index.isOnMainChain(this.own(entry));
  }

  /**
   * The block at height `h` of `entry`'s chain (main chain or side branch). ASERT's anchor,
   * block 1, comes from the main chain or the anchors remembered for side branches.
   */
  ancestor(entry: ChainEntry, h: number): ChainEntry | undefined {
    return this.state.headerRules.ancestor(this.own(entry), h);
  }

  /** Every stored block's entry, in no particular order (the explorer's block tree walks them). */
  entries(): IterableIterator<ChainEntry> {
    return this.state.index.entries();
  }

  /** The last block two entries have in common. */
  fork(a: ChainEntry, b: ChainEntry): ChainEntry | undefined {
    return this.state.index.fork(this.own(a), this.own(b));
  }

  /** Every stored block with no stored child: the tips of the main chain and of every side branch. */
  chainTips(): ChainEntry[] {
    const { index } = this.state;
    return [...index.entries()].filter((e) => index.childrenOf(e).length === 0);
  }

  /** A block locator from the tip: the last ten hashes, then exponentially sparser, then genesis. */
  locator(): Uint8Array[] {
    return this.state.index.locator();
  }

  /**
   * The main chain's headers after the last locator hash it holds (from genesis if none), at most
   * `max`, ending early at `stop`: the answer to a peer's headers request.
   */
  headersAfter(locator: Uint8Array[], stop: Uint8Array, max: number): BlockHeader[] {
    const { index } = this.state;
    const fork = index.findLocatorFork(locator);
    const out: BlockHeader[] = [];
    for (let h = (fork?.height ?? 0) + 1; h <= index.height && out.length < max; h++) {
      const e = index.atHeight(h)!;
      out.push(e.header);
      if (equalBytes(e.hash, stop)) break;
    }
    return out;
  }

  /** Median of the times of `entry` and the 10 blocks before it. */
  medianTimePast(entry: ChainEntry): number {
    return this.state.headerRules.medianTimePast(this.own(entry));
  }

  /** The bits a child of `parent` must carry. */
  expectedBitsAfter(parent: ChainEntry): number {
    return this.state.headerRules.expectedBitsAfter(this.own(parent));
  }

  // ---- blocks, coins, addresses ---------------------------------------------------------------

  /** The stored bytes of a block (main chain or not), if this node has it. */
  getBlockBytes(hash: Uint8Array): Uint8Array | undefined {
    return this.state.reader.blockBytes(hash);
  }

  /** A stored block, decoded with its txids. */
  readBlock(entry: ChainEntry): DecodedBlock {
    return this.state.readBlock(this.own(entry));
  }

  /**
   * The coins a main-chain block spent, in input order (coinbase excluded): its undo record
   * (getblockstats reads fees from it). Undefined for a block that is not connected; a missing or
   * damaged record of one that is throws ChainError('corrupt-state').
   */
  spentCoins(entry: ChainEntry): Coin[] | undefined {
    const e = this.own(entry);
    if (!this.state.index.isOnMainChain(e)) return undefined;
    // Genesis spends nothing and has no undo record.
    return e.height === 0 ? [] : undoCoins(this.state.readUndo(e.hash), e.hash);
  }

  /** An unspent output of the main chain's UTXO set. */
  getCoin(txid: Uint8Array, index: number): Coin | undefined {
    return this.state.coins.get(txid, index);
  }

  /** Confirmed unspent outputs paying to `pkh`, oldest first. */
  addressUtxos(pkh: Uint8Array, limit?: number): Promise<AddressUtxo[]> {
    return addressUtxos(this.state.store, pkh, limit);
  }

  /**
   * The height of the main-chain block holding transaction `txid`, without a transaction index:
   * the UTXO set, else a bounded scan of the address index (address-index.ts).
   */
  locateTransaction(txid: Uint8Array, maxRecords?: number): Promise<TxLocation> {
    return locateTransaction(this.state.store, txid, maxRecords);
  }

  /** Confirmed transactions touching `pkh`, oldest first. */
  addressHistory(pkh: Uint8Array, limit?: number): Promise<AddressHistoryItem[]> {
    return addressHistory(this.state.store, pkh, limit);
  }

  /** A hash of the whole UTXO set, so two nodes (or a node and a replay) can compare state. */
  utxoSetHash(): Promise<UtxoSetInfo> {
    return this.queue.run(() => utxoSetHashLocked(this.state));
  }

  /** Re-check the last `depth` main-chain blocks against the stored state, without writing. */
  verifyChain(depth: number): Promise<VerifyChainResult> {
    return this.queue.run(() => verifyChainLocked(this.state, depth));
  }

  // ---- signatures, orphans, memory ------------------------------------------------------------

  /**
   * Verify a transaction's signatures for the mempool: those in the signature cache pass, the
   * rest go to the verifier together, and once all pass they are cached, so the block that
   * confirms the transaction need not check them again. `checked` names signatures the caller has
   * already had a verifier find valid (the mempool's check off the main thread): they are not
   * checked again, only cached with the rest. Returns the index (in `items`) of an invalid
   * signature, or -1.
   */
  async verifySignatures(
    items: readonly SignatureItem[],
    checked: (item: SignatureItem) => boolean = () => false,
  ): Promise<number> {
    const { sigCache, verifier } = this.state;
    const uncached: number[] = [];
    for (let i = 0; i < items.length; i++) if (!sigCache.has(items[i]!)) uncached.push(i);
    if (uncached.length === 0) return -1;
    const unchecked = uncached.filter((i) => !checked(items[i]!));
    if (unchecked.length > 0) {
      const bad = await verifier.verifyBatch(unchecked.map((i) => items[i]!));
      if (bad >= 0) return unchecked[bad]!;
    }
    for (const i of uncached) sigCache.add(items[i]!);
    return -1;
  }

  /** Whether a signature is in the signature cache (found valid before, so never checked again). */
  isSignatureCached(item: SignatureItem): boolean {
    return this.state.sigCache.has(item);
  }

  /** A block waiting in the orphan pool for its parent. */
  orphan(hash: Uint8Array): OrphanInfo | undefined {
    return this.state.orphans.info(hash);
  }

  /** Does `source` hold its quota of orphans already? (The network refuses its next orphan undecoded.) */
  orphanQuotaFull(source: string): boolean {
    return this.state.orphans.quotaFull(source);
  }

  /** Drop every orphan `source` sent (the network banned it). The pool's changes are synchronous: no lock needed. */
  dropOrphansFrom(source: string): number {
    const dropped = this.state.orphans.dropSource(source);
    reportDropped(this.state, dropped);
    return dropped.length;
  }

  stats(): ChainStats {
    const { index, orphans, coins, sigCache } = this.state;
    return {
      blocks: index.size,
      orphans: orphans.size,
      orphanBytes: orphans.totalBytes,
      coinCache: coins.size,
      coinCacheCapacity: coins.capacity,
      signatureCache: sigCache.size,
      signatureCacheCapacity: sigCache.maxEntries,
      queued: this.queue.size,
    };
  }

  /** The index's own object for an entry a caller holds (refusing one from another chain). */
  private own(entry: ChainEntry): IndexEntry {
    const e = this.state.index.get(entry.hashHex);
    if (e !== entry) throw new ChainError('not-found', `block ${hashToHex(entry.hash)} is not in this chain's index`);
    return e;
  }
}
