import type { Chain } from '../chain/chain.js';
import { isAccepted } from '../chain/types.js';
import type { Block } from '../consensus/block.js';
import type { Mempool } from '../mempool/mempool.js';
import type { HashKernel } from './kernel/types.js';
import { buildTemplate, headerBytes, templateBlock } from './template.js';

/**
 * Mine `count` blocks on the calling thread, one after another, each through processBlock
 * (generatetoaddress). Meant for regtest's trivial target; on a real target it simply takes
 * as long as the work does, scanning in slices so `signal` can stop it between slices. Returns
 * the blocks' hashes (internal byte order), oldest first.
 */
export async function generateBlocks(
  p: {
    chain: Chain;
    mempool?: Mempool;
    kernel: HashKernel;
    payTo: Uint8Array;
    clock: () => number;
    signal?: AbortSignal;
  },
  count: number,
): Promise<Uint8Array[]> {
  const hashes: Uint8Array[] = [];
  let extraNonce = 0n;
  const SLICE = 1 << 20;
  while (hashes.length < count) {
    if (p.signal?.aborted) break;
    const t = await buildTemplate(p.chain, p.mempool, p.payTo, p.clock());
    let block: Block | undefined;
    for (let start = 0; start < 2 ** 32 && !block && !p.signal?.aborted; start += SLICE) {
      const candidate = templateBlock(t, extraNonce);
      const nonce = p.kernel.scan(headerBytes(candidate), t.target, start, Math.min(SLICE, 2 ** 32 - start));
      if (nonce >= 0) {
        candidate.header.nonce = nonce;
        block = candidate;
      }
      await new Promise((r) => setImmediate(r)); // let the node answer other requests
    }
    extraNonce++;
    if (!block) continue;
    const r = await p.chain.processBlock(block, { source: 'rpc' });
    if (!isAccepted(r)) throw new Error(`generated block rejected: ${r.status}${'code' in r ? ` ${r.code}` : ''}`);
    hashes.push(r.hash);
  }
  return hashes;
}
