import type { NetworkParams } from '../consensus/params/types.js';
import { RejectCode } from '../consensus/errors.js';
import { bytesToHex } from '../encoding/hex.js';
import { Chain } from './chain.js';
import type { ChainOptions } from './options.js';
import { BlockStatus, decodeIndexEntry, indexRecord, keys } from './layout.js';
import { ChainStore, type BatchOp } from './store.js';
import { writeGenesisState } from './startup.js';

/**
 * Rebuild the chain state (UTXO set, undo records, address index, height index, tip) from the
 * blocks stored in the database, without the network: every block is validated again and the
 * most-work valid chain is connected from genesis. A damaged state never means delete and resync.
 */
export async function reindexChain(
  opts: ChainOptions,
  onProgress?: (height: number, target: number) => void,
): Promise<Chain> {
  const target = await resetDerivedState(opts.location, opts.params);
  const chain = await Chain.open({ ...opts, activate: false });
  const report = () => onProgress?.(chain.height, target);
  chain.on('tip', report);
  try {
    await chain.activate();
  } finally {
    chain.off('tip', report);
  }
  return chain;
}

/** Clear everything derived from the blocks; returns the height of the highest stored block. */
async function resetDerivedState(location: string, params: NetworkParams): Promise<number> {
  // An older schema is upgraded here: its derived state is cleared and rebuilt, and the genesis
  // state written below carries the new schema version.
  const { store } = await ChainStore.open(location, params, { upgrade: true });
  try {
    for (const prefix of keys.derivedPrefixes()) await store.clearPrefix(prefix);
    const entries: {
      key: Uint8Array;
      hashHex: string;
      parentHex: string;
      entry: ReturnType<typeof decodeIndexEntry>;
    }[] = [];
    for await (const [k, v] of store.scan(keys.indexPrefix())) {
      const entry = decodeIndexEntry(v);
      entries.push({ key: k, hashHex: bytesToHex(k.subarray(1)), parentHex: bytesToHex(entry.header.prevHash), entry });
    }
    // An operator's invalidateblock is a decision, not a verdict: it survives a reindex, and so
    // does the invalid mark of everything descending from such a block (found breadth first).
    const children = new Map<string, string[]>();
    for (const e of entries) children.set(e.parentHex, [...(children.get(e.parentHex) ?? []), e.hashHex]);
    const keepInvalid = new Set(
      entries.filter((e) => e.entry.invalidCode === RejectCode.Invalidated).map((e) => e.hashHex),
    );
    const queue = [...keepInvalid];
    while (queue.length) {
      for (const c of children.get(queue.shift()!) ?? []) {
        if (keepInvalid.has(c)) continue;
        keepInvalid.add(c);
        queue.push(c);
      }
    }
    const ops: BatchOp[] = [];
    for (const { key, hashHex, entry } of entries) {
      if (entry.height === 0 || keepInvalid.has(hashHex)) continue;
      // Every other block is validated again, including ones once found invalid.
      ops.push(indexRecord({ ...entry, hash: key.subarray(1), status: BlockStatus.DataStored, invalidCode: '' }));
    }
    await store.batch(ops);
    await writeGenesisState(store, params);
    return entries.reduce((most, e) => Math.max(most, e.entry.height), 0);
  } finally {
    await store.close();
  }
}
