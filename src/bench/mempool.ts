import { join } from 'node:path';
import { decodeBlock } from '../consensus/block.js';
import { SighashContext } from '../consensus/sighash.js';
import { encodeTx, type Transaction } from '../consensus/tx.js';
import { bytesToHex } from '../encoding/hex.js';
import type { BenchContext } from './context.js';
import { chainKeys } from './gen/chain.js';
import { fastSha256d, signer } from './gen/keys.js';
import { loadChain, regtest } from './gen/load.js';
import { RpcError } from '../rpc/errors.js';
import { cpuSecondsOf, startNode, type NodeProcess } from './node-process.js';
import { now, processCpuMs } from './timing.js';
import { atLeast, result, type Measured } from './types.js';

/** Requests in flight at once, as several wallets or a busy service would send them. */
const CONCURRENCY = 16;
/**
 * Payments per JSON-RPC batch in the second half, as a payout service or a relay tool that has
 * many payments at hand sends them: one HTTP request of BATCH sendrawtransaction calls, and
 * BATCHES_IN_FLIGHT such requests at a time.
 */
const BATCH = 100;
const BATCHES_IN_FLIGHT = 4;
/**
 * Payments sent one call each before either half is measured, so both halves run on code the JIT
 * has compiled (the half measured first would otherwise pay for it alone).
 */
const WARM_UP = 1_000;
const FEE = 2_000n;

/** One half of the payments sent one way: how many were accepted, how long it took, whose CPU. */
interface Phase {
  accepted: number;
  ms: number;
  node: { process: number; main: number; byThread: Record<string, number> } | null;
  clientMs: number;
}

/**
 * Sustained mempool acceptance: a `powchain node` process with mature coins (the funding chain,
 * submitted with submitblock) receives signed one-input, two-output payments over JSON-RPC
 * sendrawtransaction: after WARM_UP of them, the first half one call per request, CONCURRENCY
 * requests at a time (as wallets send them), the second half in batches of BATCH calls (as a tool
 * with many payments at hand sends them). The figures count accepted transactions.
 */
export async function mempoolBench(ctx: BenchContext): Promise<Measured[]> {
  const { blocks, spec } = await loadChain(ctx, 'mempool');
  const keys = chainKeys(spec);
  const byPkh = new Map(keys.map((k) => [bytesToHex(k.pkh), k]));
  const sign = signer().sign;
  const genesisHash = regtest.genesisHash;

  // One payment per funding output: sign them all before the clock starts.
  const txs: string[] = [];
  for (let h = 1; h <= spec.fundingBlocks; h++) {
    const coinbase = decodeBlock(blocks[h - 1]!).txs[0]!;
    const cbId = fastSha256d(encodeTx(coinbase));
    coinbase.outputs.forEach((out, index) => {
      const key = byPkh.get(bytesToHex(out.pubKeyHash))!;
      const to = keys[(index * 7 + h) % keys.length]!;
      const pay = (out.value - FEE) / 2n;
      const tx: Transaction = {
        version: 1,
        inputs: [{ prevTxid: cbId, prevIndex: index, unlock: new Uint8Array(97) }],
        outputs: [
          { value: pay, pubKeyHash: to.pkh },
          { value: out.value - FEE - pay, pubKeyHash: key.pkh },
        ],
        lockTime: 0,
      };
      const unlock = new Uint8Array(97);
      unlock.set(key.pub, 0);
      unlock.set(sign(new SighashContext(tx, genesisHash).digest(0, out), key.priv), 33);
      tx.inputs[0]!.unlock = unlock;
      txs.push(bytesToHex(encodeTx(tx)));
    });
  }

  const node = await startNode(join(ctx.tmpDir, 'mempool-node'));
  const warmUp = Math.min(WARM_UP, Math.floor(txs.length / 10));
  const half = warmUp + Math.floor((txs.length - warmUp) / 2);
  let single: Phase;
  let batched: Phase;
  try {
    const setup = ctx.progress('mempool: submitblock (setup)', blocks.length);
    for (let i = 0; i < blocks.length; i++) {
      const r = await node.rpc.call<string | null>('submitblock', [bytesToHex(blocks[i]!)]);
      if (r !== null) throw new Error(`setup block ${i + 1} was not accepted: ${r}`);
      setup.update(i + 1);
    }
    setup.stop();
    const warm = await phase(ctx, node, 'warm-up', txs.slice(0, warmUp), CONCURRENCY, 1);
    single = await phase(ctx, node, 'one call each', txs.slice(warmUp, half), CONCURRENCY, 1);
    batched = await phase(ctx, node, `batches of ${BATCH}`, txs.slice(half), BATCHES_IN_FLIGHT, BATCH);
    const { size } = await node.rpc.call<{ size: number }>('getmempoolinfo');
    const accepted = warm.accepted + single.accepted + batched.accepted;
    if (size !== accepted) throw new Error(`node's mempool holds ${size} transactions, ${accepted} were accepted`);
  } finally {
    await node.stop();
  }
  // Per CPU-second, as the other benchmarks report: what the node does with the CPU it gets, on a
  // machine where it shares two cores with the client (this process) and whatever else runs.
  // The node's main thread bounds the rate on free cores; node and client together share them.
  const rows: Measured[] = [];
  const single1 = phaseRows(rows, 'mempool.accept', single, null);
  phaseRows(rows, 'mempool.accept-batched', batched, single1);
  return rows;
}

