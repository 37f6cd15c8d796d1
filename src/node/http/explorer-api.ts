import type { Coin } from '../../consensus/coin.js';
import { isCoinbase, type Transaction } from '../../consensus/tx.js';
import { addressFromPublicKey, encodeAddress } from '../../crypto/address.js';
import { equalBytes, hashToHex, hexToHash } from '../../encoding/hex.js';
import { feeRate } from '../../mempool/entry.js';
import { Coins, toJson } from '../../rpc/json.js';
import type { RpcMethod } from '../../rpc/server.js';
import { HttpError, sendJson, type PublicHandler } from '../../web/http.js';
import { Router, type RouteContext } from '../../web/router.js';
import type { NodeContext } from '../context.js';
import { callMethod } from './call.js';
import type { LiveFeed } from './live.js';
import { addressParam } from './rest.js';
import { blockTree, entryStatus, MAX_TREE_DEPTH } from './tree.js';
import type { TxLookup } from './tx-lookup.js';

/** MAX_LIST: rows in one list answer (latest blocks, mempool, an address's history). */
export const MAX_LIST = 100;

function countParam(c: RouteContext, name: string, dflt: number, max: number): number {
  const v = c.query.get(name);
  if (v === null) return dflt;
  const n = /^\d{1,6}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, `${name} must be an integer from 1 to ${max}`);
  return n;
}

/**
 * The explorer page's JSON under /api/ (docs/explorer.md): views the page needs in one request
 * each, built from the RPC methods (same field names) plus what a page shows that no RPC answers
 * in one call (an input's address and value, the recent block tree). `events` is the live feed.
 */
