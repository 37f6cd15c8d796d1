import { decodeBlock, decodeBlockWithTxids } from '../../consensus/block.js';
import { hashToHex } from '../../encoding/hex.js';
import { DecodeError } from '../../encoding/errors.js';
import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import type { RpcMethod } from '../../rpc/server.js';
import { generateBlocks } from '../../mining/generate.js';
import type { NodeContext } from '../context.js';
import { difficulty } from './format.js';
import { p } from './params.js';
import { networkHashRate } from './stats.js';

export function miningMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const { chain, params } = ctx;
  return {
    getmininginfo: () => {
      const s = ctx.miner()?.status();
      return {
        blocks: chain.height,
        difficulty: difficulty(chain.tip.header.bits, params),
        networkhashps: networkHashRate(ctx.queries),
        pooledtx: ctx.mempool.size,
        chain: params.name,
        generate: s?.mining ?? false,
        genproclimit: s?.threads ?? 0,
        hashespersec: s?.hashRate ?? 0,
        blocksfound: s?.blocksFound ?? 0,
        kernel: s?.kernel ?? ctx.kernel.name,
      };
    },
    setgenerate: async (a) => {
      const on = p.bool(a, 0, 'generate');
      if (!on) {
        await ctx.stopMining();
        return null;
      }
      const threads =
        a[1] === undefined || a[1] === null || a[1] === -1 ? undefined : p.int(a, 1, 'genproclimit', undefined, 1, 256);
      const address = ctx.config.minerAddress;
      if (!address) throw new RpcError(RpcErrorCode.Misc, 'setgenerate needs the node started with --miner-address');
      await ctx.startMining(p.address([address], 0, 'miner address', params.addressHrp), threads);
      return null;
    },
    generatetoaddress: async (a) => {
      if (!params.allowMineOnDemand)
        throw new RpcError(RpcErrorCode.MethodNotFound, 'generatetoaddress is only available on regtest');
      const n = p.int(a, 0, 'nblocks', undefined, 1, 10_000);
      const payTo = p.address(a, 1, 'address', params.addressHrp);
      const hashes = await generateBlocks(
        { chain, mempool: ctx.mempool, kernel: ctx.kernel, payTo, clock: ctx.clock },
        n,
      );
      // generateBlocks connects through processBlock directly: gossip the new blocks, oldest first,
      // as the miner does with the blocks it finds (in the background: the caller has its answer).
      gossipInOrder(ctx, hashes).catch(() => undefined);
      return hashes.map(hashToHex);
    },
    getstratuminfo: () => {
      const server = ctx.stratum();
      if (!server)
        throw new RpcError(RpcErrorCode.Misc, 'the Stratum server is off: start the node with --stratum-port');
      return server.info();
    },
    submitblock: async (a) => {
      let block;
      try {
        // Stage 1 of the block path (chain/process.ts): decode; submitBlock hands it to stage 2.
        block = decodeBlockWithTxids(p.hex(a, 0, 'hexdata'), params.maxBlockBytes);
      } catch (err) {
        if (err instanceof DecodeError)
          throw new RpcError(RpcErrorCode.Deserialization, `Block decode failed: ${err.message}`);
        throw err;
      }
      const r = await ctx.submitBlock(block);
      switch (r.status) {
        case 'connected':
        case 'valid': // a dry run's answer; submitblock asks for none
          return null;
        case 'duplicate':
          return 'duplicate';
        // Stored on a side branch, or waiting for its parent: bitcoind says "inconclusive" too.
        case 'stored':
        case 'orphan':
        case 'less-work': // only for unsolicited blocks; submitblock's are not
          return 'inconclusive';
        case 'invalid':
        case 'temporary':
          return r.code;
      }
    },
  };
}

/** Publish stored blocks one after another; a block no longer stored or a gossip failure is skipped. */
async function gossipInOrder(ctx: NodeContext, hashes: Uint8Array[]): Promise<void> {
  for (const hash of hashes) {
    if (!ctx.chain.isOpen) return; // the node is stopping
    const bytes = ctx.chain.getBlockBytes(hash);
    if (!bytes) continue;
    await ctx.net.publishBlock(decodeBlock(bytes), bytes).catch(() => undefined);
  }
}
