import { blockSubsidy } from '../consensus/amounts.js';
import type { Block } from '../consensus/block.js';
import type { Coin } from '../consensus/coin.js';
import { OK, RejectCode, RuleError, assertRule, reject, type RuleResult } from '../consensus/errors.js';
import type { NetworkParams } from '../consensus/params/types.js';
import {
  checkCoinbaseAmount,
  checkCoinbaseHeight,
  checkTxInputs,
  signatureItems,
  type SignatureItem,
} from '../consensus/rules/contextual.js';
import { DecodeError } from '../encoding/errors.js';
import { bytesKey, equalBytes, hashToHex } from '../encoding/hex.js';
import { corruptState } from './errors.js';
import { outpointMapKey } from '../consensus/tx.js';
import type { CoinView } from './coin-view.js';
import { decodeUndo, encodeUndo, keys } from './layout.js';

/** Verifies many signatures at once; returns the index of the first invalid one, or -1. */
export interface BatchVerifier {
  verifyBatch(items: SignatureItem[]): Promise<number>;
}

export interface SignatureCacheLike {
  readonly size: number;
  has(item: SignatureItem): boolean;
}

export interface ConnectContext {
  params: NetworkParams;
  verifier: BatchVerifier;
  sigCache: SignatureCacheLike;
}

/**
 * Signatures handed to the verifier at once while the block's later transactions are still being
 * checked (the VerifyPool sends batches this size to its workers rather than verifying inline).
 */
const EARLY_CHUNK = 64;

/**
 * Starts verifying a block's signatures while connectBlock is still walking its transactions:
 * every EARLY_CHUNK new items go to the verifier (worker threads) at once, so the threads verify
 * while this thread looks up coins and builds the rest of the batch, instead of waiting for
 * the whole list. `finish` sends the rest and answers what one verifyBatch over the whole list
 * would: the index of the first invalid signature, or -1. Chunks started before a rule failure
 * stop mattering: their results (and errors) are dropped, as no verification happened before.
 */
class EarlyVerifier {
  private readonly chunks: Promise<number>[] = [];
  private sent = 0;

  constructor(
    private readonly verifier: BatchVerifier,
    private readonly items: SignatureItem[],
  ) {}

  dispatchFull(): void {
    while (this.items.length - this.sent >= EARLY_CHUNK) this.dispatch(this.sent + EARLY_CHUNK);
  }

  async finish(): Promise<number> {
    if (this.sent < this.items.length) this.dispatch(this.items.length);
    // Chunks are in item order: the first one reporting an invalid item holds the first overall.
    for (const bad of await Promise.all(this.chunks)) if (bad >= 0) return bad;
    return -1;
  }

  private dispatch(end: number): void {
    const offset = this.sent;
    const chunk = this.verifier.verifyBatch(this.items.slice(offset, end)).then((i) => (i < 0 ? -1 : offset + i));
    // Awaited by finish; a block that fails a rule first never awaits it and must not leave an unhandled rejection.
    chunk.catch(() => undefined);
    this.chunks.push(chunk);
    this.sent = end;
  }
}

/** Per-address history of one transaction, one per pubKeyHash, in first-seen order. */
interface HistoryDelta {
  pkh: Uint8Array;
  received: bigint;
  sent: bigint;
  /** Indexes of the outputs paying the address: the address index's pointers into the UTXO set. */
  outputs: number[];
}

/** Past this many addresses in one transaction the deltas are found by map instead of by scan. */
const SCAN_LIMIT = 8;

