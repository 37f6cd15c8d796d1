import type { IndexEntry } from '../../chain/block-index.js';
import { blockSubsidy } from '../../consensus/amounts.js';
import { txSize } from '../../consensus/tx.js';
import { hashToHex } from '../../encoding/hex.js';
import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import type { RpcMethod } from '../../rpc/server.js';
import type { NodeContext } from '../context.js';
import type { ChainQueries } from '../chain-queries.js';
import { p } from './params.js';

/** Blocks getnetworkhashps looks back by default (bitcoind's 120). */
export const HASHPS_BLOCKS = 120;
/** A UTXO record's bytes in the database: key (1 + 32 + 4) and coin (33). */
const UTXO_RECORD_BYTES = 37 + 33;

/**
 * Estimated hashes per second over the `blocks` blocks before `end` (the tip by default): the
 * work they add divided by the span between the earliest and latest of their times, as bitcoind's
 * GetNetworkHashPS. `blocks` <= 0 means since the last retarget on `retarget` networks, else 120.
 */
export function networkHashRate(queries: ChainQueries, blocks = HASHPS_BLOCKS, end?: IndexEntry): number {
  const last = end ?? queries.tip();
  let lookup = blocks;
  if (lookup <= 0) {
    const d = queries.params.difficulty;
    lookup = d.algorithm === 'retarget' ? (last.height % d.interval) + 1 : HASHPS_BLOCKS;
  }
  lookup = Math.min(lookup, last.height);
  if (lookup <= 0) return 0;
  let min = last.header.time;
  let max = min;
  let first = last;
  for (let i = 0; i < lookup; i++) {
    first = first.parent!;
    min = Math.min(min, first.header.time);
    max = Math.max(max, first.header.time);
  }
  if (min === max) return 0;
  return Number(last.chainWork - first.chainWork) / (max - min);
}

const STATS = [
  'avgfee',
  'avgfeerate',
  'avgtxsize',
  'blockhash',
  'feerate_percentiles',
  'height',
  'ins',
  'maxfee',
  'maxfeerate',
  'maxtxsize',
  'medianfee',
  'mediantime',
  'mediantxsize',
  'minfee',
  'minfeerate',
  'mintxsize',
  'outs',
  'subsidy',
  'time',
  'total_out',
  'total_size',
  'totalfee',
  'txs',
  'utxo_increase',
  'utxo_size_inc',
] as const;

export function statsMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const { queries } = ctx;
  return {
    getnetworkhashps: (a) => {
      const blocks = p.int(a, 0, 'nblocks', HASHPS_BLOCKS);
      const height = p.int(a, 1, 'height', -1, -1);
      const end = height < 0 || height > queries.tip().height ? undefined : queries.atHeight(height);
      return networkHashRate(queries, blocks, end);
    },
    getblockstats: (a) => {
      const target = p.required(a, 0, 'hash_or_height');
      let entry: IndexEntry | undefined;
      if (typeof target === 'number') {
        const h = p.int(a, 0, 'hash_or_height', undefined, 0);
        if (h > queries.tip().height)
          throw new RpcError(
            RpcErrorCode.InvalidParameter,
            `Target block height ${h} after current tip ${queries.tip().height}`,
          );
        entry = queries.atHeight(h);
      } else {
        entry = queries.entry(p.hash(a, 0, 'hash_or_height'));
        if (!entry) throw new RpcError(RpcErrorCode.InvalidAddressOrKey, 'Block not found');
        if (!queries.isOnMainChain(entry))
          throw new RpcError(RpcErrorCode.InvalidAddressOrKey, 'Block is not in chain');
      }
      const selected = a[1] === undefined || a[1] === null ? undefined : a[1];
      if (selected !== undefined && (!Array.isArray(selected) || selected.some((s) => typeof s !== 'string')))
        throw new RpcError(RpcErrorCode.Type, 'stats must be an array of statistic names');
      for (const s of (selected ?? []) as string[])
        if (!(STATS as readonly string[]).includes(s))
          throw new RpcError(RpcErrorCode.InvalidParameter, `Invalid selected statistic '${s}'`);
      const all = blockStats(queries, entry!);
      if (!selected) return all;
      return Object.fromEntries((selected as string[]).map((s) => [s, all[s]]));
    },
  };
}