/** Send `txs` with `inFlight` requests of `perRequest` calls at a time; every one must be accepted. */
async function phase(
  ctx: BenchContext,
  node: NodeProcess,
  label: string,
  txs: string[],
  inFlight: number,
  perRequest: number,
): Promise<Phase> {
  const bar = ctx.progress(`mempool: sendrawtransaction, ${label}`, txs.length);
  let next = 0;
  let accepted = 0;
  const failures: string[] = [];
  const cpu0 = cpuSecondsOf(node.pid);
  const client0 = processCpuMs();
  const start = now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < txs.length) {
        const chunk = txs.slice(next, next + perRequest);
        next += chunk.length;
        try {
          const replies =
            perRequest === 1
              ? [await node.rpc.call('sendrawtransaction', chunk)]
              : await node.rpc.callBatchSettled(chunk.map((hex) => ({ method: 'sendrawtransaction', params: [hex] })));
          for (const r of replies) {
            if (r instanceof RpcError) failures.push(r.message);
            else accepted++;
          }
        } catch (err) {
          failures.push((err as Error).message);
        }
        bar.update(accepted + failures.length);
      }
    }),
  );
  const ms = now() - start;
  const clientMs = processCpuMs() - client0;
  const cpu1 = cpuSecondsOf(node.pid);
  bar.stop();
  if (failures.length > 0)
    throw new Error(`${failures.length} of ${txs.length} transactions were rejected (first: ${failures[0]})`);
  const node1 = cpu0 && cpu1 ? diffCpu(cpu0, cpu1) : null;
  const perTx = (s: number) => `${Math.round((s * 1e6) / accepted)}`;
  ctx.note(
    `mempool, ${label}: ${accepted} accepted in ${(ms / 1000).toFixed(1)} s, ${inFlight} requests in flight; ` +
      `CPU µs per payment: client ${perTx(clientMs / 1000)}` +
      (node1
        ? `, node ${perTx(node1.process)} (` +
          Object.entries(node1.byThread)
            .filter(([, sec]) => sec > 0)
            .map(([name, sec]) => `${name} ${perTx(sec)}`)
            .join(', ') +
          ')'
        : ''),
  );
  return { accepted, ms, node: node1, clientMs };
}

function diffCpu(a: NonNullable<Phase['node']>, b: NonNullable<Phase['node']>): NonNullable<Phase['node']> {
  const byThread: Record<string, number> = {};
  for (const [name, sec] of Object.entries(b.byThread)) byThread[name] = sec - (a.byThread[name] ?? 0);
  return { process: b.process - a.process, main: b.main - a.main, byThread };
}

/** The rows of one phase under `name`; its rate compared with `baseline` (the one-call phase). */
function phaseRows(rows: Measured[], name: string, p: Phase, baseline: Measured | null): Measured {
  const rate = (p.accepted * 1000) / p.ms;
  const perCpu = (seconds: number) => p.accepted / Math.max(1e-3, seconds);
  const goal = baseline ? [atLeast(rate, 5_000, '≥ 5,000 tx/s')] : [];
  const main = result(name, rate, 'tx/s', baseline && { name: baseline.name, value: baseline.value }, goal);
  rows.push(main);
  if (p.node) {
    rows.push(
      result(`${name}-per-node-cpu-s`, perCpu(p.node.process), 'tx/cpu-s'),
      result(`${name}-per-node-main-thread-cpu-s`, perCpu(p.node.main), 'tx/cpu-s'),
    );
  }
  rows.push(result(`${name}-client-per-cpu-s`, perCpu(p.clientMs / 1000), 'tx/cpu-s'));
  return main;
}