function historyDeltas(
  outputs: readonly { value: bigint; pubKeyHash: Uint8Array }[],
  spent: readonly Coin[],
): HistoryDelta[] {
  // A payment touches two or three addresses: comparing 20 bytes with each is cheaper than building
  // a string key per output. A coinbase paying thousands of addresses switches to a map.
  const list: HistoryDelta[] = [];
  let byKey: Map<string, HistoryDelta> | undefined;
  const at = (pkh: Uint8Array): HistoryDelta => {
    const key = byKey === undefined ? undefined : bytesKey(pkh);
    if (key === undefined) {
      for (let i = 0; i < list.length; i++) if (equalBytes(list[i]!.pkh, pkh)) return list[i]!;
    } else {
      const found = byKey!.get(key);
      if (found) return found;
    }
    const d: HistoryDelta = { pkh, received: 0n, sent: 0n, outputs: [] };
    list.push(d);
    if (key !== undefined) byKey!.set(key, d);
    else if (list.length > SCAN_LIMIT) byKey = new Map(list.map((e) => [bytesKey(e.pkh), e]));
    return d;
  };
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i]!;
    const d = at(o.pubKeyHash);
    d.received += o.value;
    d.outputs.push(i);
  }
  for (let i = 0; i < spent.length; i++) at(spent[i]!.pubKeyHash).sent += spent[i]!.value;
  return list;
}

/** A block whose rules are checked but whose signatures may still be in flight. */
export interface PendingConnect {
  fees: bigint;
  /** Wait for the signatures (throws RuleError bad-signature), then record the undo data in the view. */
  finish(): Promise<void>;
}

/**
 * Check `block` at `height` on top of the state in `view`: every contextual transaction rule, the
 * coinbase height and amount, and send every signature not already cached to the verifier.
 * Throws RuleError on the first violation; otherwise `view` holds the new coins and the address
 * history, and `finish` completes the block once its signatures are verified. Nothing waits for
 * the signatures before `finish`, so a caller can check the next block meanwhile (the worker
 * threads verify this block's signatures while the main thread looks up the next one's coins).
 */
export function startConnect(
  ctx: ConnectContext,
  view: CoinView,
  block: Block,
  blockHash: Uint8Array,
  txids: Uint8Array[],
  height: number,
): PendingConnect {
  const { params } = ctx;
  assertRule(checkCoinbaseHeight(block, height));
  const allSpent: Coin[] = [];
  const pendingSigs: SignatureItem[] = [];
  // Cached signatures are skipped; a block's own are not added. Its transactions are confirmed
  // and will not be checked again (a reorg sends them through the mempool, which caches
  // afresh), so storing them would only push out what the mempool verified.
  const useCache = ctx.sigCache.size > 0;
  const sigs = new EarlyVerifier(ctx.verifier, pendingSigs);
  let fees = 0n;

  for (let t = 0; t < block.txs.length; t++) {
    const tx = block.txs[t]!;
    const id = txids[t]!;
    let spent: Coin[] = [];
    if (t > 0) {
      const outpoints = tx.inputs.map((i) => outpointMapKey(i.prevTxid, i.prevIndex));
      const coins = tx.inputs.map((i, n) => view.get(i.prevTxid, i.prevIndex, outpoints[n]));
      const r = checkTxInputs(tx, coins, height, params.coinbaseMaturity);
      if (!r.ok) throw new RuleError(r.code, `tx ${hashToHex(id)}: ${r.reason}`);
      fees += r.fee;
      spent = coins as Coin[];
      for (const item of signatureItems(tx, spent, params.genesisHash)) {
        if (!useCache || !ctx.sigCache.has(item)) pendingSigs.push(item);
      }
      sigs.dispatchFull();
      tx.inputs.forEach((input, i) => view.spend(input.prevTxid, input.prevIndex, outpoints[i]));
      for (const c of spent) allSpent.push(c);
    }
    view.addOutputs(id, tx.outputs, height, t === 0);
    for (const d of historyDeltas(tx.outputs, spent)) {
      view.putHistory(d.pkh, height, id, d.received, d.sent, d.outputs);
    }
  }

  assertRule(checkCoinbaseAmount(block.txs[0]!, blockSubsidy(height, params.halvingInterval), fees));
  // The rest go now too: the verifier works on them while the caller moves on.
  const verdict = pendingSigs.length > 0 ? sigs.finish() : Promise.resolve(-1);
  verdict.catch(() => undefined);

  return {
    fees,
    async finish() {
      const bad = await verdict;
      if (bad >= 0)
        throw new RuleError(
          RejectCode.BadSignature,
          `signature ${bad} of the block's unverified signatures is invalid`,
        );
      view.put(keys.undo(blockHash), encodeUndo(allSpent));
    },
  };
}

