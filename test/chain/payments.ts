/**
 * Shared pieces for the batch, pipeline, event and coin-cache tests: runs of blocks that carry
 * payments (so every block has signatures to verify and coins to look up), a signature damaged
 * after signing, the chain's derived state as comparable text, and a verifier that holds its
 * answers back so a test decides when a block's signatures are "done".
 */
import type { BatchVerifier, Chain } from '../../src/chain/index.js';
import { keys } from '../../src/chain/layout.js';
import type { SignatureItem } from '../../src/consensus/rules/contextual.js';
import { txid, type Transaction } from '../../src/consensus/tx.js';
import { VerifyPool } from '../../src/crypto/verify-pool.js';
import { bytesToHex } from '../../src/encoding/hex.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { cloneTx, payTo, type OwnedCoin } from '../helpers/tx.js';
import { internals, type ChainHarness } from './harness.js';

export const COIN = 100_000_000n;
/** Regtest coinbase maturity, restated: payments wait this many blocks. */
export const COINBASE_MATURITY = 100;
export const alice = testKey('alice');
export const bob = testKey('bob');
export const carol = testKey('carol');

/** The coin `tx` pays to output `index`, confirmed in block `at`, spendable by `key`. */
export function outputOf(h: ChainHarness, tx: Transaction, index: number, at: string, key: TestKey): OwnedCoin {
  return {
    outpoint: { txid: txid(tx), index },
    coin: { ...tx.outputs[index]!, height: h.get(at).height, coinbase: false },
    key,
  };
}

/**
 * The same transaction with one byte of its first input's signature flipped: still well formed
 * and canonical (r changes, low s stays), so it passes every rule except the signature check.
 * The txid changes with it, and a block built around it has a valid merkle root.
 */
export function corruptSignature(tx: Transaction): Transaction {
  const bad = cloneTx(tx);
  // unlock = 33-byte pubkey || r(32) || s(32): byte 40 is inside r.
  bad.inputs[0]!.unlock[40]! ^= 0x01;
  return bad;
}

export interface PaymentRunOpts {
  /** Block number (1-based) whose first payment gets a damaged signature. */
  corrupt?: number;
  /** Extra transactions for block i, after its own payments. */
  extraTxs?: (i: number) => Transaction[];
  /** The first coinbase (of block `c${firstCoinbase}`) the run spends; default 1. */
  firstCoinbase?: number;
}

/**
 * Build (not submit) `${prefix}1..n` on `parent`. Block i pays the coinbase of c(first+i-1) to
 * alice and bob, and, from block 2 on, passes alice's coin of the block before to carol: so each
 * block spends a coin its predecessor created, which a pipelined connect reads from the
 * predecessor's still-uncommitted view. Requires `c1..` built 100+ blocks below `parent`.
 */
export function paymentRun(
  h: ChainHarness,
  prefix: string,
  parent: string,
  n: number,
  opts: PaymentRunOpts = {},
): string[] {
  const names: string[] = [];
  let prevAlice: OwnedCoin | undefined;
  let prev = parent;
  for (let i = 1; i <= n; i++) {
    const name = `${prefix}${i}`;
    const cb = h.get(`c${(opts.firstCoinbase ?? 1) + i - 1}`).coinbase[0]!;
    let pay = h.spend([cb], [payTo(alice, 30n * COIN), payTo(bob, 19n * COIN)]);
    if (opts.corrupt === i) pay = corruptSignature(pay);
    const txs = [pay];
    let fees = COIN;
    if (prevAlice) {
      txs.push(h.spend([prevAlice], [payTo(carol, prevAlice.coin.value - COIN)]));
      fees += COIN;
    }
    txs.push(...(opts.extraTxs?.(i) ?? []));
    h.block(name, prev, { txs, fees });
    prevAlice = outputOf(h, pay, 0, name, alice);
    names.push(name);
    prev = name;
  }
  return names;
}

/** `c1..c${to}`. */
export function coinbaseNames(to = COINBASE_MATURITY + 1): string[] {
  return Array.from({ length: to }, (_, i) => `c${i + 1}`);
}

/**
 * Every record of the state derived from the blocks (height index, coins, undo, address coins and
 * history) and the tip, as `key=value` hex lines in key order. Two chains on the same main chain
 * must agree on all of it, not only on the coins utxoSetHash covers.
 */
export async function derivedState(chain: Chain): Promise<string[]> {
  return chain.withLock(async () => {
    const out = [`tip=${bytesToHex(internals(chain).store.get(keys.tip())!)}`];
    for (const prefix of keys.derivedPrefixes()) {
      for await (const [k, v] of internals(chain).store.scan(prefix)) out.push(`${bytesToHex(k)}=${bytesToHex(v)}`);
    }
    return out;
  });
}

/**
 * A real verifier (a VerifyPool) whose answers can be held back: while `holding`, each batch is
 * verified but its answer waits in `held` until released, in order. Lets a test see what the chain
 * does while a block's signatures are still in flight.
 */
export class HeldVerifier implements BatchVerifier {
  private readonly pool = new VerifyPool({ size: 1 });
  readonly held: (() => void)[] = [];
  calls = 0;
  holding = false;

  verifyBatch(items: SignatureItem[]): Promise<number> {
    this.calls++;
    const answer = this.pool.verifyBatch(items);
    if (!this.holding) return answer;
    // Handled when released; never an unhandled rejection while held.
    answer.catch(() => undefined);
    return new Promise<number>((resolve, reject) => this.held.push(() => void answer.then(resolve, reject)));
  }

  releaseOne(): void {
    this.held.shift()!();
  }

  releaseAll(): void {
    this.holding = false;
    while (this.held.length) this.releaseOne();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Poll `cond` until it holds or `ms` pass; returns whether it held. */
export async function waitFor(cond: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

/** Let the chain run for a while (a negative check: nothing may happen meanwhile). */
export function pause(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
