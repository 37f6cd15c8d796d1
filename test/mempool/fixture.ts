import type { BatchVerifier, ChainOptions } from '../../src/chain/index.js';
import type { SignatureItem } from '../../src/consensus/rules/contextual.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import type { Coin } from '../../src/consensus/coin.js';
import { signatureItems } from '../../src/consensus/rules/contextual.js';
import { encodeTx, outpointKey, txid, type Transaction, type TxOutput } from '../../src/consensus/tx.js';
import { CURVE_ORDER } from '../../src/crypto/signature.js';
import { bytesToHex, hexToBytes } from '../../src/encoding/hex.js';
import { feeRate, Mempool, type AcceptResult, type MempoolOptions } from '../../src/mempool/index.js';
import { ChainHarness } from '../chain/harness.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { regtest } from '../helpers/mine.js';
import { coinsOf, payTo, signSpend, type OwnedCoin } from '../helpers/tx.js';

export const alice: TestKey = testKey('alice');
export const bob: TestKey = testKey('bob');
/** One coin in base units. */
export const COIN = 100_000_000n;
/** Serialized size of a spend with `nIn` inputs and `nOut` outputs (all counts < 253). */
export const spendSize = (nIn: number, nOut: number): number => 4 + 1 + nIn * (32 + 4 + 1 + 97) + 1 + nOut * 28 + 4;

export interface PoolFixture {
  h: ChainHarness;
  pool: Mempool;
  /** Confirmed, spendable coins owned by alice, COIN each (created by block 'fund' at height 102). */
  coins: OwnedCoin[];
  /** The confirmed transaction that created `coins`. */
  fund: Transaction;
  /** Name of the current tip block after setup ('fund'). */
  tip: string;
  close(): Promise<void>;
}

/**
 * A real chain on a classic-level database in a temp dir: 101 empty regtest blocks (so the
 * coinbase of a1 is mature), then block 'fund' fanning that coinbase out into `nCoins` coins
 * of 1 COIN each for alice, and a mempool on top with `opts`.
 */
export async function poolFixture(
  opts: Partial<MempoolOptions> = {},
  nCoins = 16,
  chainOpts: Partial<ChainOptions> = {},
): Promise<PoolFixture> {
  const h = await ChainHarness.create(chainOpts);
  try {
    await h.extend('a', 'genesis', 101);
    const cb = h.get('a1').coinbase[0]!;
    const fanOut = signSpend({
      inputs: [cb],
      outputs: Array.from({ length: nCoins }, () => payTo(alice, COIN)),
      genesisHash: regtest.genesisHash,
    });
    const fee = cb.coin.value - COIN * BigInt(nCoins);
    h.block('fund', 'a101', { txs: [fanOut], fees: fee });
    const r = await h.submit('fund');
    if (r.status !== 'connected') throw new Error(`fund: ${JSON.stringify(r)}`);
    const pool = new Mempool(h.chain, h.clock.read, opts);
    return { h, pool, coins: coinsOf(fanOut, 102, alice), fund: fanOut, tip: 'fund', close: () => h.close() };
  } catch (err) {
    await h.close();
    throw err;
  }
}

/** A signed spend of `inputs` paying `outputs`. */
export function spend(inputs: OwnedCoin[], outputs: TxOutput[]): Transaction {
  return signSpend({ inputs, outputs, genesisHash: regtest.genesisHash });
}

/** Spend one coin into `nOut` equal outputs for `to`, leaving `fee` (the remainder goes to output 0). */
export function pay(coin: OwnedCoin, fee: bigint, to: TestKey = alice, nOut = 1): Transaction {
  const total = coin.coin.value - fee;
  const each = total / BigInt(nOut);
  const outputs = Array.from({ length: nOut }, (_, i) => payTo(to, i === 0 ? total - each * BigInt(nOut - 1) : each));
  return spend([coin], outputs);
}

/** The outputs of an unconfirmed (or confirmed) tx as coins `key` can spend. */
export function outs(tx: Transaction, key: TestKey = alice, height = 0): OwnedCoin[] {
  return coinsOf(tx, height, key);
}

export const idOf = (tx: Transaction): string => bytesToHex(txid(tx));
export const sizeOf = (tx: Transaction): number => encodeTx(tx).length;
/** Fee (base units) a 1-in-1-out spend must leave for a fee rate of `rate` per 1,000 bytes. */
export const feeFor = (rate: number, size = spendSize(1, 1)): bigint => BigInt(Math.ceil((rate * size) / 1000));
export const rateOf = (fee: bigint, tx: Transaction): number => feeRate(fee, sizeOf(tx));

