import { blockSubsidy } from '../../consensus/amounts.js';
import { encodeBlock, type Block } from '../../consensus/block.js';
import { makeCoinbase } from '../../consensus/coinbase.js';
import { headerHash, type BlockHeader } from '../../consensus/header.js';
import { merkleRoot } from '../../consensus/merkle.js';
import type { NetworkParams } from '../../consensus/params/types.js';
import { checkProofOfWork } from '../../consensus/pow.js';
import { SighashContext } from '../../consensus/sighash.js';
import { encodeTx, type Transaction, type TxOutput } from '../../consensus/tx.js';
import type { Progress } from '../context.js';
import { benchKeys, fastSha256d, prng, signer, type BenchKey } from './keys.js';

/**
 * What a generated regtest chain looks like. Heights 1..fundingBlocks have coinbases splitting
 * the subsidy into `fundingOutputs` outputs; coinbase-only blocks follow up to `padTo`; then
 * `paymentBlocks` (at least) blocks of real payments, until the chain holds `minTxs`
 * non-coinbase transactions: each spends 1-3 random unspent coins (uniformly) and pays a random key with
 * change back, for a fee. Block times are genesis + height seconds, so every block is already
 * valid by the local clock of any machine whose clock is past the genesis time plus the chain
 * length (a few hours for 10,000 blocks).
 */
export interface ChainSpec {
  fundingBlocks: number;
  fundingOutputs: number;
  padTo: number;
  paymentBlocks: number;
  minTxs: number;
  /** Payments per block, inclusive range. */
  txsPerBlock: [number, number];
  keys: number;
  seed: number;
}

export interface ChainStats {
  blocks: number;
  /** Transactions, coinbases included. */
  txs: number;
  /** Inputs of non-coinbase transactions (signatures to verify). */
  inputs: number;
  bytes: number;
  utxos: number;
}

interface Spendable {
  txid: Uint8Array;
  index: number;
  value: bigint;
  key: number;
}

const FEE_PER_INPUT = 1_000n;

/** The keys every generated chain pays to (so a benchmark can spend them). */
export function chainKeys(spec: ChainSpec): BenchKey[] {
  return benchKeys(`chain-${spec.seed}`, spec.keys);
}

/** A block at `height` on `prevHash`: the coinbase, then `txs`, with a nonce meeting regtest's target. */
export function assembleBlock(
  params: NetworkParams,
  prevHash: Uint8Array,
  height: number,
  coinbaseOutputs: TxOutput[],
  txs: Transaction[],
  txids: Uint8Array[],
): { block: Block; bytes: Uint8Array; hash: Uint8Array } {
  const coinbase = makeCoinbase({ height, extraNonce: 0n, outputs: coinbaseOutputs });
  const all = [coinbase, ...txs];
  const ids = [fastSha256d(encodeTx(coinbase)), ...txids];
  const header: BlockHeader = {
    version: 1,
    prevHash,
    merkleRoot: merkleRoot(ids).root,
    time: params.genesis.header.time + height,
    bits: params.genesis.header.bits,
    nonce: 0,
  };
  for (;;) {
    const hash = headerHash(header);
    if (checkProofOfWork(hash, header.bits, params.powLimit)) {
      const block = { header, txs: all };
      return { block, bytes: encodeBlock(block), hash };
    }
    header.nonce++;
  }
}

/** Split `total` into `n` outputs paying the keys in turn (the last takes the remainder). */
function splitOutputs(total: bigint, n: number, keys: BenchKey[], first: number): TxOutput[] {
  const each = total / BigInt(n);
  const out: TxOutput[] = [];
  for (let i = 0; i < n; i++)
    out.push({
      value: i === n - 1 ? total - each * BigInt(n - 1) : each,
      pubKeyHash: keys[(first + i) % keys.length]!.pkh,
    });
  return out;
}

