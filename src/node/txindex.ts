import { ClassicLevel } from 'classic-level';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IndexEntry } from '../chain/block-index.js';
import type { Transaction } from '../consensus/tx.js';
import { equalBytes, hashToHex } from '../encoding/hex.js';
import type { ChainQueries } from './chain-queries.js';

/**
 * The transaction index: txid → height of the main-chain block that holds it, so
 * `getrawtransaction <txid>` and `gettxoutproof` find a confirmed transaction without being told
 * its block (bitcoind's -txindex). The chain's address index answers "which transactions touch
 * this address", never "where is this txid"; this is the missing direction.
 *
 * It lives in a database of its own (`<datadir>/txindex`), like bitcoind's indexes/txindex, and
 * follows the chain rather than being part of it: while it is level with the tip it takes each
 * connected or disconnected block's txids from the chain's events (no block is read again); after
 * a restart, a crash or a reindex it catches up by reading blocks, undoing blocks that left the
 * main chain before adding the new branch. Each batch it writes carries its best block, so a crash
 * leaves it consistent at some block of the past, and start-up resumes from there. A lookup is
 * checked against the block it names, so an index that lags the tip by a moment answers "not
 * found", never a wrong transaction.
 *
 *   key                value
 *   't' txid           height u32 (BE)
 *   'B'                hash of the last indexed block (internal order)
 */
const T = 0x74;
const BEST = Uint8Array.of(0x42);
/** Blocks read per batch while catching up: one batch stays small, and the loop yields between them. */
const CATCH_UP_BLOCKS = 200;

function txKey(txid: Uint8Array): Uint8Array {
  const k = new Uint8Array(33);
  k[0] = T;
  k.set(txid, 1);
  return k;
}

function u32be(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

async function openIndexDb(location: string): Promise<ClassicLevel<Uint8Array, Uint8Array>> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  return db;
}

type Op = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

export interface TxIndexLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class TxIndex {
  /** The last block the index (with what is queued to be written) covers. */
  private best: IndexEntry | undefined;
  private pending: Op[] = [];
  private writing: Promise<void> = Promise.resolve();
  private catchingUp = false;
  private dirty = false;
  private closed = false;
  private readonly unsubscribe: (() => void)[] = [];

  private constructor(
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
    private readonly chain: ChainQueries,
    private readonly log: TxIndexLog,
  ) {}

  /**
   * Open (or create) the index at `location` and start following the chain. The index is derived
   * from the chain alone, so a damaged one (LevelDB refuses to open it, or its CURRENT file is
   * gone while its tables remain) is not a reason to refuse to start: it is logged, set aside and
   * built again from the blocks.
   */
  static async open(location: string, chain: ChainQueries, log: TxIndexLog): Promise<TxIndex> {
    let db: ClassicLevel<Uint8Array, Uint8Array>;
    try {
      if (existsSync(location) && !existsSync(join(location, 'CURRENT')) && readdirSync(location).length > 0)
        throw new Error('its CURRENT file is missing');
      db = await openIndexDb(location);
    } catch (err) {
      log.error(
        { location, reason: (err as Error).message },
        'transaction index damaged; rebuilding it from the chain (getrawtransaction answers "not found" until it catches up)',
      );
      rmSync(location, { recursive: true, force: true });
      db = await openIndexDb(location);
    }
    const index = new TxIndex(db, chain, log);
    const best = db.getSync(BEST);
    index.best = best ? chain.entry(best) : undefined;
    if (best && !index.best) {
      // The chain no longer knows the block this index stopped at (a new chain database): start over.
      log.info({ best: hashToHex(best) }, 'transaction index: its last block is unknown to the chain, rebuilding');
      await db.clear();
    }
    index.unsubscribe.push(
      chain.onConnect((e, txids) => index.follow(e, txids, 'connect')),
      chain.onDisconnect((e, txids) => index.follow(e, txids, 'disconnect')),
    );
    index.schedule();
    return index;
  }

  /** Level with the chain's tip (as far as this node's state is written). */
  get synced(): boolean {
    return this.best === this.chain.tip();
  }

