import { encodeHeader } from '../../consensus/header.js';
import { bytesToHex, concatBytes, hashToHex, hexToBytes, hexToHash } from '../../encoding/hex.js';
import { AddressError, decodeAddress, encodeAddress } from '../../crypto/address.js';
import { Coins, toJson } from '../../rpc/json.js';
import type { RpcMethod } from '../../rpc/server.js';
import { HttpError, send, sendJson, type PublicHandler } from '../../web/http.js';
import { Router, type RouteContext } from '../../web/router.js';
import type { NodeContext } from '../context.js';
import { callMethod } from './call.js';
import type { TxLookup } from './tx-lookup.js';

/** MAX_REST_HEADERS: headers in one answer (bitcoind's MAX_REST_HEADERS_RESULTS). */
export const MAX_REST_HEADERS = 2_000;
/** MAX_REST_OUTPOINTS: outpoints in one getutxos request (bitcoind's MAX_GETUTXOS_OUTPOINTS). */
export const MAX_REST_OUTPOINTS = 15;

type Format = 'json' | 'hex' | 'bin';
const ALL_FORMATS: readonly Format[] = ['json', 'hex', 'bin'];
const JSON_ONLY: readonly Format[] = ['json'];

function format(ext: string, allowed: readonly Format[]): Format {
  if ((allowed as readonly string[]).includes(ext)) return ext as Format;
  throw new HttpError(400, `output format not found (available: ${allowed.map((f) => `.${f}`).join(', ')})`);
}

function hashParam(s: string, what: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new HttpError(400, `invalid ${what}: ${s.slice(0, 80)}`);
  return hexToHash(s);
}

function intParam(s: string, what: string, min: number, max: number): number {
  const n = /^\d{1,10}$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new HttpError(400, `${what} must be an integer from ${min} to ${max}`);
  return n;
}

export function addressParam(s: string, hrp: string): string {
  try {
    decodeAddress(s, hrp);
    return s;
  } catch (err) {
    if (err instanceof AddressError) throw new HttpError(400, `invalid address: ${err.message}`);
    throw err;
  }
}

/**
 * The read-only REST interface under /rest/, bitcoind's paths (`-rest`) plus the address index.
 * Answers are the RPC methods' own (same field names); `.bin` and `.hex` carry the serialized
 * bytes as bitcoind's do. Bad input is 400, unknown things 404, each a one-line JSON error.
 */
