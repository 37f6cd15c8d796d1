import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { ChainError } from './errors.js';

/** The command that recovers from damage: both rebuild from the block store, the first the index too. */
export type WayOut = '--reindex' | '--reindex-chainstate';

type LevelOptions = { writeBufferSize: number; cacheSize: number; maxFileSize: number };

/**
 * Open one of the chain's LevelDBs, refusing damage instead of papering over it. A directory that
 * holds LevelDB files but no CURRENT is damaged: LevelDB would take it for a new database, write
 * a fresh MANIFEST and later delete the table files as obsolete, silently losing everything.
 */
export async function openLevel(
  location: string,
  what: string,
  wayOut: WayOut,
  options: LevelOptions,
): Promise<ClassicLevel<Uint8Array, Uint8Array>> {
  if (existsSync(location) && !existsSync(join(location, 'CURRENT'))) {
    const files = readdirSync(location).filter((f) => /\.(ldb|sst|log)$|^MANIFEST-/.test(f));
    if (files.length > 0)
      throw damaged(what, location, `its CURRENT file is missing (${files.length} data files remain)`, wayOut);
  }
  const db = new ClassicLevel<Uint8Array, Uint8Array>(location, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    ...options,
  });
  try {
    await db.open();
  } catch (err) {
    throw storageError(err, what, wayOut, location);
  }
  return db;
}

/** The message LevelDB gave, wherever classic-level put it (the error or its cause). */
function levelMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return [e.message, e.cause?.message].filter(Boolean).join(': ');
}

function damaged(what: string, location: string, detail: string, wayOut: WayOut): ChainError {
  return new ChainError(
    'corrupt-db',
    `the ${what} at ${location} is damaged (${detail}); run the node once with ${wayOut} to rebuild it`,
  );
}

/** Disk full or an I/O error: nothing more can be written safely until the operator acts. */
export function isDiskFailure(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'LEVEL_IO_ERROR' || /No space left|Input\/output error|IO error|ENOSPC|EIO/i.test(levelMessage(err));
}

/**
 * A LevelDB error as a typed ChainError. At open (`location` given) anything but a full disk is
 * damage ('corrupt-db', with the way out: a database that will not open is of no use, and the way
 * out rebuilds it). Later, damage LevelDB reports is 'corrupt-db' and a failing or full disk is
 * 'storage-failed'.
 */
export function storageError(err: unknown, what: string, wayOut: WayOut = '--reindex', location = ''): ChainError {
  if (err instanceof ChainError) return err;
  const message = levelMessage(err);
  const where = location ? ` at ${location}` : '';
  const diskFull = /No space left|ENOSPC/i.test(message);
  if (diskFull)
    return new ChainError(
      'storage-failed',
      `the disk holding the ${what}${where} is full (${message}); free some space, then start the node again`,
    );
  if (!location && isDiskFailure(err) && !/Corruption/i.test(message))
    return new ChainError('storage-failed', `the ${what}${where} could not be written or read: ${message}`);
  return new ChainError(
    'corrupt-db',
    `the ${what}${where} is damaged (${message}); run the node once with ${wayOut} to rebuild it`,
  );
}

/**
 * An iterator's entries `size` at a time, closed at the end. LevelDB stops an iterator at a table
 * block that fails: that is damage ('corrupt-db' naming `wayOut`), never a shorter answer.
 */
export async function* levelBatches<T>(
  it: { nextv(size: number): Promise<T[]>; close(): Promise<void> },
  size: number,
  what: string,
  wayOut: WayOut = '--reindex',
): AsyncGenerator<T[]> {
  try {
    for (;;) {
      let batch: T[];
      try {
        batch = await it.nextv(size);
      } catch (err) {
        throw storageError(err, what, wayOut);
      }
      if (batch.length === 0) return;
      yield batch;
    }
  } finally {
    await it.close();
  }
}
