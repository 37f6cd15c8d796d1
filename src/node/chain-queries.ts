import type { AddressHistoryItem, TxLocation } from '../chain/address-index.js';
import type { ChainEntry } from '../chain/block-index.js';
import type { Chain } from '../chain/chain.js';
import { BlockStatus } from '../chain/layout.js';
import type { ProcessResult } from '../chain/types.js';
import type { Block, DecodedBlock } from '../consensus/block.js';
import type { Coin } from '../consensus/coin.js';
import type { NetworkParams } from '../consensus/params/types.js';

/**
 * Everything the outside-tool features (getblocktemplate, proofs, block statistics, the
 * transaction index, the Stratum backend) ask of the chain, in one place: these few questions are
 * the whole of what that code needs of the chain's query methods.
 */
export class ChainQueries {
  constructor(private readonly chain: Chain) {}

  get params(): NetworkParams {
    return this.chain.params;
  }

  tip(): ChainEntry {
    return this.chain.tip;
  }

  /** A stored block's entry by hash (internal byte order). */
  entry(hash: Uint8Array): ChainEntry | undefined {
    return this.chain.entry(hash);
  }

  /** The main-chain entry at a height. */
  atHeight(height: number): ChainEntry | undefined {
    return this.chain.atHeight(height);
  }

  isOnMainChain(entry: ChainEntry): boolean {
    return this.chain.isOnMainChain(entry);
  }

  /** 'valid' once connected at least once, 'invalid' when it or an ancestor failed, else 'stored'. */
  validity(entry: ChainEntry): 'valid' | 'invalid' | 'stored' {
    return entry.status === BlockStatus.Valid ? 'valid' : entry.status === BlockStatus.Invalid ? 'invalid' : 'stored';
  }

  /** A stored block, decoded with its txids. */
  block(entry: ChainEntry): DecodedBlock {
    return this.chain.readBlock(entry);
  }

  /** The coins a main-chain block spent, in input order; [] for genesis, undefined off the main chain. */
  spentCoins(entry: ChainEntry): Coin[] | undefined {
    return this.chain.spentCoins(entry);
  }

  medianTimePast(entry: ChainEntry): number {
    return this.chain.medianTimePast(entry);
  }

  // ---- what the public pages (src/node/http: REST, the explorer) read -----------------------------

  /** Every stored block's entry (the block tree walks them). */
  entries(): Iterable<ChainEntry> {
    return this.chain.entries();
  }

  /** How many blocks are stored (the explorer's feed notices side branches by it). */
  storedBlocks(): number {
    return this.chain.stats().blocks;
  }

  /** A stored block's serialized bytes, if this node has them. */
  blockBytes(hash: Uint8Array): Uint8Array | undefined {
    return this.chain.getBlockBytes(hash);
  }

  /** An unspent output of the main chain. */
  coin(txid: Uint8Array, index: number): Coin | undefined {
    return this.chain.getCoin(txid, index);
  }

  /** Whether a block (hash in internal byte order) waits in the orphan pool. */
  isOrphan(hash: Uint8Array): boolean {
    return this.chain.orphan(hash) !== undefined;
  }

  /** An address's confirmed history, oldest first (the address index). */
  addressHistory(pkh: Uint8Array): Promise<AddressHistoryItem[]> {
    return this.chain.addressHistory(pkh);
  }

  /** Where a confirmed transaction is, without the transaction index (address-index.ts). */
  locateTransaction(txid: Uint8Array): Promise<TxLocation> {
    return this.chain.locateTransaction(txid);
  }

  /** Validate a block on the tip as if connecting it, storing nothing (getblocktemplate proposals). */
  checkBlock(block: Block): Promise<ProcessResult> {
    return this.chain.processBlock(block, { dryRun: true, source: 'rpc' });
  }

  /** Run `listener` whenever the main chain's tip moves; returns the unsubscribe function. */
  onTip(listener: (tip: ChainEntry) => void): () => void {
    this.chain.on('tip', listener);
    return () => this.chain.off('tip', listener);
  }

  /** Blocks joining and leaving the main chain, in the order they are applied. */
  onConnect(listener: (entry: ChainEntry, txids: Uint8Array[]) => void): () => void {
    const l = (e: { entry: ChainEntry; txids: Uint8Array[] }) => listener(e.entry, e.txids);
    this.chain.on('connect', l);
    return () => this.chain.off('connect', l);
  }

  onDisconnect(listener: (entry: ChainEntry, txids: Uint8Array[]) => void): () => void {
    const l = (e: { entry: ChainEntry; txids: Uint8Array[] }) => listener(e.entry, e.txids);
    this.chain.on('disconnect', l);
    return () => this.chain.off('disconnect', l);
  }
}
