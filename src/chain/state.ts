import type { EventEmitter } from 'node:events';
import type { DecodedBlock } from '../consensus/block.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { BlockIndex, type IndexEntry } from './block-index.js';
import { BlockReader } from './block-reader.js';
import type { BlockStore } from './block-store.js';
import { CoinCache } from './coin-cache.js';
import type { BatchVerifier, ConnectContext } from './connect.js';
import { HeaderRules } from './header-rules.js';
import { keys } from './layout.js';
import type { ChainTuning } from './options.js';
import { OrphanPool } from './orphans.js';
import { SignatureCache } from './sig-cache.js';
import type { ChainStore } from './store.js';
import { TipCandidates } from './tip-candidates.js';
import type { ChainEvents } from './types.js';
import { UtxoCommitment } from './utxo-commitment.js';

/**
 * What the block path works on: the database, the block index and main chain in memory, the
 * tip candidates, the orphan pool, the caches in front of the disk, and the chain's events. Only
 * the chain's own modules see it; `Chain` keeps it private and answers questions about it.
 */
export class ChainState {
  readonly index = new BlockIndex();
  readonly candidates: TipCandidates;
  readonly orphans: OrphanPool;
  /** Filled by the mempool, read by blocks (docs/architecture.md, "Caches in front of the disk"). */
  readonly sigCache: SignatureCache;
  /** The committed UTXO set's recent coins; every CoinView of a transition reads through it. */
  readonly coins: CoinCache;
  /** Decoded blocks stored and not yet connected, and every other read of a stored block. */
  readonly reader: BlockReader;
  /** Header rules against the index: expected bits, median time past, the future limit. */
  readonly headerRules: HeaderRules;
  readonly pipelineDepth: number;
  /** The UTXO commitment of the committed tip (utxo-commitment.ts); set by Chain.open. */
  commitment = new UtxoCommitment();

  constructor(
    readonly params: NetworkParams,
    readonly store: ChainStore,
    /** The raw blocks, in their own database (block-store.ts). */
    readonly blocks: BlockStore,
    readonly verifier: BatchVerifier,
    readonly clock: () => number,
    tuning: ChainTuning,
    /** The Chain itself: the block path announces what it did through it. */
    readonly events: EventEmitter<ChainEvents>,
  ) {
    this.candidates = new TipCandidates(this.index);
    this.orphans = new OrphanPool(tuning.orphanLimits);
    this.sigCache = new SignatureCache(tuning.sigCacheSize);
    this.coins = new CoinCache(store, tuning.coinCacheSize);
    this.reader = new BlockReader(blocks);
    this.headerRules = new HeaderRules(params, this.index, clock);
    this.pipelineDepth = tuning.pipelineDepth;
  }

  connectContext(): ConnectContext {
    return { params: this.params, verifier: this.verifier, sigCache: this.sigCache };
  }

  /** A stored block, decoded with its txids. */
  readBlock(entry: IndexEntry): DecodedBlock {
    return this.reader.block(entry);
  }

  /** The undo record of a connected block (undefined if missing: disconnectBlock calls that damage). */
  readUndo(hash: Uint8Array): Uint8Array | undefined {
    return this.store.get(keys.undo(hash));
  }
}