  /** Height of the last indexed block (-1 before genesis is indexed). */
  get height(): number {
    return this.best?.height ?? -1;
  }

  /** The main-chain block holding `txid`, if the index knows one; checked against the block itself. */
  locate(txid: Uint8Array): { entry: IndexEntry; position: number; tx: Transaction } | undefined {
    if (this.closed) return undefined;
    const v = this.db.getSync(txKey(txid));
    if (!v || v.length !== 4) return undefined;
    const height = ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0;
    const entry = this.chain.atHeight(height);
    if (!entry) return undefined;
    const block = this.chain.block(entry);
    const position = block.txids.findIndex((t) => equalBytes(t, txid));
    return position < 0 ? undefined : { entry, position, tx: block.txs[position]! };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    await this.writing.catch(() => undefined);
    // Whatever the last event queued is written before closing: nothing indexed is lost at a clean stop.
    await this.flush().catch(() => undefined);
    await this.db.close();
  }

  /** A block joined or left the main chain: index it from the event when it follows on from `best`. */
  private follow(entry: IndexEntry, txids: Uint8Array[], kind: 'connect' | 'disconnect'): void {
    if (this.closed) return;
    const inStep = kind === 'connect' ? entry.parent === this.best : entry === this.best;
    if (this.catchingUp || !inStep) {
      this.dirty = true;
      this.schedule();
      return;
    }
    this.queueBlock(entry, txids, kind);
    this.writing = this.writing.then(() => this.flush()).catch((err: Error) => this.failed(err));
  }

  private queueBlock(entry: IndexEntry, txids: Uint8Array[], kind: 'connect' | 'disconnect'): void {
    for (const t of txids)
      this.pending.push(
        kind === 'connect'
          ? { type: 'put', key: txKey(t), value: u32be(entry.height) }
          : { type: 'del', key: txKey(t) },
      );
    this.best = kind === 'connect' ? entry : entry.parent;
  }

  /** Write what is queued, with the best block it leads to, as one batch. */
  private async flush(): Promise<void> {
    if (this.pending.length === 0 || this.db.status !== 'open') return;
    const ops = this.pending;
    this.pending = [];
    const batch = this.db.batch();
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
    if (this.best) batch.put(BEST, this.best.hash);
    else batch.del(BEST);
    await batch.write();
  }

  private failed(err: Error): void {
    if (!this.closed) this.log.error({ err }, 'transaction index: write failed; it catches up at the next start');
  }

  private schedule(): void {
    if (this.catchingUp || this.closed) return;
    this.catchingUp = true;
    void this.catchUp()
      .catch((err: Error) => this.failed(err))
      .finally(() => {
        this.catchingUp = false;
        if (this.dirty && !this.closed) this.schedule();
      });
  }

  /** Walk from `best` to the tip by reading blocks: back off a branch that left the main chain, then forward. */
  private async catchUp(): Promise<void> {
    await this.writing;
    const started = this.best?.height ?? -1;
    let logged = Date.now();
    do {
      this.dirty = false;
      while (!this.closed && this.best !== this.chain.tip()) {
        for (let n = 0; n < CATCH_UP_BLOCKS && this.best !== this.chain.tip(); n++) this.step();
        await (this.writing = this.writing.then(() => this.flush()));
        if (Date.now() - logged > 10_000) {
          logged = Date.now();
          this.log.info({ height: this.height, tip: this.chain.tip().height }, 'transaction index catching up');
        }
        await new Promise((r) => setImmediate(r));
      }
    } while (this.dirty && !this.closed);
    if (this.height - started > CATCH_UP_BLOCKS)
      this.log.info({ height: this.height }, 'transaction index caught up with the chain');
  }

  private step(): void {
    const best = this.best;
    if (best && !this.chain.isOnMainChain(best)) {
      this.queueBlock(best, this.chain.block(best).txids, 'disconnect');
      return;
    }
    const next = this.chain.atHeight(best ? best.height + 1 : 0)!;
    this.queueBlock(next, this.chain.block(next).txids, 'connect');
  }
}
