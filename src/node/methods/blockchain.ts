import { BlockStatus } from '../../chain/layout.js';
import { decodeTx, type Transaction } from '../../consensus/tx.js';
import { encodeHeader } from '../../consensus/header.js';
import { bytesToHex, equalBytes, hashToHex } from '../../encoding/hex.js';
import { DecodeError } from '../../encoding/errors.js';
import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import { Coins } from '../../rpc/json.js';
import type { RpcMethod } from '../../rpc/server.js';
import { encodeAddress } from '../../crypto/address.js';
import type { NodeContext } from '../context.js';
import { blockJson, difficulty, headerJson, txJson } from './format.js';
import { p } from './params.js';
import { notFoundReason } from './proofs.js';
import type { ChainEntry } from '../../chain/block-index.js';

export function blockchainMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const { chain, params } = ctx;
  const entry = (params_: unknown[], i = 0): ChainEntry => {
    const e = chain.entry(p.hash(params_, i, 'blockhash'));
    if (!e) throw new RpcError(RpcErrorCode.InvalidAddressOrKey, 'Block not found');
    return e;
  };
  return {
    getblockchaininfo: () => ({
      chain: params.name,
      blocks: chain.height,
      headers: chain.height,
      bestblockhash: hashToHex(chain.tip.hash),
      difficulty: difficulty(chain.tip.header.bits, params),
      time: chain.tip.header.time,
      mediantime: chain.medianTimePast(chain.tip),
      verificationprogress: 1,
      initialblockdownload: ctx.net.syncing,
      chainwork: chain.tip.chainWork.toString(16).padStart(64, '0'),
      orphans: chain.stats().orphans,
      warnings: '',
    }),
    getbestblockhash: () => hashToHex(chain.tip.hash),
    getblockcount: () => chain.height,
    getblockhash: (a) => {
      const h = p.int(a, 0, 'height', undefined, 0);
      const e = chain.atHeight(h);
      if (!e) throw new RpcError(RpcErrorCode.InvalidParameter, 'Block height out of range');
      return hashToHex(e.hash);
    },
    getblock: (a) => {
      const e = entry(a);
      const verbosity = typeof a[1] === 'boolean' ? (a[1] ? 1 : 0) : p.int(a, 1, 'verbosity', 1, 0, 2);
      const bytes = chain.getBlockBytes(e.hash);
      if (!bytes) throw new RpcError(RpcErrorCode.Misc, 'Block not available');
      if (verbosity === 0) return bytesToHex(bytes);
      return blockJson(chain, e, chain.readBlock(e), verbosity as 1 | 2);
    },
    getblockheader: (a) => {
      const e = entry(a);
      // The header from the index: a header-only entry (no block data yet) has one too.
      return p.bool(a, 1, 'verbose', true) ? headerJson(chain, e) : bytesToHex(encodeHeader(e.header));
    },
    getchaintips: () => {
      return chain.chainTips().map((e) => {
        const fork = chain.fork(e, chain.tip);
        const status = chain.isOnMainChain(e)
          ? 'active'
          : e.status === BlockStatus.Invalid
            ? 'invalid'
            : e.status === BlockStatus.Valid
              ? 'valid-fork'
              : 'valid-headers';
        return {
          height: e.height,
          hash: hashToHex(e.hash),
          branchlen: fork ? e.height - fork.height : e.height,
          status,
        };
      });
    },
    getdifficulty: () => difficulty(chain.tip.header.bits, params),
    gettxout: (a) => {
      const id = p.hash(a, 0, 'txid');
      const n = p.int(a, 1, 'n', undefined, 0, 0xffffffff);
      const includeMempool = p.bool(a, 2, 'include_mempool', true);
      if (includeMempool && ctx.mempool.spender(id, n)) return null;
      const coin = chain.getCoin(id, n);
      if (!coin) return null;
      return {
        bestblock: hashToHex(chain.tip.hash),
        confirmations: chain.height - coin.height + 1,
        value: new Coins(coin.value),
        address: encodeAddress(params.addressHrp, coin.pubKeyHash),
        pubkeyhash: bytesToHex(coin.pubKeyHash),
        coinbase: coin.coinbase,
      };
    },
    gettxoutsetinfo: async () => {
      const info = await chain.utxoSetHash();
      return {
        height: info.height,
        bestblock: hashToHex(info.bestBlock),
        txouts: info.count,
        hash_serialized: bytesToHex(info.hash),
        total_amount: new Coins(info.totalValue),
      };
    },
    verifychain: async (a) => {
      p.int(a, 0, 'checklevel', 4, 0, 4);
      const depth = p.int(a, 1, 'nblocks', 6, 0);
      const r = await chain.verifyChain(depth === 0 ? chain.height : depth);
      if (!r.ok) ctx.log.error(r, 'verifychain failed');
      return r.ok;
    },
    invalidateblock: async (a) => {
      const e = entry(a);
      if (e.height === 0) throw new RpcError(RpcErrorCode.InvalidParameter, 'the genesis block cannot be invalidated');
      await chain.invalidateBlock(e.hash);
      return null;
    },
    reconsiderblock: async (a) => {
      await chain.reconsiderBlock(entry(a).hash);
      return null;
    },
    getrawtransaction: (a) => {
      const id = p.hash(a, 0, 'txid');
      const verbose = typeof a[1] === 'number' ? a[1] > 0 : p.bool(a, 1, 'verbose', false);
      const pooled = ctx.mempool.get(id);
      if (pooled) return verbose ? txJson(pooled.tx, params) : txJson(pooled.tx, params).hex;
      let found: { e: ChainEntry; tx: Transaction };
      if (a[2] !== undefined && a[2] !== null) {
        const e = entry(a, 2);
        const block = chain.readBlock(e);
        const position = block.txids.findIndex((t) => equalBytes(t, id));
        if (position < 0)
          throw new RpcError(RpcErrorCode.InvalidAddressOrKey, 'No such transaction found in the provided block');
        found = { e, tx: block.txs[position]! };
      } else {
        // Without a block hash: the transaction index (bitcoind's -txindex) knows where it is.
        const at = ctx.txindex()?.locate(id);
        if (!at)
          throw new RpcError(
            RpcErrorCode.InvalidAddressOrKey,
            notFoundReason(ctx, 'No such mempool or blockchain transaction'),
          );
        found = { e: at.entry, tx: at.tx };
      }
      const { e, tx } = found;
      const onMain = chain.isOnMainChain(e);
      return verbose
        ? txJson(tx, params, {
            blockhash: hashToHex(e.hash),
            confirmations: onMain ? chain.height - e.height + 1 : 0,
            time: e.header.time,
            blocktime: e.header.time,
            in_active_chain: onMain,
          })
        : txJson(tx, params).hex;
    },
    decoderawtransaction: (a) => {
      try {
        return txJson(decodeTx(p.hex(a, 0, 'hexstring')), params);
      } catch (err) {
        if (err instanceof DecodeError)
          throw new RpcError(RpcErrorCode.Deserialization, `TX decode failed: ${err.message}`);
        throw err;
      }
    },
  };
}
