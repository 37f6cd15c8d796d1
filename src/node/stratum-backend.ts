import type { Block } from '../consensus/block.js';
import { hashToHex } from '../encoding/hex.js';
import { isAccepted, type ProcessResult } from '../chain/types.js';
import type { Mempool } from '../mempool/mempool.js';
import { buildTemplate } from '../mining/template.js';
import type { StratumBackend } from '../stratum/index.js';
import type { ChainQueries } from './chain-queries.js';
import type { Chain } from '../chain/chain.js';

/** The template is built for a placeholder payee: each Stratum connection pays its own address. */
const NO_PAYEE = new Uint8Array(20);

/** What the Stratum server sees of the node: its templates, its door for blocks, its tip news, its clock. */
export function stratumBackend(o: {
  chain: Chain;
  queries: ChainQueries;
  mempool: Mempool;
  clock: () => number;
  submitBlock: (block: Block) => Promise<ProcessResult>;
}): StratumBackend {
  return {
    params: o.queries.params,
    clock: o.clock,
    onTip: (listener) => o.queries.onTip(listener),
    template: async () => {
      const t = await buildTemplate(o.chain, o.mempool, NO_PAYEE, o.clock());
      return {
        prevHash: t.parent.hash,
        height: t.height,
        version: 1,
        bits: t.bits,
        target: t.target,
        time: t.time,
        minTime: o.queries.medianTimePast(t.parent) + 1,
        txs: t.txs,
        txids: t.txids,
        reward: t.reward,
      };
    },
    submitBlock: async (block) => {
      const r = await o.submitBlock(block);
      const hash = hashToHex(r.hash);
      return isAccepted(r)
        ? { accepted: true, hash, height: r.height }
        : { accepted: false, hash, reason: 'code' in r ? r.code : r.status };
    },
  };
}