/** Connect `block` completely: `startConnect`, then its signatures. The caller adds height index and tip and commits. */
export async function connectBlock(
  ctx: ConnectContext,
  view: CoinView,
  block: Block,
  blockHash: Uint8Array,
  txids: Uint8Array[],
  height: number,
): Promise<{ fees: bigint }> {
  const pending = startConnect(ctx, view, block, blockHash, txids, height);
  await pending.finish();
  return { fees: pending.fees };
}

/**
 * Undo `block` (the current tip of the state in `view`) with its undo record: remove the coins it
 * created, restore the coins it spent, drop its address history. A missing, undecodable or
 * ill-fitting undo record means the database is damaged: ChainError('corrupt-state').
 */
/**
 * The coins a connected block spent, from its undo record (in input order, coinbase excluded). A
 * record that is missing or does not decode is damaged state: ChainError('corrupt-state').
 */
export function undoCoins(undoBytes: Uint8Array | undefined, blockHash: Uint8Array): Coin[] {
  const undoOf = `undo record of block ${hashToHex(blockHash)}`;
  if (!undoBytes) throw corruptState(`${undoOf} is missing`);
  try {
    return decodeUndo(undoBytes);
  } catch (err) {
    if (err instanceof DecodeError) throw corruptState(`${undoOf} does not decode (${err.message})`);
    throw err;
  }
}

export function disconnectBlock(
  view: CoinView,
  block: Block,
  blockHash: Uint8Array,
  txids: Uint8Array[],
  height: number,
  undoBytes: Uint8Array | undefined,
  opts: { strict?: boolean } = {},
): void {
  const undoOf = `undo record of block ${hashToHex(blockHash)}`;
  const undo = undoCoins(undoBytes, blockHash);
  let cursor = undo.length;
  for (let t = block.txs.length - 1; t >= 0; t--) {
    const tx = block.txs[t]!;
    const id = txids[t]!;
    tx.outputs.forEach((_o, i) => {
      const key = outpointMapKey(id, i);
      const coin = view.get(id, i, key);
      if (coin) view.spend(id, i, key);
      // An output spent later on the chain is already gone; when checking a chain (strict) it must not be.
      else if (opts.strict)
        throw corruptState(`output ${i} of tx ${hashToHex(id)} at height ${height} is missing from the UTXO set`);
    });
    let spent: Coin[] = [];
    if (t > 0) {
      cursor -= tx.inputs.length;
      if (cursor < 0) throw corruptState(`${undoOf} is too short for its inputs`);
      spent = undo.slice(cursor, cursor + tx.inputs.length);
      tx.inputs.forEach((input, i) => view.add(input.prevTxid, input.prevIndex, spent[i]!));
    }
    for (const d of historyDeltas(tx.outputs, spent)) view.del(keys.addrHistory(d.pkh, height, id));
  }
  if (cursor !== 0) throw corruptState(`${undoOf} is longer than its inputs`);
  view.del(keys.undo(blockHash));
}

/** Validate `block` as the child of the view's tip without keeping anything (a miner's dry run). */
export async function testConnect(
  ctx: ConnectContext,
  view: CoinView,
  block: Block,
  blockHash: Uint8Array,
  txids: Uint8Array[],
  height: number,
): Promise<RuleResult> {
  try {
    await connectBlock(ctx, view, block, blockHash, txids, height);
    return OK;
  } catch (err) {
    if (err instanceof RuleError) return reject(err.code, err.reason);
    throw err;
  }
}
