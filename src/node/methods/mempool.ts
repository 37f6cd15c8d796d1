import { decodeTx, txid } from '../../consensus/tx.js';
import { DecodeError } from '../../encoding/errors.js';
import { bytesToHex, hashToHex } from '../../encoding/hex.js';
import { feeRate, type MempoolEntry } from '../../mempool/entry.js';
import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import { Coins } from '../../rpc/json.js';
import type { RpcMethod } from '../../rpc/server.js';
import { RejectCode } from '../../consensus/errors.js';
import type { NodeContext } from '../context.js';
import { p } from './params.js';

function entryJson(ctx: NodeContext, e: MempoolEntry): Record<string, unknown> {
  return {
    size: e.size,
    fee: new Coins(e.fee),
    fees: { base: new Coins(e.fee) },
    time: e.time,
    height: e.height,
    feerate: new Coins(BigInt(Math.floor(feeRate(e.fee, e.size)))),
    depends: [...e.parents].map((id) => hashToHex(ctx.mempool.get(id)!.txid)),
    spentby: [...e.children].map((id) => hashToHex(ctx.mempool.get(id)!.txid)),
  };
}

export function mempoolMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const { mempool } = ctx;
  return {
    sendrawtransaction: async (a) => {
      let tx;
      try {
        tx = decodeTx(p.hex(a, 0, 'hexstring'));
      } catch (err) {
        if (err instanceof DecodeError)
          throw new RpcError(RpcErrorCode.Deserialization, `TX decode failed: ${err.message}`);
        throw err;
      }
      const r = await ctx.submitTx(tx);
      if (r.accepted) return hashToHex(r.txid);
      // Like bitcoind: resending a transaction the pool already holds is not an error.
      if (r.code === RejectCode.AlreadyInMempool) return hashToHex(txid(tx));
      if (r.code === RejectCode.AlreadyKnown)
        throw new RpcError(RpcErrorCode.VerifyAlreadyInChain, 'Transaction already in block chain');
      if (r.code === RejectCode.InputsMissingOrSpent) throw new RpcError(RpcErrorCode.Verify, `${r.code}: ${r.reason}`);
      throw new RpcError(RpcErrorCode.VerifyRejected, `${r.code}: ${r.reason}`);
    },
    getrawmempool: (a) => {
      const verbose = p.bool(a, 0, 'verbose', false);
      const all = mempool.all();
      if (!verbose) return all.map((e) => hashToHex(e.txid));
      return Object.fromEntries(all.map((e) => [hashToHex(e.txid), entryJson(ctx, e)]));
    },
    getmempoolinfo: () => ({
      loaded: true,
      size: mempool.size,
      bytes: mempool.totalBytes,
      usage: mempool.totalBytes,
      maxmempool: mempool.opts.maxBytes,
      mempoolminfee: new Coins(BigInt(mempool.opts.minRelayFeeRate)),
      minrelaytxfee: new Coins(BigInt(mempool.opts.minRelayFeeRate)),
    }),
    getmempoolentry: (a) => {
      const e = mempool.get(bytesToHex(p.hash(a, 0, 'txid')));
      if (!e) throw new RpcError(RpcErrorCode.InvalidAddressOrKey, 'Transaction not in mempool');
      return entryJson(ctx, e);
    },
    estimatesmartfee: (a) => {
      const target = p.int(a, 0, 'conf_target', undefined, 1, 1008);
      // What a transaction must pay to be in the next `target` blocks' worth of the current pool:
      // the fee rate at that depth of the template order, never below the relay minimum.
      const selected = mempool.selectForBlock(ctx.params.maxBlockBytes * target);
      const full = selected.length < mempool.size;
      const last = selected.at(-1);
      const rate = full && last ? Math.ceil(feeRate(last.fee, last.size)) : mempool.opts.minRelayFeeRate;
      return { feerate: new Coins(BigInt(Math.max(rate, mempool.opts.minRelayFeeRate))), blocks: target };
    },
  };
}
