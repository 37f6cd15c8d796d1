import { EventEmitter } from 'node:events';
import type { Chain } from '../chain/chain.js';
import type { Block } from '../consensus/block.js';
import type { Coin } from '../consensus/coin.js';
import { RejectCode } from '../consensus/errors.js';
import { checkTxInputs, signatureItems, type SignatureItem } from '../consensus/rules/contextual.js';
import { checkTransaction } from '../consensus/rules/tx.js';
import { decodeTx, encodeTx, isCoinbase, outpointKey, type Transaction } from '../consensus/tx.js';
import { sha256d } from '../crypto/hash.js';
import { bytesToHex } from '../encoding/hex.js';
import { feeRate, type MempoolEntry } from './entry.js';
import { EvictionIndex } from './eviction-index.js';
import { planEviction, type EvictionContext } from './eviction.js';
import { OrderedIntake } from './intake.js';
import { ancestorsOf, forEachAncestorOutside, topological, withDescendants } from './links.js';
import { Preverifier, sameSignature, type SignatureCheck } from './preverify.js';
import { selectForBlock } from './select.js';

export interface MempoolOptions {
  /** Total serialized bytes the pool may hold. */
  maxBytes: number;
  /** Minimum fee rate, base units per 1,000 bytes. */
  minRelayFeeRate: number;
  /** Entries older than this leave the pool (seconds). */
  expirySeconds: number;
  /** MAX_ANCESTORS: longest chain of unconfirmed parents a transaction may have. */
  maxAncestors: number;
  /** Checks payments' signatures off the main thread before the chain lock (preverify.ts); off when undefined. */
  preverify?: SignatureCheck;
}

const NONE: ReadonlySet<string> = new Set();

export const DEFAULT_MEMPOOL_OPTIONS: MempoolOptions = {
  maxBytes: 64 * 1024 * 1024,
  minRelayFeeRate: 1_000,
  expirySeconds: 14 * 24 * 3600,
  maxAncestors: 25,
};

/** `bytes` of an accepted transaction: its serialization, made once for its txid and size (relay it, store it). */
export type AcceptResult =
  | { accepted: true; txid: Uint8Array; fee: bigint; bytes: Uint8Array }
  | { accepted: false; code: RejectCode; reason: string };

export interface MempoolEvents {
  /** `bytes`: the transaction's serialization (the journal writes it). */
  added: [entry: MempoolEntry, bytes: Uint8Array];
  /** A transaction offered to the pool was turned down (metrics count them by code). */
  rejected: [info: { code: RejectCode; reason: string }];
  /** Re-admission after a reorg failed (for example because the chain closed meanwhile). */
  'revalidate-failed': [err: Error];
  /** A transaction of a disconnected block came back to the pool after a reorg. */
  readmitted: [entry: MempoolEntry];
  removed: [info: { entry: MempoolEntry; reason: 'block' | 'conflict' | 'expiry' | 'eviction' | 'reorg' }];
}

/**
 * Unconfirmed transactions, validated against the chain's UTXO set plus each other (a child may
 * spend an in-pool parent). Acceptance runs under the chain lock so the UTXO set cannot move
 * underneath it; chain events keep the pool in step with the tip.
 */
export class Mempool extends EventEmitter<MempoolEvents> {
  private readonly entries = new Map<string, MempoolEntry>();
  /** The entries by package fee rate, for eviction (every change to descFee or descSize goes through it). */
  private readonly byPackageRate = new EvictionIndex();
  /** outpoint key → id of the in-pool transaction spending it. */
  private readonly spentBy = new Map<string, string>();
  private bytes = 0;
  /** No entry expires before this time (a lower bound; the expiry scan recomputes it). */
  private nextExpiry = Number.POSITIVE_INFINITY;
  /** Transactions of disconnected blocks, lowest block first, waiting for re-admission. */
  private reorgTxs: Transaction[] = [];
  /** A block left the main chain since the last re-validation. */
  private reorgPending = false;
  readonly opts: MempoolOptions;
  private readonly preverifier: Preverifier | undefined;
  private readonly intake: OrderedIntake<Transaction, AcceptResult>;

