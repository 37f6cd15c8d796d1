import { rmSync } from 'node:fs';
import type { NetworkParams } from '../consensus/params/types.js';
import { RejectCode } from '../consensus/errors.js';
import { decodeHeader } from '../consensus/header.js';
import { blockWork } from '../consensus/pow.js';
import { bytesToHex, equalBytes } from '../encoding/hex.js';
import { BlockStore } from './block-store.js';
import { Chain } from './chain.js';
import { ChainError } from './errors.js';
import { blocksLocationOf, type ChainOptions } from './options.js';
import { BlockStatus, decodeIndexEntry, indexRecord, keys, type StoredIndexEntry } from './layout.js';
import { ChainStore, type BatchOp } from './store.js';
import { writeGenesisState } from './startup.js';

/** What a reindex tells its caller as it goes (the node logs each). */
export type ReindexEvent =
  | { type: 'progress'; height: number; target: number }
  | { type: 'repaired-block-store'; reason: string }
  | { type: 'salvaged-block-store'; kept: number; movedTo: string }
  | { type: 'migrated-blocks'; count: number }
  | { type: 'damaged-block'; hash: Uint8Array; height: number | undefined }
  | { type: 'unlinked-blocks'; count: number }
  | { type: 'old-index-unreadable'; reason: string };

/** What the old block index said, where it could still be read: kept across a full reindex. */
interface Salvage {
  /** Blocks an operator invalidated (invalidateblock): a decision, not a verdict. */
  invalidated: Set<string>;
  sequences: Map<string, number>;
  heights: Map<string, number>;
}

/**
 * `--reindex`: rebuild the block index and all chain state from the block store, without the
 * network. The chain database is deleted and made again: the index from the headers of the
 * stored blocks (a record failing its checksum is dropped and reported with its hash and, when
 * the old index still says, its height: sync downloads it again from a peer), then every block
 * is validated again and the most-work valid chain connected from genesis. Nothing in the chain
 * database is trusted, so damage of any kind there is recovered. A database of an older schema
 * (blocks inside it) has its blocks moved to the block store first.
 */
export async function reindexChain(opts: ChainOptions, onEvent?: (e: ReindexEvent) => void): Promise<Chain> {
  const salvage = await salvageOldDatabase(opts, onEvent);
  let blocks = await openOrRepair(blocksLocationOf(opts), onEvent);
  let target: number;
  try {
    let entries;
    try {
      entries = await indexFromBlocks(blocks, opts.params, salvage, onEvent);
    } catch (err) {
      // A table block LevelDB cannot read stops the scan: repair, keeping every readable record, and scan again.
      if (!(err instanceof ChainError) || err.code !== 'corrupt-db') throw err;
      await blocks.close();
      await BlockStore.repair(blocks.location);
      onEvent?.({ type: 'repaired-block-store', reason: err.message });
      blocks = await BlockStore.open(blocks.location);
      try {
        entries = await indexFromBlocks(blocks, opts.params, salvage, onEvent);
      } catch (again) {
        if (!(again instanceof ChainError) || again.code !== 'corrupt-db') throw again;
        await blocks.close();
        const saved = await BlockStore.salvage(blocks.location);
        blocks = saved.store;
        onEvent?.({ type: 'salvaged-block-store', kept: saved.kept, movedTo: saved.movedTo });
        entries = await indexFromBlocks(blocks, opts.params, salvage, onEvent);
      }
    }
    target = entries.reduce((most, e) => Math.max(most, e.entry.height), 0);
    rmSync(opts.location, { recursive: true, force: true });
    const { store } = await ChainStore.open(opts.location, opts.params);
    try {
      const ops: BatchOp[] = [{ type: 'put', key: keys.reindexing(), value: new Uint8Array(0) }];
      for (const e of entries) ops.push(indexRecord({ ...e.entry, hash: e.hash }));
      await writeGenesisState(store, blocks, opts.params, ops);
    } finally {
      await store.close();
    }
  } finally {
    await blocks.close();
  }
  return connectReindexed(opts, target, onEvent);
}

/**
 * `--reindex-chainstate`: keep the block index, clear everything derived from the blocks (UTXO
 * set, undo records, commitments, address and height indexes, tip), and connect the most-work
 * valid chain again. For damage to the state only; a damaged index needs `--reindex`.
 */
