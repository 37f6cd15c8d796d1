import type { IndexEntry } from './block-index.js';
import type { ChainState } from './state.js';
import type { BatchOp, ChainStore } from './store.js';

/**
 * One call through the chain's door (processBlock, processBlocks, an operator action): the writes
 * of the blocks it stored, which its next commit carries, and, per block, who sent it and who
 * wants to hear that it passed every rule. Nothing of one call waits in the chain for another.
 */
export class BlockCall {
  /** Records this call made that no batch has written yet, oldest first. */
  private unwrittenOps: BatchOp[] = [];
  /** The blocks whose records are in `unwrittenOps`. */
  private unwrittenEntries: IndexEntry[] = [];
  private readonly sources = new Map<IndexEntry, string>();
  private readonly listeners = new Map<IndexEntry, () => void>();

  constructor(private readonly defaultSource = 'local') {}

  /** `entry` was stored by this call: `ops` (its bytes and index record) ride with the next commit. */
  stored(entry: IndexEntry, ops: BatchOp[], source: string, onValidated?: () => void): void {
    this.unwrittenOps.push(...ops);
    this.unwrittenEntries.push(entry);
    this.sources.set(entry, source);
    if (onValidated) this.listeners.set(entry, onValidated);
  }

  /** Writes that must land in the same batch as the call's next commit (an operator's invalid marks). */
  carry(ops: BatchOp[]): void {
    this.unwrittenOps.push(...ops);
  }

  /** Who sent `entry` (blocks this call did not store are reported as the call's first source). */
  sourceOf(entry: IndexEntry): string {
    return this.sources.get(entry) ?? this.defaultSource;
  }

  /** `entry` passed every rule on its way onto the main chain: tell whoever handed it in. */
  validated(entry: IndexEntry): void {
    this.listeners.get(entry)?.();
  }

  /**
   * Write `ops` as ONE batch together with everything this call has not written yet. A batch that
   * fails leaves the call's records unwritten, for `finish` to write or take back.
   */
  async commit(store: ChainStore, ops: BatchOp[]): Promise<void> {
    if (this.unwrittenOps.length === 0) return store.batch(ops);
    const carried = this.unwrittenOps;
    const entries = this.unwrittenEntries;
    this.unwrittenOps = [];
    this.unwrittenEntries = [];
    try {
      await store.batch(ops.length ? [...carried, ...ops] : carried);
    } catch (err) {
      this.unwrittenOps = carried.concat(this.unwrittenOps);
      this.unwrittenEntries = entries.concat(this.unwrittenEntries);
      throw err;
    }
  }

  /**
   * The end of the call: write what no commit carried (blocks stored but not connected). If that
   * fails too, the blocks whose records never reached the disk leave memory as well, so the index
   * never holds a block the database lacks; a later call may store them again.
   */
  async finish(state: ChainState): Promise<void> {
    if (this.unwrittenOps.length === 0) return;
    try {
      await this.commit(state.store, []);
    } catch (err) {
      for (const e of this.unwrittenEntries.reverse()) {
        state.candidates.remove(e);
        state.reader.forget(e.hashHex);
        state.index.remove(e);
      }
      this.unwrittenOps = [];
      this.unwrittenEntries = [];
      throw err;
    }
  }
}
