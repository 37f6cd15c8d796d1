import { encodeBlock } from '../consensus/block.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { blockWork } from '../consensus/pow.js';
import { DecodeError } from '../encoding/errors.js';
import { equalBytes, hashToHex } from '../encoding/hex.js';
import type { BlockIndex, IndexEntry } from './block-index.js';
import type { BlockStore } from './block-store.js';
import { corruptState, type ChainError } from './errors.js';
import { BlockStatus, decodeIndexEntry, indexRecord, keys } from './layout.js';
import { ChainStore, type BatchOp } from './store.js';
import type { ChainOptions } from './options.js';
import type { ChainState } from './state.js';
import { UtxoCommitment } from './utxo-commitment.js';

/**
 * Bring a just-opened chain's state to its stored tip: a new database gets genesis (unless the
 * block store beside it holds blocks: then the database was lost, not never made), the index is
 * loaded and checked, the main chain set from the tip, and the UTXO set checked against the tip's
 * commitment. Damage is a ChainError naming the way out.
 */
export async function resumeState(
  state: ChainState,
  fresh: boolean,
  opts: Pick<ChainOptions, 'params' | 'checkUtxoSet'> & { resumingReindex?: boolean },
): Promise<void> {
  const { store, blocks, index, candidates } = state;
  if (fresh) {
    if (await blocks.holdsBlocksOtherThan(opts.params.genesisHash))
      throw corruptState('the chain database is missing but the block store holds blocks', '--reindex');
    await writeGenesisState(store, blocks, opts.params);
  }
  await loadIndex(store, index, opts.resumingReindex === true);
  const tip = readTip(store, index, opts.params);
  index.setMainChainFromTip(tip);
  state.commitment = readCommitment(store, tip);
  if (opts.checkUtxoSet !== false) await checkUtxoSet(store, tip, state.commitment);
  candidates.rebuild();
}

/**
 * The state of a new database, in one batch: identity records, genesis indexed at height 0 with
 * the empty set's commitment, the tip, and `extra` (a reindex's index entries and its flag).
 * Genesis's bytes go to the block store first: the index never names a block the store lacks.
 */
export async function writeGenesisState(
  store: ChainStore,
  blocks: BlockStore,
  params: NetworkParams,
  extra: BatchOp[] = [],
): Promise<void> {
  const g = params.genesis;
  const bytes = encodeBlock(g);
  await blocks.put(params.genesisHash, bytes);
  const entry = indexRecord({
    hash: params.genesisHash,
    header: g.header,
    height: 0,
    chainWork: blockWork(g.header.bits),
    status: BlockStatus.Valid,
    sequence: 0,
    invalidCode: '',
    size: bytes.length,
    txCount: g.txs.length,
  });
  await store.batch([
    ...ChainStore.identityOps(params),
    ...extra,
    entry,
    { type: 'put', key: keys.height(0), value: params.genesisHash },
    { type: 'put', key: keys.commitment(params.genesisHash), value: new UtxoCommitment().encode() },
    { type: 'put', key: keys.tip(), value: params.genesisHash },
  ]);
}

/**
 * Load every index entry into memory and link parents. An entry that does not decode, or whose
 * parent is not indexed, means the index itself is damaged (a record LevelDB dropped or mangled):
 * only `--reindex`, which rebuilds the index from the block store, recovers from that.
 */
export async function loadIndex(store: ChainStore, index: BlockIndex, resumingReindex = false): Promise<void> {
  if (!resumingReindex && store.get(keys.reindexing()))
    throw corruptState('a reindex was interrupted before it finished', '--reindex');
  for await (const [k, v] of store.scan(keys.indexPrefix())) {
    try {
      index.add(k.subarray(1), decodeIndexEntry(v));
    } catch (err) {
      if (err instanceof DecodeError)
        throw corruptState(`the index entry of block ${hashToHex(k.subarray(1))} does not decode`, '--reindex');
      throw err;
    }
  }
  index.relink();
  for (const e of index.entries()) {
    if (e.height > 0 && !e.parent)
      throw corruptState(`the parent of block ${hashToHex(e.hash)} at height ${e.height} is not indexed`, '--reindex');
  }
}

const corrupt = corruptState;

/**
 * The stored tip, after checking that tip, index and height index agree: the tip is indexed and
 * valid, genesis is this network's, and the height index holds exactly the tip's ancestry at its
 * top (each batch writes them together, so any disagreement means outside damage).
 */
export function readTip(store: ChainStore, index: BlockIndex, params: NetworkParams): IndexEntry {
  const tipHash = store.get(keys.tip());
  if (!tipHash) throw corrupt('no tip record');
  const tip = index.get(tipHash);
  if (!tip) throw corrupt(`tip ${hashToHex(tipHash)} is not in the block index`, '--reindex');
  if (tip.status !== BlockStatus.Valid) throw corrupt(`tip ${hashToHex(tipHash)} is not marked valid`);
  const genesis = store.get(keys.height(0));
  if (!genesis || !equalBytes(genesis, params.genesisHash)) throw corrupt("height 0 is not this network's genesis");
  if (store.get(keys.height(tip.height + 1))) throw corrupt(`height index runs past the tip at ${tip.height}`);
  // Walk the top of the chain through parent links and the height index together.
  let e: IndexEntry | undefined = tip;
  for (let i = 0; e && i < 100; i++, e = e.parent) {
    const atHeight = store.get(keys.height(e.height));
    if (!atHeight || !equalBytes(atHeight, e.hash))
      throw corrupt(`height index disagrees with the tip's ancestry at height ${e.height}`);
    if (e.height > 0 && !store.get(keys.undo(e.hash)))
      throw corrupt(`undo record of main-chain block at height ${e.height} is missing`);
  }
  if (tip.height > 0 && !tip.parent) throw corrupt('tip ancestry is incomplete', '--reindex');
  return tip;
}

/** The UTXO commitment recorded with main-chain block `entry`. */
export function readCommitment(store: ChainStore, entry: IndexEntry): UtxoCommitment {
  const raw = store.get(keys.commitment(entry.hash));
  const c = raw && UtxoCommitment.decode(raw);
  if (!c) throw corrupt(`the UTXO commitment of the block at height ${entry.height} is missing or damaged`);
  return c;
}

/** The commitment of the UTXO set as stored: one pass over every coin record. */
export async function scanUtxoSet(store: ChainStore): Promise<UtxoCommitment> {
  const c = new UtxoCommitment();
  for await (const batch of store.scanBatches(keys.coinPrefix())) for (const [k, v] of batch) c.addRecord(k, v);
  return c;
}

/**
 * Compare the stored UTXO set with the commitment recorded for the tip: a coin LevelDB dropped
 * (a damaged log record skipped on recovery), one left over, or one altered changes the sum. The
 * pass also reads every table block of the set, so LevelDB's own damage surfaces here as
 * ChainError('corrupt-db') rather than later, half-way through a block.
 */
export async function checkUtxoSet(store: ChainStore, tip: IndexEntry, expected: UtxoCommitment): Promise<void> {
  const found = await scanUtxoSet(store);
  if (!found.equals(expected)) throw utxoMismatch(tip, expected, found);
}

export function utxoMismatch(tip: IndexEntry, expected: UtxoCommitment, found: UtxoCommitment): ChainError {
  return corrupt(
    `the UTXO set does not match the commitment of the tip at height ${tip.height} ` +
      `(${found.count} coins worth ${found.totalValue} stored, ${expected.count} worth ${expected.totalValue} committed)`,
  );
}