export function explorerRoutes(
  ctx: NodeContext,
  methods: Record<string, RpcMethod>,
  txs: TxLookup,
  live: LiveFeed,
  onError: (err: Error) => void,
): PublicHandler {
  const { queries: chain, mempool, params } = ctx;
  const call = <T = unknown>(name: string, args: unknown[] = []) => callMethod<T>(methods, name, args);
  const json = (c: RouteContext, value: unknown) => sendJson(c.req, c.res, 200, toJson(value));

  /** A confirmed transaction found in a stored block: the block, and the transaction's place in it. */
  const inBlock = (blockhash: string, id: Uint8Array) => {
    const entry = chain.entry(hexToHash(blockhash));
    const block = entry ? chain.block(entry) : undefined;
    const k = block ? block.txids.findIndex((t) => equalBytes(t, id)) : -1;
    if (!entry || !block || k < 0) throw new HttpError(404, 'No such transaction in that block');
    return { entry, block, k, tx: block.txs[k]! };
  };

  /** The coins an unconfirmed transaction's inputs spend: the UTXO set's, or a pool parent's. */
  const poolSpent = (tx: Transaction): (Coin | null)[] =>
    tx.inputs.map((i) => {
      const coin = chain.coin(i.prevTxid, i.prevIndex);
      if (coin) return coin;
      const out = mempool.get(i.prevTxid)?.tx.outputs[i.prevIndex];
      return out ? { ...out, height: -1, coinbase: false } : null;
    });

  /**
   * The coins a confirmed transaction's inputs spent: a main-chain block's undo record holds them
   * for all its inputs, in order (null where the block is not on the main chain).
   */
  const blockSpent = (found: ReturnType<typeof inBlock>): (Coin | null)[] => {
    const { entry, block, k, tx } = found;
    const spent = chain.spentCoins(entry);
    if (!spent) return tx.inputs.map(() => null);
    let cursor = 0;
    for (let t = 1; t < k; t++) cursor += block.txs[t]!.inputs.length;
    return spent.slice(cursor, cursor + tx.inputs.length);
  };

  const router = new Router(onError)
    .get(/^\/api\/summary$/, async (c) =>
      json(c, {
        chain: await call('getblockchaininfo'),
        mempool: await call('getmempoolinfo'),
        mining: await call('getmininginfo'),
        network: await call('getnetworkinfo'),
      }),
    )
    .get(/^\/api\/blocks$/, async (c) => {
      const count = countParam(c, 'count', 20, MAX_LIST);
      const before = c.query.get('before');
      const tipHeight = chain.tip().height;
      const top = before === null ? tipHeight : Math.min(tipHeight, Number(before) - 1);
      if (!Number.isInteger(top)) throw new HttpError(400, 'before must be a height');
      const out = [];
      for (let h = top; h >= 0 && out.length < count; h--) {
        const e = chain.atHeight(h);
        if (!e) break;
        out.push({ ...(await call<object>('getblockheader', [hashToHex(e.hash)])), size: e.size });
      }
      json(c, out);
    })
    .get(/^\/api\/block\/(\d{1,10}|[0-9a-fA-F]{64})$/, async (c) => {
      const key = c.params[0]!;
      const hash =
        key.length === 64
          ? key
          : await call<string>('getblockhash', [Number(key)]).catch(() => {
              throw new HttpError(404, `no block at height ${key}`);
            });
      const entry = chain.entry(hexToHash(hash));
      if (!entry) throw new HttpError(404, `Block not found: ${hash}`);
      if (!chain.blockBytes(entry.hash)) throw new HttpError(404, `Block data not available: ${hash}`);
      json(c, { ...(await call<object>('getblock', [hash, 2])), status: entryStatus(chain, entry) });
    })
    .get(/^\/api\/tx\/([0-9a-fA-F]{64})$/, async (c) => {
      const id = hexToHash(c.params[0]!);
      const hint = c.query.get('blockhash') ?? undefined;
      if (hint !== undefined && !/^[0-9a-fA-F]{64}$/.test(hint)) throw new HttpError(400, 'invalid blockhash');
      const where = await txs.find(id, { blockhash: hint, address: c.query.get('address') ?? undefined });
      const blockhash = where.kind === 'block' ? where.blockhash : undefined;
      const tx = await call<Record<string, unknown>>('getrawtransaction', [c.params[0], true, blockhash ?? null]);
      const pooled = mempool.get(id)?.tx;
      const found = pooled ? undefined : inBlock(blockhash!, id);
      const decoded = pooled ?? found!.tx;
      const coins = isCoinbase(decoded) ? [] : found ? blockSpent(found) : poolSpent(decoded);
      const inputs = decoded.inputs.map((i, n) => {
        const coin = coins[n];
        return isCoinbase(decoded)
          ? { coinbase: true }
          : {
              // The unlock starts with the spender's public key: its hash is the address paid.
              address: addressFromPublicKey(params.addressHrp, i.unlock.subarray(0, 33)),
              value: coin ? new Coins(coin.value) : null,
            };
      });
      const inTotal = coins.every((x) => x !== null) ? coins.reduce((s, x) => s + x!.value, 0n) : null;
      const outTotal = decoded.outputs.reduce((s, o) => s + o.value, 0n);
      json(c, {
        ...tx,
        status: where.kind === 'mempool' ? 'mempool' : 'confirmed',
        inputs,
        fee: isCoinbase(decoded) || inTotal === null ? null : new Coins(inTotal - outTotal),
      });
    })
    .get(/^\/api\/address\/([^/]+)$/, async (c) => {
      const address = addressParam(c.params[0]!, params.addressHrp);
      const count = countParam(c, 'count', 50, MAX_LIST);
      const history = await call<unknown[]>('getaddresshistory', [address]);
      const utxos = await call<unknown[]>('getaddressutxos', [address, true]);
      json(c, {
        address,
        balance: await call('getaddressbalance', [address]),
        transactions: history.length,
        history: history.slice(-count).reverse(),
        unspent: utxos.length,
        utxos: utxos.slice(0, count),
      });
    })
    .get(/^\/api\/mempool$/, async (c) => {
      const count = countParam(c, 'count', 50, MAX_LIST);
      const newest = mempool
        .all()
        .sort((a, b) => b.time - a.time)
        .slice(0, count)
        .map((e) => ({
          txid: hashToHex(e.txid),
          size: e.size,
          fee: new Coins(e.fee),
          feerate: new Coins(BigInt(Math.floor(feeRate(e.fee, e.size)))),
          time: e.time,
          outputs: e.tx.outputs.map((o) => ({
            address: encodeAddress(params.addressHrp, o.pubKeyHash),
            value: new Coins(o.value),
          })),
        }));
      json(c, { info: await call('getmempoolinfo'), txs: newest });
    })
    .get(/^\/api\/peers$/, async (c) => json(c, await call('getpeerinfo')))
    .get(/^\/api\/tree$/, (c) => json(c, blockTree(chain, countParam(c, 'depth', 30, MAX_TREE_DEPTH), live.orphans)))
    .get(/^\/api\/search$/, async (c) => json(c, await search(c.query.get('q') ?? '')))
    .get(/^\/api\/events$/, (c) => live.hub.attach(c.req, c.res, live.hello()));

  /** What a search box entry names: a height, a block hash, a txid or an address. */
  async function search(raw: string): Promise<Record<string, unknown>> {
    const q = raw.trim();
    if (/^\d{1,10}$/.test(q)) {
      const e = chain.atHeight(Number(q));
      if (!e) throw new HttpError(404, `no block at height ${q} (the tip is at ${chain.tip().height})`);
      return { kind: 'block', hash: hashToHex(e.hash), height: e.height };
    }
    if (/^[0-9a-fA-F]{64}$/.test(q)) {
      const hash = hexToHash(q);
      const e = chain.entry(hash);
      if (e) return { kind: 'block', hash: hashToHex(e.hash), height: e.height };
      const where = await txs.find(hash);
      return { kind: 'tx', txid: q.toLowerCase(), blockhash: where.kind === 'block' ? where.blockhash : undefined };
    }
    if (q.length > 0 && q.length <= 100) {
      try {
        return { kind: 'address', address: addressParam(q, params.addressHrp) };
      } catch {
        // not an address: the answer below
      }
    }
    throw new HttpError(400, 'search for a block height, a block hash, a transaction id or an address');
  }

  return router.handler('/api/');
}
