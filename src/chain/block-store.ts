import { renameSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { ClassicLevel } from 'classic-level';
import { decodeHeader, headerHash } from '../consensus/header.js';
import { equalBytes, hashToHex } from '../encoding/hex.js';
import { getU32le, putU32le } from '../encoding/le.js';
import { ChainError } from './errors.js';
import { levelBatches, openLevel, storageError } from './level-errors.js';

/**
 * The raw blocks, in a LevelDB of their own (`<datadir>/blocks`), apart from the chain state
 * (`<datadir>/chain`): damage to the state cannot take the blocks with it, so `--reindex` can
 * always rebuild the index and the UTXO set from them.
 *
 *   key: block hash (32 bytes, internal order)      value: crc32 u32 LE | block bytes
 *
 * The checksum is ours because classic-level does not expose LevelDB's `verify_checksums` or
 * `paranoid_checks`: a bit flipped inside a block that LevelDB hands back anyway (an uncompressed
 * table block, a record its log recovery kept) fails the crc here and is a typed error, never a
 * block that silently decodes into something else. A record is 4 bytes longer than its block.
 */
export class BlockStore {
  private failure: ChainError | undefined;
  /** Told once, when a write first fails (the chain reports it as 'storage-failed'). */
  onWriteFailure: ((err: ChainError) => void) | undefined;

  private constructor(
    readonly location: string,
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
  ) {}

  /** Open (creating if missing). Damage LevelDB sees at open is ChainError('corrupt-db') naming --reindex. */
  static async open(location: string): Promise<BlockStore> {
    const db = await openLevel(location, 'block store', '--reindex', {
      // Blocks are written once and read rarely: a small buffer and cache are enough.
      writeBufferSize: 8 * 1024 * 1024,
      cacheSize: 8 * 1024 * 1024,
      maxFileSize: 32 * 1024 * 1024,
    });
    return new BlockStore(location, db);
  }

  /** Repair a block store LevelDB cannot open (its RepairDB keeps every record it can still read). */
  static repair(location: string): Promise<void> {
    return ClassicLevel.repair(location);
  }

  /** Store a block. A write that fails refuses every later one with the same error (ChainStore.batch). */
  put(hash: Uint8Array, bytes: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.db.put(hash, blockRecord(bytes)).catch((err: unknown) => {
      const typed = storageError(err, 'block store');
      if (!this.failure && this.isOpen) {
        this.failure = typed;
        this.onWriteFailure?.(typed);
      }
      throw typed;
    });
  }

  get failed(): ChainError | undefined {
    return this.failure;
  }

  /**
   * The block's bytes; undefined if not stored. A record whose checksum fails is
   * ChainError('damaged-block'): the block must be fetched again (`--reindex` drops it, and sync
   * downloads it from a peer).
   */
  get(hash: Uint8Array): Uint8Array | undefined {
    let record: Uint8Array | undefined;
    try {
      record = this.db.getSync(hash);
    } catch (err) {
      throw storageError(err, 'block store', '--reindex');
    }
    if (record === undefined) return undefined;
    const bytes = checkedBlock(record);
    if (!bytes) throw damagedBlock(hash);
    return bytes;
  }

  /**
   * The last resort when even a repaired store cannot be scanned (a key LevelDB cannot parse
   * stops every iterator there): read forward to the damage and backward to it, move the old
   * directory aside (`<location>.damaged-<time>`, never deleted) and write what was read into a
   * new store. The records between are lost; sync downloads those blocks again.
   */
  static async salvage(location: string): Promise<{ store: BlockStore; kept: number; movedTo: string }> {
    const old = await BlockStore.open(location);
    const records: [Uint8Array, Uint8Array][] = [];
    let last: Uint8Array | undefined;
    for (const reverse of [false, true]) {
      const it = old.db.iterator(reverse && last ? { reverse, gt: last } : { reverse });
      try {
        for (;;) {
          const batch = await it.nextv(256);
          if (batch.length === 0) break;
          records.push(...batch);
          if (!reverse) last = batch[batch.length - 1]![0];
        }
      } catch {
        // The damage: what lies beyond it in this direction is read from the other end.
      } finally {
        await it.close().catch(() => undefined);
      }
    }
    await old.close();
    const movedTo = `${location}.damaged-${Date.now()}`;
    renameSync(location, movedTo);
    const store = await BlockStore.open(location);
    for (const [k, v] of records) await store.db.put(k, v);
    return { store, kept: records.length, movedTo };
  }

  /** Whether a record is stored under `hash` (sound or not). */
  has(hash: Uint8Array): boolean {
    try {
      return this.db.getSync(hash) !== undefined;
    } catch (err) {
      throw storageError(err, 'block store', '--reindex');
    }
  }

  /** Whether the store holds any block but `except` (a new chain database next to old blocks is a lost one). */
  async holdsBlocksOtherThan(except: Uint8Array): Promise<boolean> {
    const first = await this.db
      .keys({ limit: 2 })
      .all()
      .catch((err: unknown) => {
        throw storageError(err, 'block store', '--reindex');
      });
    return first.some((k) => !equalBytes(k, except));
  }

  del(hash: Uint8Array): Promise<void> {
    return this.db.del(hash);
  }

  /**
   * Every record, in key order, checked: `bytes` is null for a record that fails its checksum or
   * whose header does not hash to its key. Read in batches (one `for await` step per record is
   * about twice as slow).
   */
  async *records(): AsyncGenerator<{ hash: Uint8Array; bytes: Uint8Array | null }> {
    for await (const batch of levelBatches(this.db.iterator(), 256, 'block store')) {
      for (const [hash, record] of batch) {
        const bytes = checkedBlock(record);
        yield { hash, bytes: bytes && headerMatches(hash, bytes) ? bytes : null };
      }
    }
  }

  get isOpen(): boolean {
    return this.db.status === 'open';
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** A block's record: its crc32, then its bytes. */
export function blockRecord(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  putU32le(out, 0, crc32(bytes));
  out.set(bytes, 4);
  return out;
}

/** The bytes of a record whose checksum holds, else null. */
function checkedBlock(record: Uint8Array): Uint8Array | null {
  if (record.length < 4 + 80) return null;
  const bytes = record.subarray(4);
  return crc32(bytes) === getU32le(record, 0) ? bytes : null;
}

function headerMatches(hash: Uint8Array, bytes: Uint8Array): boolean {
  try {
    return equalBytes(headerHash(decodeHeader(bytes.subarray(0, 80))), hash);
  } catch {
    return false;
  }
}

export function damagedBlock(hash: Uint8Array, height?: number): ChainError {
  const at = height === undefined ? '' : ` at height ${height}`;
  return new ChainError(
    'damaged-block',
    `block ${hashToHex(hash)}${at} is damaged or missing in the block store; run the node once with --reindex (it drops the block and downloads it again from a peer)`,
  );
}
