import { join } from 'node:path';
import { decodeBlock } from '../consensus/block.js';
import { SighashContext } from '../consensus/sighash.js';
import { encodeTx, type Transaction } from '../consensus/tx.js';
import { bytesToHex } from '../encoding/hex.js';
import type { BenchContext } from './context.js';
import { chainKeys } from './gen/chain.js';
import { fastSha256d, signer } from './gen/keys.js';
import { loadChain, regtest } from './gen/load.js';
import { cpuSecondsOf, startNode } from './node-process.js';
import { now, processCpuMs } from './timing.js';
import { atLeast, result, type Measured } from './types.js';

/** Requests in flight at once, as several wallets or a busy service would send them. */
const CONCURRENCY = 16;
const FEE = 2_000n;

/**
 * Sustained mempool acceptance: a `powchain node` process with mature coins (the funding chain,
 * submitted with submitblock) receives signed one-input, two-output payments over JSON-RPC
 * sendrawtransaction, CONCURRENCY requests at a time; the figure counts accepted transactions.
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
  let accepted = 0;
  let rejected = 0;
  let firstError = '';
  let ms: number;
  let nodeCpu: { process: number; main: number } | null = null;
  let clientCpuMs: number;
  try {
    const setup = ctx.progress('mempool: submitblock (setup)', blocks.length);
    for (let i = 0; i < blocks.length; i++) {
      const r = await node.rpc.call<string | null>('submitblock', [bytesToHex(blocks[i]!)]);
      if (r !== null) throw new Error(`setup block ${i + 1} was not accepted: ${r}`);
      setup.update(i + 1);
    }
    setup.stop();
    const bar = ctx.progress('mempool: sendrawtransaction', txs.length);
    let next = 0;
    const cpu0 = cpuSecondsOf(node.pid);
    const clientCpu0 = processCpuMs();
    const start = now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < txs.length) {
          const hex = txs[next++]!;
          try {
            await node.rpc.call('sendrawtransaction', [hex]);
            accepted++;
          } catch (err) {
            rejected++;
            firstError ||= (err as Error).message;
          }
          if ((accepted + rejected) % 100 === 0) bar.update(accepted + rejected);
        }
      }),
    );
    ms = now() - start;
    clientCpuMs = processCpuMs() - clientCpu0;
    const cpu1 = cpuSecondsOf(node.pid);
    if (cpu0 && cpu1) nodeCpu = { process: cpu1.process - cpu0.process, main: cpu1.main - cpu0.main };
    bar.stop();
    const { size } = await node.rpc.call<{ size: number }>('getmempoolinfo');
    if (size !== accepted) throw new Error(`node's mempool holds ${size} transactions, ${accepted} were accepted`);
  } finally {
    await node.stop();
  }
  if (rejected > 0) throw new Error(`${rejected} of ${txs.length} transactions were rejected (first: ${firstError})`);
  const rate = (accepted * 1000) / ms;
  ctx.note(
    `mempool: ${accepted} transactions accepted in ${(ms / 1000).toFixed(1)} s, ${CONCURRENCY} requests in flight`,
  );
  // Per CPU-second, as the other benchmarks report: what the node does with the CPU it gets, on a
  // machine where it shares two cores with the client (this process) and whatever else runs.
  // The node's main thread bounds the rate on free cores; node and client together share them.
  const perCpu = (seconds: number) => accepted / Math.max(1e-3, seconds);
  const rows = [result('mempool.accept', rate, 'tx/s', null, [atLeast(rate, 5_000, '≥ 5,000 tx/s')])];
  if (nodeCpu) {
    rows.push(
      result('mempool.accept-per-node-cpu-s', perCpu(nodeCpu.process), 'tx/cpu-s'),
      result('mempool.accept-per-node-main-thread-cpu-s', perCpu(nodeCpu.main), 'tx/cpu-s'),
    );
  }
  rows.push(result('mempool.client-per-cpu-s', perCpu(clientCpuMs / 1000), 'tx/cpu-s'));
  return rows;
}