export async function reindexChainstate(opts: ChainOptions, onEvent?: (e: ReindexEvent) => void): Promise<Chain> {
  const { store } = await ChainStore.open(opts.location, opts.params);
  const blocks = await BlockStore.open(blocksLocationOf(opts));
  let target = 0;
  try {
    const entries: { hash: Uint8Array; entry: StoredIndexEntry }[] = [];
    for await (const [k, v] of store.scan(keys.indexPrefix())) {
      try {
        entries.push({ hash: k.subarray(1), entry: decodeIndexEntry(v) });
      } catch {
        throw new ChainError(
          'corrupt-state',
          'the block index is damaged, so --reindex-chainstate cannot use it; run the node once with --reindex to rebuild it from the block store',
        );
      }
    }
    const invalidated = new Set(
      entries.filter((e) => e.entry.invalidCode === RejectCode.Invalidated).map((e) => bytesToHex(e.hash)),
    );
    const keep = withDescendants(invalidated, entries);
    // The flag first: a kill from here on leaves a database that says it is half-rebuilt.
    await store.batch([{ type: 'put', key: keys.reindexing(), value: new Uint8Array(0) }]);
    for (const prefix of keys.derivedPrefixes()) await store.clearPrefix(prefix);
    const ops: BatchOp[] = [];
    for (const { hash, entry } of entries) {
      target = Math.max(target, entry.height);
      if (entry.height === 0 || keep.has(bytesToHex(hash))) continue;
      // Every other block is validated again, including ones once found invalid.
      ops.push(indexRecord({ ...entry, hash, status: BlockStatus.DataStored, invalidCode: '' }));
    }
    await writeGenesisState(store, blocks, opts.params, ops);
  } finally {
    await blocks.close();
    await store.close();
  }
  return connectReindexed(opts, target, onEvent);
}

/** Open the rebuilt index and connect the best chain, reporting progress; then clear the flag. */
async function connectReindexed(
  opts: ChainOptions,
  target: number,
  onEvent?: (e: ReindexEvent) => void,
): Promise<Chain> {
  const chain = await Chain.open({ ...opts, activate: false, checkUtxoSet: false, resumingReindex: true });
  const report = () => onEvent?.({ type: 'progress', height: chain.height, target });
  chain.on('tip', report);
  try {
    await chain.activate();
    await chain.finishReindex();
  } catch (err) {
    await chain.close();
    throw err;
  } finally {
    chain.off('tip', report);
  }
  return chain;
}

/** The block store, repaired by LevelDB's RepairDB first if it will not open. */
async function openOrRepair(location: string, onEvent?: (e: ReindexEvent) => void): Promise<BlockStore> {
  try {
    return await BlockStore.open(location);
  } catch (err) {
    if (!(err instanceof ChainError) || err.code !== 'corrupt-db') throw err;
    await BlockStore.repair(location);
    onEvent?.({ type: 'repaired-block-store', reason: err.message });
    return BlockStore.open(location);
  }
}

/**
 * What the old chain database can still tell: operator invalidations, first-seen order, heights
 * (to report a damaged block's height), and, for schemas 1 and 2, the blocks themselves, moved
 * into the block store. Anything unreadable is skipped: the block store is what counts.
 */
async function salvageOldDatabase(opts: ChainOptions, onEvent?: (e: ReindexEvent) => void): Promise<Salvage> {
  const salvage: Salvage = { invalidated: new Set(), sequences: new Map(), heights: new Map() };
  let store: ChainStore;
  try {
    ({ store } = await ChainStore.open(opts.location, opts.params, { upgrade: true }));
  } catch (err) {
    if (err instanceof ChainError && (err.code === 'wrong-network' || err.code === 'wrong-schema')) throw err;
    onEvent?.({ type: 'old-index-unreadable', reason: (err as Error).message });
    return salvage;
  }
  try {
    const legacy = await moveLegacyBlocks(store, blocksLocationOf(opts));
    if (legacy > 0) onEvent?.({ type: 'migrated-blocks', count: legacy });
    const entries: { hash: Uint8Array; entry: StoredIndexEntry }[] = [];
    for await (const [k, v] of store.scan(keys.indexPrefix())) {
      try {
        entries.push({ hash: k.subarray(1), entry: decodeIndexEntry(v) });
      } catch {
        continue; // a damaged entry: the block store's header replaces it
      }
    }
    for (const { hash, entry } of entries) {
      const hex = bytesToHex(hash);
      salvage.sequences.set(hex, entry.sequence);
      salvage.heights.set(hex, entry.height);
      if (entry.invalidCode === RejectCode.Invalidated) salvage.invalidated.add(hex);
    }
  } catch (err) {
    if (err instanceof ChainError && err.code === 'storage-failed') throw err;
    onEvent?.({ type: 'old-index-unreadable', reason: (err as Error).message });
  } finally {
    await store.close();
  }
  return salvage;
}

