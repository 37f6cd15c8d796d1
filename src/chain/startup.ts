import { encodeBlock } from '../consensus/block.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { blockWork } from '../consensus/pow.js';
import { equalBytes, hashToHex } from '../encoding/hex.js';
import type { BlockIndex, IndexEntry } from './block-index.js';
import { corruptState } from './errors.js';
import { BlockStatus, decodeIndexEntry, indexRecord, keys } from './layout.js';
import { ChainStore } from './store.js';

/** The state of a new database, in one batch: identity records, genesis stored and indexed at height 0, and the tip. */
export async function writeGenesisState(store: ChainStore, params: NetworkParams): Promise<void> {
  const g = params.genesis;
  const bytes = encodeBlock(g);
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
    { type: 'put', key: keys.block(params.genesisHash), value: bytes },
    entry,
    { type: 'put', key: keys.height(0), value: params.genesisHash },
    { type: 'put', key: keys.tip(), value: params.genesisHash },
  ]);
}

/** Load every index entry into memory and link parents. */
export async function loadIndex(store: ChainStore, index: BlockIndex): Promise<void> {
  for await (const [k, v] of store.scan(keys.indexPrefix())) {
    index.add(k.subarray(1), decodeIndexEntry(v));
  }
  index.relink();
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
  if (!tip) throw corrupt(`tip ${hashToHex(tipHash)} is not in the block index`);
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
  if (tip.height > 0 && !tip.parent) throw corrupt('tip ancestry is incomplete');
  return tip;
}
