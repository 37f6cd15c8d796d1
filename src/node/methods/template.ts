import { decodeBlockWithTxids } from '../../consensus/block.js';
import { headerHash } from '../../consensus/header.js';
import { encodeTx } from '../../consensus/tx.js';
import { DecodeError } from '../../encoding/errors.js';
import { bytesToHex, equalBytes, hashToHex } from '../../encoding/hex.js';
import { buildTemplate } from '../../mining/template.js';
import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import type { RpcMethod } from '../../rpc/server.js';
import type { NodeContext } from '../context.js';
import { p } from './params.js';

/** How long a long poll waits for a new tip or a mempool change before answering anyway. */
export const LONGPOLL_MAX_MS = 60_000;
/** MAX_LONGPOLLS: long polls waiting at once; more are answered at once, without waiting. */
export const MAX_LONGPOLLS = 100;
/** The coinbase is the client's: the template is built for a placeholder payee and only its totals are used. */
const NO_PAYEE = new Uint8Array(20);

/**
 * getblocktemplate (BIP 22/23) for external miners: the tip's child without a coinbase
 * (coinbasevalue says what it may pay), long polling, and proposal mode. The client builds the
 * coinbase in powchain's format (docs/rpc.md), the merkle root, the header, and submits the
 * block with submitblock.
 */
export function templateMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const watch = new TemplateWatch(ctx);
  return {
    getblocktemplate: async (a) => {
      const request = a[0] ?? {};
      if (typeof request !== 'object' || Array.isArray(request))
        throw new RpcError(RpcErrorCode.Type, 'template_request must be a JSON object');
      const req = request as Record<string, unknown>;
      const mode = req.mode ?? 'template';
      if (mode === 'proposal') return proposal(ctx, req.data);
      if (mode !== 'template') throw new RpcError(RpcErrorCode.InvalidParameter, 'Invalid mode');
      if (ctx.net.syncing)
        throw new RpcError(
          RpcErrorCode.InInitialDownload,
          'powchain is downloading blocks: no template until it has the tip',
        );
      if (req.longpollid !== undefined && req.longpollid !== null) {
        const id = p.str([req.longpollid], 0, 'longpollid');
        if (!/^[0-9a-f]{64}\d{1,15}$/.test(id))
          throw new RpcError(RpcErrorCode.InvalidParameter, 'longpollid must come from an earlier template');
        if (id === watch.id()) await watch.changed(id);
        if (ctx.stopping.aborted) throw new RpcError(RpcErrorCode.Misc, 'powchain is shutting down');
      }
      return templateJson(ctx, watch.id());
    },
  };
}

async function templateJson(ctx: NodeContext, longpollid: string): Promise<Record<string, unknown>> {
  const { params, queries } = ctx;
  const t = await buildTemplate(ctx.chain, ctx.mempool, NO_PAYEE, ctx.clock());
  // depends: 1-based positions, in this list, of the transactions each one spends from.
  const position = new Map(t.txids.map((id, i) => [bytesToHex(id), i + 1]));
  return {
    capabilities: ['proposal'],
    version: 1,
    rules: [],
    vbavailable: {},
    vbrequired: 0,
    previousblockhash: hashToHex(t.parent.hash),
    transactions: t.txs.map((tx, i) => {
      const depends = new Set<number>();
      for (const input of tx.inputs) {
        const at = position.get(bytesToHex(input.prevTxid));
        if (at !== undefined) depends.add(at);
      }
      const id = hashToHex(t.txids[i]!);
      return {
        data: bytesToHex(encodeTx(tx)),
        txid: id,
        hash: id,
        depends: [...depends].sort((x, y) => x - y),
        fee: t.txFees[i]!,
      };
    }),
    coinbaseaux: {},
    coinbasevalue: t.reward,
    longpollid,
    target: t.target.toString(16).padStart(64, '0'),
    mintime: queries.medianTimePast(t.parent) + 1,
    mutable: ['time', 'transactions', 'prevblock'],
    noncerange: '00000000ffffffff',
    sizelimit: params.maxBlockBytes,
    curtime: t.time,
    maxtime: ctx.clock() + params.maxFutureBlockTime,
    bits: t.bits.toString(16).padStart(8, '0'),
    height: t.height,
  };
}

/** BIP 23 proposal: check a block on the tip without storing it. null when it would be accepted. */
async function proposal(ctx: NodeContext, data: unknown): Promise<string | null> {
  if (typeof data !== 'string') throw new RpcError(RpcErrorCode.Type, 'Missing data String key for proposal');
  let block;
  try {
    block = decodeBlockWithTxids(p.hex([data], 0, 'data'), ctx.params.maxBlockBytes);
  } catch (err) {
    if (err instanceof DecodeError)
      throw new RpcError(RpcErrorCode.Deserialization, `Block decode failed: ${err.message}`);
    throw err;
  }
  const { queries } = ctx;
  const known = queries.entry(headerHash(block.header));
  if (known) {
    const v = queries.validity(known);
    return v === 'valid' ? 'duplicate' : v === 'invalid' ? 'duplicate-invalid' : 'duplicate-inconclusive';
  }
  if (!equalBytes(block.header.prevHash, queries.tip().hash)) return 'inconclusive-not-best-prevblk';
  const r = await queries.checkBlock(block);
  switch (r.status) {
    case 'valid':
    case 'connected':
      return null;
    case 'duplicate':
      return 'duplicate';
    // A dry run stores nothing; these answers belong to blocks handed in to be kept.
    case 'stored':
    case 'less-work':
      return 'inconclusive';
    case 'orphan':
      return 'inconclusive-not-best-prevblk';
    case 'invalid':
    case 'temporary':
      return r.code;
  }
}

/**
 * What a long poll waits for: the tip and a count of mempool changes, as bitcoind's longpollid
 * (tip hash, then the count). A waiter is answered when either moves, after LONGPOLL_MAX_MS,
 * or when the node stops.
 */
class TemplateWatch {
  private mempoolChanges = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly ctx: NodeContext) {
    const changed = () => {
      for (const w of [...this.waiters]) w();
    };
    ctx.queries.onTip(changed);
    ctx.mempool.on('added', () => {
      this.mempoolChanges++;
      changed();
    });
    ctx.mempool.on('removed', () => {
      this.mempoolChanges++;
      changed();
    });
    ctx.stopping.addEventListener('abort', changed);
  }

  id(): string {
    return `${hashToHex(this.ctx.queries.tip().hash)}${this.mempoolChanges}`;
  }

  changed(id: string): Promise<void> {
    if (this.waiters.size >= MAX_LONGPOLLS || this.ctx.stopping.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (this.id() !== id || this.ctx.stopping.aborted) done();
      };
      const timer = setTimeout(done, LONGPOLL_MAX_MS);
      timer.unref();
      this.waiters.add(check);
    });
  }
}