export function restRoutes(
  ctx: NodeContext,
  methods: Record<string, RpcMethod>,
  txs: TxLookup,
  onError: (err: Error) => void,
): PublicHandler {
  const { queries: chain, mempool, params } = ctx;
  const call = <T = unknown>(name: string, args: unknown[] = []) => callMethod<T>(methods, name, args);
  const json = (c: RouteContext, value: unknown) => sendJson(c.req, c.res, 200, toJson(value));
  const bytes = (c: RouteContext, f: Format, b: Uint8Array) =>
    f === 'bin'
      ? send(c.req, c.res, 200, 'application/octet-stream', b)
      : send(c.req, c.res, 200, 'text/plain; charset=utf-8', `${bytesToHex(b)}\n`);
  const storedBlock = (hashHex: string) => {
    const entry = chain.entry(hashParam(hashHex, 'block hash'));
    if (!entry) throw new HttpError(404, `Block not found: ${hashHex}`);
    const raw = chain.blockBytes(entry.hash);
    if (!raw) throw new HttpError(404, `Block data not available: ${hashHex} (header only)`);
    return { entry, raw };
  };
  const block = (verbosity: 1 | 2) => async (c: RouteContext) => {
    const f = format(c.params[1]!, ALL_FORMATS);
    const { entry, raw } = storedBlock(c.params[0]!);
    if (f === 'json') json(c, await call('getblock', [hashToHex(entry.hash), verbosity]));
    else bytes(c, f, raw);
  };
  const headers = async (hashHex: string, countText: string, ext: string, c: RouteContext) => {
    const f = format(ext, ALL_FORMATS);
    const count = intParam(countText, 'count', 1, MAX_REST_HEADERS);
    const start = chain.entry(hashParam(hashHex, 'block hash'));
    if (!start) throw new HttpError(404, `Block not found: ${hashHex}`);
    // bitcoind's walk: the given block, then its successors while it is on the main chain.
    const out = [start];
    if (chain.isOnMainChain(start))
      for (let h = start.height + 1; out.length < count; h++) {
        const next = chain.atHeight(h);
        if (!next) break;
        out.push(next);
      }
    if (f === 'json') {
      const answer = [];
      for (const e of out) answer.push(await call('getblockheader', [hashToHex(e.hash)]));
      json(c, answer);
    } else bytes(c, f, concatBytes(...out.map((e) => encodeHeader(e.header))));
  };

  const router = new Router(onError)
    .get(/^\/rest\/chaininfo\.(\w+)$/, async (c) => {
      format(c.params[0]!, JSON_ONLY);
      json(c, await call('getblockchaininfo'));
    })
    .get(/^\/rest\/block\/notxdetails\/([^/]+)\.(\w+)$/, block(1))
    .get(/^\/rest\/block\/([^/]+)\.(\w+)$/, block(2))
    .get(/^\/rest\/headers\/(\d+)\/([^/]+)\.(\w+)$/, (c) => headers(c.params[1]!, c.params[0]!, c.params[2]!, c))
    .get(/^\/rest\/headers\/([^/]+)\.(\w+)$/, (c) =>
      headers(c.params[0]!, c.query.get('count') ?? '5', c.params[1]!, c),
    )
    .get(/^\/rest\/blockhashbyheight\/([^/]+)\.(\w+)$/, (c) => {
      const f = format(c.params[1]!, ALL_FORMATS);
      const height = intParam(c.params[0]!, 'height', 0, 0xffffffff);
      const entry = chain.atHeight(height);
      if (!entry) throw new HttpError(404, 'Block height out of range');
      // As bitcoind: .bin and .hex carry the hash in its serialized (internal) byte order.
      if (f === 'json') json(c, { blockhash: hashToHex(entry.hash) });
      else bytes(c, f, entry.hash);
    })
    .get(/^\/rest\/tx\/([^/]+)\.(\w+)$/, async (c) => {
      const f = format(c.params[1]!, ALL_FORMATS);
      const id = hashParam(c.params[0]!, 'txid');
      const blockhash = c.query.get('blockhash') ?? undefined;
      if (blockhash !== undefined) hashParam(blockhash, 'blockhash');
      const where = await txs.find(id, { blockhash, address: c.query.get('address') ?? undefined });
      const args = [hashToHex(id), true, where.kind === 'block' ? where.blockhash : null];
      const tx = await call<{ hex: string }>('getrawtransaction', args);
      if (f === 'json') json(c, tx);
      else bytes(c, f, hexToBytes(tx.hex));
    })
    .get(/^\/rest\/mempool\/info\.(\w+)$/, async (c) => {
      format(c.params[0]!, JSON_ONLY);
      json(c, await call('getmempoolinfo'));
    })
    .get(/^\/rest\/mempool\/contents\.(\w+)$/, async (c) => {
      format(c.params[0]!, JSON_ONLY);
      const verbose = c.query.get('verbose') !== 'false';
      json(c, await call('getrawmempool', [verbose]));
    })
    .get(/^\/rest\/getutxos((?:\/[^/]+)+)\.(\w+)$/, (c) => {
      format(c.params[1]!, JSON_ONLY);
      const parts = c.params[0]!.split('/').filter(Boolean);
      const checkMempool = parts[0] === 'checkmempool';
      const points = checkMempool ? parts.slice(1) : parts;
      if (points.length === 0) throw new HttpError(400, 'getutxos needs at least one <txid>-<n>');
      if (points.length > MAX_REST_OUTPOINTS)
        throw new HttpError(400, `getutxos takes at most ${MAX_REST_OUTPOINTS} outpoints`);
      const utxos: Record<string, unknown>[] = [];
      let bitmap = '';
      for (const point of points) {
        const m = /^([0-9a-fA-F]{64})-(\d{1,10})$/.exec(point);
        if (!m) throw new HttpError(400, `invalid outpoint '${point.slice(0, 80)}' (want <txid>-<n>)`);
        const id = hexToHash(m[1]!);
        const n = intParam(m[2]!, 'output index', 0, 0xffffffff);
        const spentInPool = checkMempool && mempool.spender(id, n);
        const coin = spentInPool ? undefined : chain.coin(id, n);
        const pooled = !spentInPool && !coin && checkMempool ? mempool.get(id)?.tx.outputs[n] : undefined;
        const out = coin ?? pooled;
        bitmap += out ? '1' : '0';
        if (!out) continue;
        utxos.push({
          height: coin ? coin.height : -1,
          value: new Coins(out.value),
          address: encodeAddress(params.addressHrp, out.pubKeyHash),
          pubkeyhash: bytesToHex(out.pubKeyHash),
          coinbase: coin ? coin.coinbase : false,
        });
      }
      const tip = chain.tip();
      json(c, { chainHeight: tip.height, chaintipHash: hashToHex(tip.hash), bitmap, utxos });
    })
    .get(/^\/rest\/address\/([^/]+)\/(txs|utxos)\.(\w+)$/, async (c) => {
      format(c.params[2]!, JSON_ONLY);
      const address = addressParam(c.params[0]!, params.addressHrp);
      const includeMempool = c.query.get('include_mempool') === 'true';
      json(
        c,
        c.params[1] === 'txs'
          ? await call('getaddresshistory', [address])
          : await call('getaddressutxos', [address, includeMempool]),
      );
    });
  return router.handler('/rest/');
}