/** Accept and insist it worked; returns the fee. */
export async function mustAccept(pool: Mempool, tx: Transaction): Promise<bigint> {
  const r = await pool.accept(tx);
  if (!r.accepted) throw new Error(`expected acceptance, got ${r.code}: ${r.reason}`);
  return r.fee;
}

/** The reject code, or 'accepted'. */
export const codeOf = (r: AcceptResult): string => (r.accepted ? 'accepted' : r.code);

/** Everything observable about the pool's contents, to compare before and after. */
export function snapshot(pool: Mempool): { ids: string[]; bytes: number; spenders: string[] } {
  const entries = pool.all();
  const spenders = entries.flatMap((e) =>
    e.tx.inputs.map(
      (i) => `${outpointKey(i.prevTxid, i.prevIndex)}>${pool.spender(i.prevTxid, i.prevIndex)?.id ?? '-'}`,
    ),
  );
  return { ids: entries.map((e) => e.id).sort(), bytes: pool.totalBytes, spenders: spenders.sort() };
}

/** Ids in the pool, sorted. */
export const poolIds = (pool: Mempool): string[] =>
  pool
    .all()
    .map((e) => e.id)
    .sort();

/**
 * The pool is consistent with the chain: every input of every entry spends either a confirmed
 * unspent coin or an output of an in-pool parent listed in `parents`, byte accounting adds up,
 * and each entry's descendant totals (what eviction ranks) equal a fresh walk of its descendants.
 */
export function assertConsistent(pool: Mempool): void {
  let bytes = 0;
  for (const e of pool.all()) {
    bytes += e.size;
    for (const i of e.tx.inputs) {
      const pid = bytesToHex(i.prevTxid);
      const parent = pool.get(pid);
      if (parent) {
        if (!e.parents.has(pid) || !parent.children.has(e.id))
          throw new Error(`${e.id}: parent link to ${pid} missing`);
        if (!parent.tx.outputs[i.prevIndex]) throw new Error(`${e.id}: spends a missing output of ${pid}`);
      } else if (!pool.chain.getCoin(i.prevTxid, i.prevIndex)) {
        throw new Error(
          `${e.id}: input ${outpointKey(i.prevTxid, i.prevIndex)} is neither in the pool nor unspent on the chain`,
        );
      }
    }
    for (const p of e.parents) if (!pool.has(p)) throw new Error(`${e.id}: parent ${p} is not in the pool`);
    let fee = 0n;
    let size = 0;
    const seen = new Set<string>();
    const stack = [e.id];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const x = pool.get(id)!;
      fee += x.fee;
      size += x.size;
      stack.push(...x.children);
    }
    if (e.descFee !== fee || e.descSize !== size)
      throw new Error(
        `${e.id}: descendant totals ${e.descFee}/${e.descSize}, its descendants add up to ${fee}/${size}`,
      );
  }
  if (bytes !== pool.totalBytes) throw new Error(`totalBytes ${pool.totalBytes}, entries add up to ${bytes}`);
  // The eviction index: every entry, by package rate, ties in arrival order (a stable sort of all()).
  const expected = pool
    .all()
    .map((e) => ({ id: e.id, rate: feeRate(e.descFee, e.descSize) }))
    .sort((a, b) => a.rate - b.rate)
    .map((e) => e.id);
  const indexed = pool.evictionOrder().map((e) => e.id);
  if (indexed.join() !== expected.join())
    throw new Error(`eviction order ${indexed.join()} is not package-rate order ${expected.join()}`);
}

/** The signature triples a tx's inputs need (coins in input order). */
export function sigItems(tx: Transaction, coins: Coin[]) {
  return signatureItems(tx, coins, regtest.genesisHash);
}

/** n - s: the high-S twin of a low-S compact signature (same validity, non-canonical form). */
export function negateS(sig: Uint8Array): Uint8Array {
  const n = BigInt(`0x${bytesToHex(CURVE_ORDER)}`);
  const s = BigInt(`0x${bytesToHex(sig.subarray(32))}`);
  const out = sig.slice();
  out.set(hexToBytes((n - s).toString(16).padStart(64, '0')), 32);
  return out;
}

/** Wait for work the pool queued behind the chain lock (reorg re-admission). */
export async function settle(pool: Mempool): Promise<void> {
  await pool.chain.withLock(async () => {});
}

/** A real VerifyPool that also records how many signatures each batch asked it to verify. */
export class CountingVerifier implements BatchVerifier {
  readonly batches: number[] = [];
  private readonly inner = new VerifyPool({ size: 1 });
  verifyBatch(items: SignatureItem[]): Promise<number> {
    this.batches.push(items.length);
    return this.inner.verifyBatch(items);
  }
  get total(): number {
    return this.batches.reduce((a, b) => a + b, 0);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