  constructor(
    readonly chain: Chain,
    private readonly clock: () => number,
    opts: Partial<MempoolOptions> = {},
  ) {
    super();
    this.opts = { ...DEFAULT_MEMPOOL_OPTIONS, ...opts };
    this.preverifier = this.opts.preverify ? new Preverifier(this.opts.preverify) : undefined;
    this.intake = new OrderedIntake({
      prepare: (tx) => this.preverified(tx),
      withLock: (task) => this.chain.withLock(task),
      acceptLocked: async (tx, verified) => {
        const r = await this.acceptLocked(tx, verified);
        if (!r.accepted) this.emit('rejected', { code: r.code, reason: r.reason });
        return r;
      },
    });
    chain.on('connect', ({ block, txids }) => this.removeForBlock(block, txids));
    // Disconnect events come tip first: prepend, so a parent's block is re-admitted before its child's.
    chain.on('disconnect', ({ block }) => {
      // Copies: a decoded block's transactions are views into its bytes, which the pool must not keep alive.
      this.reorgTxs.unshift(...block.txs.slice(1).map((tx) => decodeTx(encodeTx(tx))));
      this.reorgPending = true;
    });
    // Re-admission waits for the chain lock to be released: queue it behind the transition.
    // Re-validate after any disconnect, even of blocks without transactions: a lower tip can
    // make an in-pool coinbase spend immature.
    chain.on('tip', () => {
      // Expiry runs on every tip too, so a quiet node never mines an expired transaction.
      this.expire();
      if (!this.reorgPending) return;
      const txs = this.reorgTxs;
      this.reorgTxs = [];
      this.reorgPending = false;
      // A failure here (the chain closing during shutdown) must not become an unhandled rejection.
      // Forced past a full queue: the transactions of a disconnected block must not be lost.
      chain
        .withLock(() => this.revalidateLocked(txs), { force: true })
        .catch((err: Error) => this.emit('revalidate-failed', err));
    });
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  has(id: Uint8Array | string): boolean {
    return this.entries.has(typeof id === 'string' ? id : bytesToHex(id));
  }

  get(id: Uint8Array | string): MempoolEntry | undefined {
    return this.entries.get(typeof id === 'string' ? id : bytesToHex(id));
  }

  all(): MempoolEntry[] {
    return [...this.entries.values()];
  }

  /** Up to `limit` entries from the cheapest package (an entry with its descendants) up: the order a full pool evicts in. */
  evictionOrder(limit = Infinity): MempoolEntry[] {
    const out: MempoolEntry[] = [];
    for (const c of this.byPackageRate.ascending()) {
      if (out.length >= limit) break;
      out.push(c.entry);
    }
    return out;
  }

  /** The in-pool transaction spending an outpoint, if any. */
  spender(txid: Uint8Array, index: number): MempoolEntry | undefined {
    const id = this.spentBy.get(outpointKey(txid, index));
    return id ? this.entries.get(id) : undefined;
  }

  /**
   * Validate and add a transaction. Serialized with the chain, and decided in the order of the
   * calls (intake.ts): the call itself puts the transaction in line, before it returns.
   */
  accept(tx: Transaction): Promise<AcceptResult> {
    return this.intake.submit(tx);
  }

  /** Outside the lock: the signatures of `tx` the preverifier found valid (preverify.ts). */
  private preverified(tx: Transaction): Promise<SignatureItem[]> {
    if (!this.preverifier) return Promise.resolve([]);
    return this.preverifier.verifyTx(tx, {
      genesisHash: this.chain.params.genesisHash,
      // A coin of an in-pool parent is spendable at the next height, like acceptLocked reads it.
      coin: (txid, index) => {
        const out = this.entries.get(bytesToHex(txid))?.tx.outputs[index];
        return out ? { ...out, height: this.chain.height + 1, coinbase: false } : this.chain.getCoin(txid, index);
      },
      cached: (it) => this.chain.isSignatureCached(it),
    });
  }

  /** Caller holds the chain lock. `verified`: signatures the preverifier found valid. */
  private async acceptLocked(tx: Transaction, verified: readonly SignatureItem[] = []): Promise<AcceptResult> {
    const fail = (code: RejectCode, reason: string): AcceptResult => ({ accepted: false, code, reason });
    const params = this.chain.params;
    this.expire();
    if (isCoinbase(tx)) return fail(RejectCode.TxCoinbase, 'a coinbase is only valid in a block');
    const sanity = checkTransaction(tx, params.maxBlockBytes - 1_000);
    if (!sanity.ok) return fail(sanity.code, sanity.reason);

    // One serialization for the txid, the size, the journal and the relay.
    const bytes = encodeTx(tx);
    const id = sha256d(bytes);
    const idHex = bytesToHex(id);
    if (this.entries.has(idHex)) return fail(RejectCode.AlreadyInMempool, 'transaction is already in the mempool');

    const coins: (Coin | undefined)[] = [];
    const parents = new Set<string>();
    for (const input of tx.inputs) {
      const conflict = this.spentBy.get(outpointKey(input.prevTxid, input.prevIndex));
      if (conflict) return fail(RejectCode.MempoolConflict, `input already spent by mempool transaction ${conflict}`);
      const parent = this.entries.get(bytesToHex(input.prevTxid));
      if (parent) {
        const out = parent.tx.outputs[input.prevIndex];
        coins.push(out ? { ...out, height: this.chain.height + 1, coinbase: false } : undefined);
        parents.add(parent.id);
      } else {
        coins.push(this.chain.getCoin(input.prevTxid, input.prevIndex));
      }
    }
    // A confirmed transaction has spent its inputs, so only a transaction with a missing input can
    // be one; asking first for its own outputs cost two database reads (misses) per payment.
    if (coins.includes(undefined)) {
      for (let i = 0; i < tx.outputs.length; i++) {
        if (this.chain.getCoin(id, i)) return fail(RejectCode.AlreadyKnown, 'transaction is already confirmed');
      }
    }
    const inputs = checkTxInputs(tx, coins, this.chain.height + 1, params.coinbaseMaturity);
    if (!inputs.ok) return fail(inputs.code, inputs.reason);
    const ancestors = ancestorsOf(this.entries, parents, this.opts.maxAncestors);
    if (ancestors.size + 1 > this.opts.maxAncestors) {
      return fail(RejectCode.TooLongMempoolChain, `more than ${this.opts.maxAncestors} unconfirmed ancestors`);
    }

    const size = bytes.length;
    const rate = feeRate(inputs.fee, size);
    if (rate < this.opts.minRelayFeeRate)
      return fail(
        RejectCode.MinRelayFeeNotMet,
        `fee rate ${rate.toFixed(0)} < minimum ${this.opts.minRelayFeeRate} per kB`,
      );

    // Plan evictions before the costly signature check, apply them only once the tx is known good.
    const evict = planEviction(this.evictionContext(), size, inputs.fee, rate, ancestors);
    if (!evict) return fail(RejectCode.MempoolFull, 'mempool is full and the fee rate is too low to evict enough');

    // Verified signatures are cached, so the block that confirms the transaction skips them.
    const checked = verified.length ? (it: SignatureItem) => verified.some((v) => sameSignature(v, it)) : undefined;
    const bad = await this.chain.verifySignatures(signatureItems(tx, coins as Coin[], params.genesisHash), checked);
    if (bad >= 0) return fail(RejectCode.BadSignature, `input signature ${bad} is invalid`);
    // The await above yields: a parent may have left (e.g. an expire() call from outside the lock).
    for (const p of parents)
      if (!this.entries.has(p)) return fail(RejectCode.InputsMissingOrSpent, `parent ${p} left the mempool`);

    this.removePackage(evict, 'eviction');

    const entry: MempoolEntry = {
      tx,
      txid: id,
      id: idHex,
      size,
      fee: inputs.fee,
      time: this.clock(),
      height: this.chain.height,
      parents,
      children: new Set(),
      descFee: inputs.fee,
      descSize: size,
    };
    this.entries.set(idHex, entry);
    this.byPackageRate.add(entry);
    for (const a of ancestors) {
      const ae = this.entries.get(a);
      if (!ae) continue;
      ae.descFee += inputs.fee;
      ae.descSize += size;
      this.byPackageRate.update(ae);
    }
    this.nextExpiry = Math.min(this.nextExpiry, entry.time + this.opts.expirySeconds);
    this.bytes += size;
    for (const input of tx.inputs) this.spentBy.set(outpointKey(input.prevTxid, input.prevIndex), idHex);
    for (const p of parents) this.entries.get(p)!.children.add(idHex);
    this.emit('added', entry, bytes);
    return { accepted: true, txid: id, fee: inputs.fee, bytes };
  }

  private removeEntry(e: MempoolEntry, reason: 'block' | 'conflict' | 'expiry' | 'eviction' | 'reorg'): void {
    if (!this.entries.delete(e.id)) return;
    this.byPackageRate.remove(e);
    this.bytes -= e.size;
    for (const input of e.tx.inputs) {
      const k = outpointKey(input.prevTxid, input.prevIndex);
      if (this.spentBy.get(k) === e.id) this.spentBy.delete(k);
    }
    for (const p of e.parents) this.entries.get(p)?.children.delete(e.id);
    for (const c of e.children) this.entries.get(c)?.parents.delete(e.id);
    this.emit('removed', { entry: e, reason });
  }

  private removeWithDescendants(e: MempoolEntry, reason: 'block' | 'conflict' | 'expiry' | 'eviction' | 'reorg'): void {
    this.removePackage(withDescendants(this.entries, e), reason);
  }

  /**
   * Remove a transaction with all its in-pool descendants (`pkg`), taking their fees and sizes
   * out of the descendant totals of the ancestors that stay. The ancestors are found before
   * anything is unlinked: once a middle transaction is gone, a descendant no longer leads to them.
   */
  private removePackage(
    pkg: readonly MempoolEntry[],
    reason: 'block' | 'conflict' | 'expiry' | 'eviction' | 'reorg',
  ): void {
    forEachAncestorOutside(this.entries, pkg, NONE, this.opts.maxAncestors, (a, x) => {
      const ae = this.entries.get(a);
      if (!ae) return;
      ae.descFee -= x.fee;
      ae.descSize -= x.size;
      this.byPackageRate.update(ae);
    });
    for (const x of pkg) this.removeEntry(x, reason);
  }

  /** What eviction planning (eviction.ts) reads of the pool. */
  private evictionContext(): EvictionContext {
    return {
      bytes: this.bytes,
      maxBytes: this.opts.maxBytes,
      index: this.byPackageRate,
      entry: (id) => this.entries.get(id),
      withDescendants: (e) => withDescendants(this.entries, e),
      forEachAncestorOutside: (pkg, skip, fn) =>
        forEachAncestorOutside(this.entries, pkg, skip, this.opts.maxAncestors, fn),
    };
  }

  /** Drop entries (with descendants) older than the expiry age. */
  expire(now = this.clock()): number {
    // Nothing can be due before the earliest expiry seen: skip the scan (it runs on every accept).
    if (now <= this.nextExpiry) return 0;
    let n = 0;
    let next = Number.POSITIVE_INFINITY;
    for (const e of [...this.entries.values()]) {
      if (!this.entries.has(e.id)) continue;
      if (now - e.time > this.opts.expirySeconds) {
        const before = this.entries.size;
        this.removeWithDescendants(e, 'expiry');
        n += before - this.entries.size;
      } else next = Math.min(next, e.time + this.opts.expirySeconds);
    }
    this.nextExpiry = next;
    return n;
  }

  /** A block connected: its transactions leave, and so does anything spending the same coins. */
  private removeForBlock(block: Block, txids: Uint8Array[]): void {
    for (let t = 1; t < block.txs.length; t++) {
      const e = this.entries.get(bytesToHex(txids[t]!));
      if (e) {
        // Confirmed: its children stay (their parent is now a confirmed coin).
        for (const c of e.children) this.entries.get(c)?.parents.delete(e.id);
        e.children.clear();
        this.removeEntry(e, 'block');
      }
      for (const input of block.txs[t]!.inputs) {
        const other = this.spentBy.get(outpointKey(input.prevTxid, input.prevIndex));
        const oe = other ? this.entries.get(other) : undefined;
        if (oe) this.removeWithDescendants(oe, 'conflict');
      }
    }
  }

  /**
   * After a reorg: transactions of disconnected blocks come back when still valid, and every
   * pool entry is checked again against the new UTXO set (its coins may be gone or immature now).
   * Caller holds the chain lock.
   */
  private async revalidateLocked(disconnected: Transaction[]): Promise<void> {
    const previous = topological(
      this.entries,
      [...this.entries.values()].sort((a, b) => a.time - b.time),
    );
    for (const e of previous) this.removeEntry(e, 'reorg');
    for (const tx of disconnected) {
      const r = await this.acceptLocked(tx);
      // Peers on the winning branch have never seen these: the node relays them again.
      if (r.accepted) this.emit('readmitted', this.entries.get(bytesToHex(r.txid))!);
    }
    for (const e of previous) {
      const r = await this.acceptLocked(e.tx);
      if (r.accepted) {
        this.entries.get(bytesToHex(r.txid))!.time = e.time;
        this.nextExpiry = Math.min(this.nextExpiry, e.time + this.opts.expirySeconds);
      }
    }
  }

  /** Transactions for the miner's next block: see selectForBlock. */
  selectForBlock(maxBytes: number): MempoolEntry[] {
    return selectForBlock(this.entries, maxBytes);
  }

  /** Every transaction, parents before children (for persistence across restarts). */
  ordered(): Transaction[] {
    return selectForBlock(this.entries, Number.MAX_SAFE_INTEGER).map((e) => e.tx);
  }
}
