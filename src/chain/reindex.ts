import type { NetworkParams } from '../consensus/params/types.js';
import { Chain, type ChainOptions } from './chain.js';
import { BlockStatus, decodeIndexEntry, encodeIndexEntry, keys } from './layout.js';
import { ChainStore, type BatchOp } from './store.js';
import { writeGenesisState } from './startup.js';

/**
 * Rebuild the chain state (UTXO set, undo records, address index, height index, tip) from the
 * blocks stored in the database, without the network: every block is validated again and the
 * most-work valid chain is connected from genesis. A damaged state never means delete and resync.
 */
export async function reindexChain(opts: ChainOptions, onProgress?: (height: number, target: number) => void): Promise<Chain> {
  await resetDerivedState(opts.location, opts.params);
  const chain = await Chain.open({ ...opts, activate: false });
  let target = 0;
  for (const e of chain.index.entries()) target = Math.max(target, e.height);
  const report = () => onProgress?.(chain.height, target);
  chain.on('tip', report);
  try {
    await chain.activate();
  } finally {
    chain.off('tip', report);
  }
  return chain;
}

async function resetDerivedState(location: string, params: NetworkParams): Promise<void> {
  const { store } = await ChainStore.open(location, params);
  try {
    for (const prefix of keys.derivedPrefixes()) await store.clearPrefix(prefix);
    const ops: BatchOp[] = [];
    for await (const [k, v] of store.scan(keys.indexPrefix())) {
      const e = decodeIndexEntry(v);
      if (e.height === 0) continue;
      // Every block is validated again, including ones once found invalid.
      ops.push({ type: 'put', key: k, value: encodeIndexEntry({ ...e, status: BlockStatus.DataStored, invalidCode: '' }) });
    }
    await store.batch(ops);
    await writeGenesisState(store, params);
  } finally {
    await store.close();
  }
}