/** Schemas 1 and 2 kept blocks in the chain database: copy them to the block store. */
async function moveLegacyBlocks(store: ChainStore, blocksLocation: string): Promise<number> {
  let moved = 0;
  const blocks = await BlockStore.open(blocksLocation);
  try {
    for await (const batch of store.scanBatches(keys.legacyBlockPrefix(), 256)) {
      for (const [k, v] of batch) {
        const hash = k.subarray(1);
        if (hash.length !== 32 || blocks.has(hash)) continue;
        await blocks.put(hash, v);
        moved++;
      }
    }
  } finally {
    await blocks.close();
  }
  return moved;
}

/**
 * Index entries for every stored block whose ancestry reaches genesis through stored, sound
 * blocks: heights and chain work from the headers, status "stored" (operator invalidations and
 * their descendants stay invalid), first-seen order from the old index where it is known.
 */
async function indexFromBlocks(
  blocks: BlockStore,
  params: NetworkParams,
  salvage: Salvage,
  onEvent?: (e: ReindexEvent) => void,
): Promise<{ hash: Uint8Array; entry: StoredIndexEntry }[]> {
  const children = new Map<string, { hash: Uint8Array; bytes: Uint8Array }[]>();
  let found = 0;
  for await (const { hash, bytes } of blocks.records()) {
    if (equalBytes(hash, params.genesisHash)) continue;
    if (!bytes) {
      onEvent?.({ type: 'damaged-block', hash, height: salvage.heights.get(bytesToHex(hash)) });
      await blocks.del(hash);
      continue;
    }
    const parentHex = bytesToHex(bytes.subarray(4, 36));
    let list = children.get(parentHex);
    if (!list) children.set(parentHex, (list = []));
    list.push({ hash, bytes });
    found++;
  }
  const out: { hash: Uint8Array; entry: StoredIndexEntry }[] = [];
  const genesisWork = blockWork(params.genesis.header.bits);
  const queue: { hex: string; height: number; work: bigint; invalid: boolean }[] = [
    { hex: bytesToHex(params.genesisHash), height: 0, work: genesisWork, invalid: false },
  ];
  let nextSequence = Math.max(0, ...salvage.sequences.values()) + 1;
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const { hash, bytes } of children.get(parent.hex) ?? []) {
      const hex = bytesToHex(hash);
      const header = decodeHeader(bytes.subarray(0, 80));
      const height = parent.height + 1;
      const chainWork = parent.work + blockWork(header.bits);
      const invalid = parent.invalid || salvage.invalidated.has(hex);
      const txCount = countTxs(bytes);
      out.push({
        hash,
        entry: {
          header,
          height,
          chainWork,
          status: invalid ? BlockStatus.Invalid : BlockStatus.DataStored,
          sequence: salvage.sequences.get(hex) ?? nextSequence++,
          invalidCode: invalid
            ? salvage.invalidated.has(hex)
              ? RejectCode.Invalidated
              : RejectCode.PrevBlockInvalid
            : '',
          size: bytes.length,
          txCount,
        },
      });
      queue.push({ hex, height, work: chainWork, invalid });
    }
  }
  // Blocks whose parent is missing or was dropped: not indexed; sync fetches the branch again.
  if (out.length < found) onEvent?.({ type: 'unlinked-blocks', count: found - out.length });
  return out;
}

/** The transaction count of a block's bytes: the CompactSize after its header. */
function countTxs(bytes: Uint8Array): number {
  const first = bytes[80]!;
  if (first < 0xfd) return first;
  const view = new DataView(bytes.buffer, bytes.byteOffset + 81);
  return first === 0xfd ? view.getUint16(0, true) : view.getUint32(0, true);
}

/** `roots` and every block descending from them among `entries` (breadth first). */
function withDescendants(roots: Set<string>, entries: { hash: Uint8Array; entry: StoredIndexEntry }[]): Set<string> {
  const children = new Map<string, string[]>();
  for (const e of entries) {
    const parentHex = bytesToHex(e.entry.header.prevHash);
    children.set(parentHex, [...(children.get(parentHex) ?? []), bytesToHex(e.hash)]);
  }
  const out = new Set(roots);
  const queue = [...roots];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (out.has(c)) continue;
      out.add(c);
      queue.push(c);
    }
  }
  return out;
}