/** Generate the chain; `progress` counts blocks. */
export async function generateChain(
  params: NetworkParams,
  spec: ChainSpec,
  progress?: Progress,
): Promise<{ blocks: Uint8Array[]; stats: ChainStats }> {
  const keys = chainKeys(spec);
  const rand = prng(spec.seed);
  const sign = signer().sign;
  const blocks: Uint8Array[] = [];
  const stats: ChainStats = { blocks: 0, txs: 0, inputs: 0, bytes: 0, utxos: 0 };
  const spendable: Spendable[] = [];
  /** Coinbase outputs by the height at which they may first be spent. */
  const maturing = new Map<number, Spendable[]>();
  let prevHash = params.genesisHash;
  let payments = 0;
  const maxHeight = 10_000_000;

  for (let height = 1; height < maxHeight; height++) {
    const inPayments = height > Math.max(spec.fundingBlocks, spec.padTo);
    if (inPayments && payments >= spec.paymentBlocks && stats.txs - stats.blocks >= spec.minTxs) break;
    for (const c of maturing.get(height) ?? []) spendable.push(c);
    maturing.delete(height);

    const txs: Transaction[] = [];
    const txids: Uint8Array[] = [];
    const created: Spendable[] = [];
    let fees = 0n;
    if (inPayments) {
      const [lo, hi] = spec.txsPerBlock;
      const count = lo + Math.floor(rand() * (hi - lo + 1));
      for (let t = 0; t < count; t++) {
        const n = 1 + Math.floor(rand() * 3);
        if (spendable.length < n) break;
        const coins: Spendable[] = [];
        let sum = 0n;
        for (let i = 0; i < n; i++) {
          const at = Math.floor(rand() * spendable.length);
          const c = spendable[at]!;
          spendable[at] = spendable[spendable.length - 1]!;
          spendable.pop();
          coins.push(c);
          sum += c.value;
        }
        const fee = FEE_PER_INPUT * BigInt(n);
        const pay = ((sum - fee) * BigInt(30 + Math.floor(rand() * 40))) / 100n;
        const to = Math.floor(rand() * keys.length);
        const back = coins[0]!.key;
        const outputs: TxOutput[] = [
          { value: pay, pubKeyHash: keys[to]!.pkh },
          { value: sum - fee - pay, pubKeyHash: keys[back]!.pkh },
        ];
        const tx: Transaction = {
          version: 1,
          inputs: coins.map((c) => ({ prevTxid: c.txid, prevIndex: c.index, unlock: new Uint8Array(0) })),
          outputs,
          lockTime: 0,
        };
        const ctx = new SighashContext(tx, params.genesisHash);
        coins.forEach((c, i) => {
          const key = keys[c.key]!;
          const unlock = new Uint8Array(97);
          unlock.set(key.pub, 0);
          unlock.set(sign(ctx.digest(i, { value: c.value, pubKeyHash: key.pkh }), key.priv), 33);
          tx.inputs[i]!.unlock = unlock;
        });
        const id = fastSha256d(encodeTx(tx));
        txs.push(tx);
        txids.push(id);
        created.push(
          { txid: id, index: 0, value: pay, key: to },
          { txid: id, index: 1, value: sum - fee - pay, key: back },
        );
        fees += fee;
        stats.inputs += n;
      }
      payments++;
    }

    const reward = blockSubsidy(height, params.halvingInterval) + fees;
    const outs =
      height <= spec.fundingBlocks
        ? splitOutputs(reward, spec.fundingOutputs, keys, height)
        : [{ value: reward, pubKeyHash: keys[height % keys.length]!.pkh }];
    const { bytes, hash, block } = assembleBlock(params, prevHash, height, outs, txs, txids);
    const cbId = fastSha256d(encodeTx(block.txs[0]!));
    // Only the funding outputs are worth tracking: the rest are single small rewards.
    if (height <= spec.fundingBlocks) {
      maturing.set(
        height + params.coinbaseMaturity,
        outs.map((o, index) => ({ txid: cbId, index, value: o.value, key: (height + index) % keys.length })),
      );
    }
    for (const c of created) spendable.push(c);
    blocks.push(bytes);
    prevHash = hash;
    stats.blocks++;
    stats.txs += block.txs.length;
    stats.bytes += bytes.length;
    stats.utxos += outs.length + txs.length * 2 - txs.reduce((s, tx) => s + tx.inputs.length, 0);
    progress?.update(height);
    if (height % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  progress?.stop();
  return { blocks, stats };
}

/** Roughly how many blocks `spec` gives (for a progress bar). */
export function expectedBlocks(spec: ChainSpec): number {
  const avg = (spec.txsPerBlock[0] + spec.txsPerBlock[1]) / 2;
  const paymentBlocks =
    spec.paymentBlocks > 0 || spec.minTxs > 0
      ? Math.max(spec.paymentBlocks, Math.ceil(spec.minTxs / Math.max(1, avg)))
      : 0;
  return Math.max(spec.fundingBlocks, spec.padTo) + paymentBlocks;
}