/** bitcoind's integer median: the mean of the two middle values for an even count. */
function median(values: bigint[]): bigint {
  if (values.length === 0) return 0n;
  const v = [...values].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2n;
}

/** Fee rates at the 10th, 25th, 50th, 75th and 90th percentile of the block's bytes (bitcoind's weighting). */
function percentiles(rates: { rate: bigint; size: number }[]): bigint[] {
  const sorted = [...rates].sort((x, y) => (x.rate < y.rate ? -1 : x.rate > y.rate ? 1 : 0));
  const total = sorted.reduce((s, r) => s + r.size, 0);
  const targets = [0.1, 0.25, 0.5, 0.75, 0.9].map((f) => total * f);
  const out: bigint[] = [];
  let sum = 0;
  for (const r of sorted) {
    sum += r.size;
    while (out.length < 5 && sum >= targets[out.length]!) out.push(r.rate);
  }
  while (out.length < 5) out.push(out.at(-1) ?? 0n);
  return out;
}

/**
 * bitcoind's getblockstats for one main-chain block, from the block and its undo record. Sizes
 * are bytes (powchain has no witness), fee rates base units per byte, amounts base units; the
 * coinbase counts in txs and outs but not in the fee, size and input figures.
 */
function blockStats(queries: ChainQueries, entry: IndexEntry): Record<string, unknown> {
  const block = queries.block(entry);
  const spent = queries.spentCoins(entry);
  if (!spent) throw new RpcError(RpcErrorCode.InvalidAddressOrKey, 'Block is not in chain');
  let ins = 0;
  let outs = 0;
  let totalOut = 0n;
  let totalSize = 0;
  let next = 0;
  const fees: bigint[] = [];
  const sizes: bigint[] = [];
  const rates: { rate: bigint; size: number }[] = [];
  block.txs.forEach((tx, k) => {
    outs += tx.outputs.length;
    if (k === 0) return;
    ins += tx.inputs.length;
    const out = tx.outputs.reduce((s, o) => s + o.value, 0n);
    let input = 0n;
    for (let i = 0; i < tx.inputs.length; i++) input += spent[next++]!.value;
    const size = txSize(tx);
    totalOut += out;
    totalSize += size;
    fees.push(input - out);
    sizes.push(BigInt(size));
    rates.push({ rate: (input - out) / BigInt(size), size });
  });
  const n = BigInt(fees.length);
  const totalFee = fees.reduce((s, f) => s + f, 0n);
  const min = (v: bigint[]) => (v.length ? v.reduce((x, y) => (y < x ? y : x)) : 0n);
  const max = (v: bigint[]) => (v.length ? v.reduce((x, y) => (y > x ? y : x)) : 0n);
  const rateValues = rates.map((r) => r.rate);
  return {
    avgfee: n ? totalFee / n : 0n,
    avgfeerate: totalSize ? totalFee / BigInt(totalSize) : 0n,
    avgtxsize: n ? BigInt(totalSize) / n : 0n,
    blockhash: hashToHex(entry.hash),
    feerate_percentiles: percentiles(rates),
    height: entry.height,
    ins,
    maxfee: max(fees),
    maxfeerate: max(rateValues),
    maxtxsize: max(sizes),
    medianfee: median(fees),
    mediantime: queries.medianTimePast(entry),
    mediantxsize: median(sizes),
    minfee: min(fees),
    minfeerate: min(rateValues),
    mintxsize: min(sizes),
    outs,
    subsidy: blockSubsidy(entry.height, queries.params.halvingInterval),
    time: entry.header.time,
    total_out: totalOut,
    total_size: totalSize,
    totalfee: totalFee,
    txs: block.txs.length,
    utxo_increase: outs - ins,
    utxo_size_inc: (outs - ins) * UTXO_RECORD_BYTES,
  };
}
