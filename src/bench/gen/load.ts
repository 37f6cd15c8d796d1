import { networks } from '../../consensus/params/networks.js';
import type { BenchContext } from '../context.js';
import { cachedChain, cacheKey, type CachedChain } from './cache.js';
import { expectedBlocks, generateChain, type ChainSpec, type ChainStats } from './chain.js';

export const regtest = networks.regtest;

/**
 * The chains the benchmarks use, full size and --quick. Each is generated once and cached
 * under bench/cache/<kind>-<hash of the spec>.
 */
export const CHAIN_SPECS = {
  /** connect and sync: ≥100k payments over ≥2,000 blocks after 100 funding blocks. */
  payments: {
    full: {
      fundingBlocks: 100,
      fundingOutputs: 1_000,
      padTo: 100,
      paymentBlocks: 2_000,
      minTxs: 100_000,
      txsPerBlock: [40, 60],
      keys: 64,
      seed: 1,
    },
    quick: {
      fundingBlocks: 10,
      fundingOutputs: 500,
      padTo: 100,
      paymentBlocks: 100,
      minTxs: 3_000,
      txsPerBlock: [25, 35],
      keys: 16,
      seed: 2,
    },
  },
  /** propagate: blocks of ~100 kB, each a coinbase of 3,500 outputs. */
  propagate: {
    full: {
      fundingBlocks: 110,
      fundingOutputs: 3_500,
      padTo: 110,
      paymentBlocks: 0,
      minTxs: 0,
      txsPerBlock: [0, 0],
      keys: 64,
      seed: 3,
    },
    quick: {
      fundingBlocks: 23,
      fundingOutputs: 3_500,
      padTo: 23,
      paymentBlocks: 0,
      minTxs: 0,
      txsPerBlock: [0, 0],
      keys: 64,
      seed: 3,
    },
  },
  /** scale: blocks of ~200 payments (quick: ~70) after coinbases of 1,000 outputs have matured. */
  scale: {
    full: {
      fundingBlocks: 10,
      fundingOutputs: 1_000,
      padTo: 110,
      paymentBlocks: 20,
      minTxs: 0,
      txsPerBlock: [180, 220],
      keys: 64,
      seed: 8,
    },
    quick: {
      fundingBlocks: 4,
      fundingOutputs: 500,
      padTo: 104,
      paymentBlocks: 5,
      minTxs: 0,
      txsPerBlock: [60, 80],
      keys: 16,
      seed: 9,
    },
  },
  /** mempool: funding coinbases that are all mature at the tip, one coin per transaction sent. */
  mempool: {
    full: {
      fundingBlocks: 10,
      fundingOutputs: 2_000,
      padTo: 109,
      paymentBlocks: 0,
      minTxs: 0,
      txsPerBlock: [0, 0],
      keys: 64,
      seed: 4,
    },
    quick: {
      fundingBlocks: 1,
      fundingOutputs: 1_500,
      padTo: 100,
      paymentBlocks: 0,
      minTxs: 0,
      txsPerBlock: [0, 0],
      keys: 16,
      seed: 5,
    },
  },
  /** memory: 10,000 blocks and ~100,000 unspent outputs. */
  memory: {
    full: {
      fundingBlocks: 91,
      fundingOutputs: 1_000,
      padTo: 10_000,
      paymentBlocks: 0,
      minTxs: 0,
      txsPerBlock: [0, 0],
      keys: 64,
      seed: 6,
    },
    quick: {
      fundingBlocks: 10,
      fundingOutputs: 1_000,
      padTo: 1_000,
      paymentBlocks: 0,
      minTxs: 0,
      txsPerBlock: [0, 0],
      keys: 16,
      seed: 7,
    },
  },
} satisfies Record<string, { full: ChainSpec; quick: ChainSpec }>;

export type ChainKind = keyof typeof CHAIN_SPECS;

export function chainSpec(ctx: BenchContext, kind: ChainKind): ChainSpec {
  return (ctx.quick ? CHAIN_SPECS[kind].quick : CHAIN_SPECS[kind].full) as ChainSpec;
}

/** The chain of `kind` for this run's size: from the cache, or generated now with a progress bar. */
export async function loadChain(
  ctx: BenchContext,
  kind: ChainKind,
): Promise<CachedChain<ChainStats> & { spec: ChainSpec }> {
  const spec = chainSpec(ctx, kind);
  const key = cacheKey(`${kind}-chain`, spec);
  const memo = ctx.shared.get(`chain:${key}`) as (CachedChain<ChainStats> & { spec: ChainSpec }) | undefined;
  if (memo) return memo;
  const loaded = await cachedChain(ctx.cacheDir, key, spec, () =>
    generateChain(regtest, spec, ctx.progress(`generating ${kind} chain (cached after)`, expectedBlocks(spec))),
  );
  const out = { ...loaded, spec };
  ctx.shared.set(`chain:${key}`, out);
  return out;
}
