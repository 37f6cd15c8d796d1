import type { Block } from '../../src/consensus/block.js';
import type { Coin } from '../../src/consensus/coin.js';
import { headerHash } from '../../src/consensus/header.js';
import type { NetworkParams } from '../../src/consensus/params/types.js';
import { medianTimePast, type HeaderContext } from '../../src/consensus/rules/contextual.js';
import { isCoinbase, outpointKey, totalOutput, txid, type OutPoint, type Transaction } from '../../src/consensus/tx.js';
import { equalBytes } from '../../src/encoding/hex.js';
import { testKey, type TestKey } from './keys.js';
import { mineBlock, regtest } from './mine.js';
import { payTo, signSpend, type OwnedCoin } from './tx.js';

/** An unspent output of the chain; whoever holds the key for its pubKeyHash may spend it. */
export interface Utxo {
  outpoint: OutPoint;
  coin: Coin;
}

/**
 * An in-memory regtest chain for building test data: it mines valid blocks on its own tip and
 * keeps the unspent outputs so a test holding the paid key can sign real spends. It is a
 * builder, not a validator: it trusts what it is given and never checks a rule, so the code
 * under test (consensus rules, the chain, the mempool) stays the only judge.
 */
export class RegtestChain {
  readonly blocks: Block[];
  readonly hashes: Uint8Array[];
  /** Unspent outputs by outpointKey. The genesis coinbase is never spendable, so it is not here. */
  private readonly utxos = new Map<string, Utxo>();

  constructor(readonly params: NetworkParams = regtest) {
    // Blocks are mined at the genesis bits; only a fixed-difficulty network keeps them valid.
    if (params.difficulty.algorithm !== 'fixed')
      throw new Error(`RegtestChain needs fixed difficulty, ${params.name} is ${params.difficulty.algorithm}`);
    this.blocks = [params.genesis];
    this.hashes = [params.genesisHash];
  }

  get height(): number {
    return this.blocks.length - 1;
  }

  get tipHash(): Uint8Array {
    return this.hashes[this.hashes.length - 1]!;
  }

  get tipTime(): number {
    return this.blocks[this.blocks.length - 1]!.header.time;
  }

  /** Median of the last 11 block times: the bound the next block's time must exceed. */
  medianTimePast(): number {
    return medianTimePast(this.blocks.slice(-11).map((b) => b.header.time));
  }

  /** The context checkHeaderContext needs for a child of the tip, at local time `now`. */
  headerContext(now = this.tipTime + this.params.targetSpacing): HeaderContext {
    return {
      expectedBits: this.params.genesis.header.bits,
      medianTimePast: this.medianTimePast(),
      now,
      maxFutureBlockTime: this.params.maxFutureBlockTime,
    };
  }

  /** The unspent coin at an outpoint, or undefined when there is none (never created, or spent). */
  coinAt(prevTxid: Uint8Array, index: number): Coin | undefined {
    return this.utxos.get(outpointKey(prevTxid, index))?.coin;
  }

  /** The coin each input spends, or undefined when unknown or spent (checkTxInputs' argument). */
  coinsFor(tx: Transaction): (Coin | undefined)[] {
    return tx.inputs.map((i) => this.utxos.get(outpointKey(i.prevTxid, i.prevIndex))?.coin);
  }

  /** Unspent coins of `key` a transaction in the next block may spend (coinbases must be mature). */
  spendable(key: TestKey): OwnedCoin[] {
    const next = this.height + 1;
    return [...this.utxos.values()]
      .filter(
        (c) =>
          equalBytes(c.coin.pubKeyHash, key.pkh) &&
          (!c.coin.coinbase || next - c.coin.height >= this.params.coinbaseMaturity),
      )
      .map((c) => ({ ...c, key }));
  }

  /**
   * A signed transaction paying `value` from `from`'s spendable coins to `to`, with `fee` left
   * for the miner and any change returned to `from`. Nothing changes until a block includes it.
   */
  spend(p: { from: TestKey; to: TestKey | Uint8Array; value: bigint; fee?: bigint }): Transaction {
    const fee = p.fee ?? 0n;
    const picked: OwnedCoin[] = [];
    let sum = 0n;
    for (const c of this.spendable(p.from)) {
      if (sum >= p.value + fee) break;
      picked.push(c);
      sum += c.coin.value;
    }
    if (sum < p.value + fee) throw new Error(`key has ${sum} spendable, needs ${p.value + fee}`);
    const outputs = [payTo(p.to, p.value)];
    if (sum > p.value + fee) outputs.push(payTo(p.from, sum - p.value - fee));
    return signSpend({ inputs: picked, outputs, genesisHash: this.params.genesisHash });
  }

  /**
   * A valid child of the tip containing `txs` after its coinbase, without connecting it (feed it
   * to the code under test, then `connect` it here). The coinbase claims the subsidy plus the
   * fees, computed from the coins the transactions spend, including outputs created earlier in
   * the same block. Two builds with equal options give the same block: vary `extraNonce` (or
   * `time`, `minerKey`) for competing siblings.
   */
  build(opts: { txs?: Transaction[]; minerKey?: TestKey; time?: number; extraNonce?: bigint } = {}): Block {
    const txs = opts.txs ?? [];
    const height = this.height + 1;
    const view = new Map(this.utxos);
    let fees = 0n;
    for (const tx of txs) {
      let inSum = 0n;
      for (const i of tx.inputs) {
        const k = outpointKey(i.prevTxid, i.prevIndex);
        const c = view.get(k);
        if (!c) throw new Error(`RegtestChain.build: input ${k} is not an unspent output of this chain`);
        inSum += c.coin.value;
        view.delete(k);
      }
      fees += inSum - totalOutput(tx);
      this.addOutputs(view, tx, height);
    }
    return mineBlock({
      prevHash: this.tipHash,
      height,
      time: opts.time ?? this.tipTime + this.params.targetSpacing,
      txs,
      minerKey: opts.minerKey ?? testKey('miner'),
      fees,
      params: this.params,
      ...(opts.extraNonce === undefined ? {} : { extraNonce: opts.extraNonce }),
    });
  }

  /**
   * Make `block` the new tip: spent outputs leave the UTXO set, new ones enter. No rule is
   * checked (the block's prevHash is not even compared with the tip); that is the caller's job.
   */
  connect(block: Block): void {
    const height = this.height + 1;
    for (const tx of block.txs) {
      for (const i of tx.inputs) this.utxos.delete(outpointKey(i.prevTxid, i.prevIndex));
      this.addOutputs(this.utxos, tx, height);
    }
    this.blocks.push(block);
    this.hashes.push(headerHash(block.header));
  }

  /** Build a child of the tip and connect it. */
  mine(opts: { txs?: Transaction[]; minerKey?: TestKey; time?: number; extraNonce?: bigint } = {}): Block {
    const block = this.build(opts);
    this.connect(block);
    return block;
  }

  /** Mine `n` empty blocks paying `minerKey` (e.g. coinbaseMaturity of them to mature a coinbase). */
  mineMany(n: number, minerKey?: TestKey): Block[] {
    const out: Block[] = [];
    for (let i = 0; i < n; i++) out.push(this.mine(minerKey ? { minerKey } : {}));
    return out;
  }

  private addOutputs(view: Map<string, Utxo>, tx: Transaction, height: number): void {
    const id = txid(tx);
    const coinbase = isCoinbase(tx);
    tx.outputs.forEach((o, index) =>
      view.set(outpointKey(id, index), { outpoint: { txid: id, index }, coin: { ...o, height, coinbase } }),
    );
  }
}
